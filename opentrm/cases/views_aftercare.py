"""Follow-up visits after return on a case, and the labour inspectorate's inspections (issue 14
part C). Thin: the rules are in ``services/aftercare.py`` and ``services/labour.py``."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases.access import may_record_labour_inspection
from opentrm.cases.forms_aftercare import (
    LabourInspectionForm,
    VisitRecordForm,
    VisitScheduleForm,
)
from opentrm.cases.models import Case, FollowUpVisit
from opentrm.cases.models.aftercare import SUSPECTED_TRAFFICKING
from opentrm.cases.services import aftercare, labour
from opentrm.cases.services.labour import access_labour_inspection
from opentrm.cases.views_common import FormPage, case_form_page
from opentrm.core.forms import cleaned, edited, raise_errors
from opentrm.core.views import form_view


@case_form_page(
    "cases/visit_form.html",
    gettext_lazy("The follow-up visits are scheduled, each with a task and reminders."),
    anchor="visits",
    needs=Action.ASSISTANCE_EDIT,
)
def visit_schedule(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = VisitScheduleForm(request.POST or None)
    return FormPage(
        form,
        lambda: aftercare.follow_up_visits_schedule(
            actor=request.actor, case=case, **cleaned(form, "first_on", "every_days", "count")
        ),
        {"title": _("Schedule follow-up visits after return")},
        precheck=lambda: aftercare.validate_schedule(
            first_on=form.cleaned_data.get("first_on"),
            every_days=form.cleaned_data.get("every_days"),
            count=form.cleaned_data.get("count"),
        ),
    )


@case_form_page(
    "cases/visit_form.html",
    gettext_lazy("The visit is recorded."),
    anchor="visits",
    needs=Action.ASSISTANCE_EDIT,
)
def visit_record(request: AuthenticatedHttpRequest, case: Case, visit_id: int) -> FormPage:
    visit = get_object_or_404(FollowUpVisit, pk=visit_id, case=case)
    visit.case = case
    form = VisitRecordForm(request.POST or None, initial={"version": visit.version})
    return FormPage(
        form,
        lambda: aftercare.follow_up_visit_record(
            actor=request.actor,
            visit=visit,
            **edited(form, "visited_on", "outcome", "notes"),
        ),
        {"title": _("Record a follow-up visit"), "visit": visit},
    )


def visits_panel(actor: Actor, case: Case) -> dict[str, Any] | None:
    """The case page's panel: the follow-up visits, overdue ones flagged (assistance group)."""
    if not can(actor, Action.ASSISTANCE_VIEW, case):
        return None
    visits = list(case.visits.all())
    return {
        "case": case,
        "visits": [(visit, aftercare.visit_overdue(visit)) for visit in visits],
        "may_edit": can(actor, Action.ASSISTANCE_EDIT, case),
        "inspections": list(case.labour_inspections.select_related("organisation")),
    }


# --- Labour inspections ------------------------------------------------------------------------


@require_http_methods(["GET"])
@actor_required(Action.CASE_REGISTER)
def labour_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    inspections = labour.labour_inspections(actor)  # no personal data: not a read to audit
    return render(request, "cases/labour_list.html", {"inspections": inspections})


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_REGISTER)
def labour_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    if not may_record_labour_inspection(actor):
        raise PermissionDenied
    form = LabourInspectionForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: labour.labour_inspection_record(
            actor=actor, data=labour.InspectionData(**form.cleaned_data)
        ),
        success=_("The inspection is recorded."),
        done=lambda inspection: redirect("cases:labour_detail", inspection.pk),
        template="cases/labour_form.html",
        precheck=lambda: raise_errors(labour.inspection_errors(form.cleaned_data)),
    )


@require_http_methods(["GET"])
@actor_required(Action.CASE_REGISTER)
def labour_detail(request: AuthenticatedHttpRequest, inspection_id: int) -> HttpResponse:
    inspection = access_labour_inspection(request.actor, inspection_id)
    may_register = inspection.case_id is None and inspection.classification in SUSPECTED_TRAFFICKING
    return render(
        request,
        "cases/labour_detail.html",
        {"inspection": inspection, "may_register": may_register},
    )


@require_http_methods(["POST"])
@actor_required(Action.CASE_REGISTER)
def labour_register_case(request: AuthenticatedHttpRequest, inspection_id: int) -> HttpResponse:
    inspection = access_labour_inspection(request.actor, inspection_id)
    try:
        case = labour.labour_inspection_register_case(actor=request.actor, inspection=inspection)
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
        return redirect("cases:labour_detail", inspection.pk)
    messages.success(request, _("A presumed victim is registered: complete what is known."))
    return redirect(reverse("cases:person_edit", args=[case.public_id]))
