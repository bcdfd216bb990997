"""The case file page (issue 12 §4): the summary, the sections' navigation and one section at a
time (``?section=<slug>``, or ``all``); a section alone for htmx; the printable summary (PDF).

Every view reads the case through ``access_case`` (404 for a case the actor may not see) and
audits what it showed: the page and each section as a case read naming the section, the PDF as
an export.
"""

from typing import Any

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import casefile, selectors, states
from opentrm.cases.access import access_case, case_permissions
from opentrm.cases.emergency import active_emergency_access
from opentrm.cases.models import Case
from opentrm.cases.panels import case_panels
from opentrm.cases.selectors import CaseView
from opentrm.cases.summary_pdf import case_summary_pdf as render_summary_pdf
from opentrm.core.pdf import PdfUnavailableError


def _chosen(sections: list[casefile.Section], slug: str) -> tuple[list[casefile.Section], str]:
    """Of the sections the actor's role shows, the one(s) asked for (the first if none)."""
    if slug == casefile.ALL:
        return sections, casefile.ALL
    chosen = [section for section in sections if section.slug == slug]
    if not chosen:
        chosen = sections[:1]
    return chosen, chosen[0].slug if chosen else ""


def _read_person_once(case: Case, view: CaseView) -> None:
    """The person's names and citizenships read once for the page: its name, the identity
    section and the identity-resolution candidates each asked for them (issue 18). The page
    only reads, so the rows kept are the rows shown."""
    if FieldGroup.IDENTITY in view.groups:
        prefetch_related_objects([case.person], "names", "citizenships")


def _sections_context(
    actor: Actor, case: Case, view: CaseView, slug: str
) -> tuple[dict[str, Any], str]:
    sections = casefile.shown_sections(actor, case)
    shown, current = _chosen(sections, slug)
    return {
        "view": view,
        "case": case,
        "perms": case_permissions(actor, case),
        "sections": sections,
        "shown": shown,
        "current": current,
        **casefile.section_context(actor, case, shown),
    }, current


@require_GET
@actor_required(Action.CASE_VIEW)
def case_detail(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    case = access_case(actor, public_id)
    states.remember_child_safeguards(case)  # read-only: the row once, not once per rule
    view = selectors.case_view(
        actor=actor, case=case, is_child=states.is_child_case(case, timezone.localdate())
    )
    _read_person_once(case, view)
    context, _current = _sections_context(actor, case, view, request.GET.get("section", ""))
    # The same read as the API's case route: the groups the actor sees of the case.
    selectors.case_read(actor=actor, case=case, via="web", groups=sorted(view.groups))
    summary = casefile.case_summary(actor, case)
    return render(
        request,
        "cases/case_detail.html",
        {
            **context,
            "summary": summary,
            "reflection_line": casefile.reflection_line(summary),
            "today": timezone.localdate(),
            "panels": case_panels.render(actor, case),
            "emergency": active_emergency_access(actor, case),
            "may_review_access": can(actor, Action.CASE_ACCESS_REVIEW, case),
        },
    )


@require_GET
@actor_required(Action.CASE_VIEW)
def case_section(request: AuthenticatedHttpRequest, public_id: str, section: str) -> HttpResponse:
    """One section with the navigation, for htmx; a plain request goes to the page at it."""
    actor = request.actor
    case = access_case(actor, public_id)
    if section not in casefile.BY_SLUG and section != casefile.ALL:
        raise Http404
    if not getattr(request, "htmx", False):
        return redirect(casefile.section_url(case, section))
    states.remember_child_safeguards(case)  # read-only: the row once, not once per rule
    view = selectors.case_view(
        actor=actor, case=case, is_child=states.is_child_case(case, timezone.localdate())
    )
    _read_person_once(case, view)
    context, current = _sections_context(actor, case, view, section)
    selectors.case_read(
        actor=actor, case=case, via="web", groups=sorted(view.groups), view=f"section:{current}"
    )
    response = render(request, "cases/_case_sections.html", context)
    response["Vary"] = "HX-Request"
    return response


@require_GET
@actor_required(Action.CASE_VIEW)
def case_summary_pdf(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The case's summary to print, as far as the actor may see it; the export audited."""
    actor = request.actor
    case = access_case(actor, public_id)
    try:
        content = render_summary_pdf(actor=actor, case=case)
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect("cases:case_detail", case.public_id)
    response = HttpResponse(content, content_type="application/pdf")
    # The case number, not a name: no personal data in the file name either.
    response["Content-Disposition"] = f'attachment; filename="case-{case.number}-summary.pdf"'
    response["Cache-Control"] = "no-store"
    return response
