"""The case file page (issue 12 §4): a summary at the top (status, next deadlines, warnings each
with the link that fixes it), a navigation of sections, and each section rendered on its own
(loaded with htmx on demand, or by a plain link without JavaScript).

A section is data: its slug (in the URL), its title, its templates, the function that gives its
context and whether the actor's role shows it at all. The page's forms come back to the section
they belong to (``section_for_anchor``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases import selectors, states
from opentrm.cases.models import Case, ConsentRecord, Task
from opentrm.cases.services.identification import reflection_countdown
from opentrm.cases.services.tasks import case_tasks
from opentrm.cases.views_assessments import assessments_context
from opentrm.cases.views_child import child_context
from opentrm.cases.views_documents import documents_context, notes_context, participants_context
from opentrm.cases.views_measures import measures_context
from opentrm.cases.views_plans import plans_context
from opentrm.cases.views_proceedings import proceedings_context
from opentrm.cases.views_services import services_context
from opentrm.cases.views_tasks import tasks_context

Context = Callable[[Actor, Case], dict[str, Any]]


def consents_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The consent register of the case, each record with its state in words."""
    consents = case.consents.select_related(
        "recipient_organisation", "taken_by", "taken_for", "withdrawn_for", "signed_form"
    )
    counted = set(selectors.counted_consents().filter(case=case).values_list("pk", flat=True))
    corrected = set(
        case.consents.filter(supersedes__isnull=False).values_list("supersedes_id", flat=True)
    )
    return {
        "consents": [
            (
                consent,
                consent_state(
                    consent, counted=consent.pk in counted, corrected=consent.pk in corrected
                ),
                consent.pk in corrected,
            )
            for consent in consents
        ]
    }


def consent_state(consent: ConsentRecord, *, counted: bool = True, corrected: bool = False) -> str:
    if corrected:
        return _("corrected by a later record")
    if not counted:
        return _("not counted: not recorded by the owner or a consent-taker")
    if consent.decision != "given":
        return _("refused")
    if consent.withdrawn_at is not None:
        return _("withdrawn")
    if consent.expires_on is not None and consent.expires_on < timezone.localdate():
        return _("expired")
    return _("given")


def _none(actor: Actor, case: Case) -> dict[str, Any]:
    return {}


def _always(actor: Actor, case: Case) -> bool:
    return True


def _may(action: Action) -> Callable[[Actor, Case], bool]:
    return lambda actor, case: can(actor, action, case)


def _child_shown(actor: Actor, case: Case) -> bool:
    return child_context(actor, case)["child"] is not None


@dataclass(frozen=True)
class Section:
    slug: str
    title: Promise
    templates: tuple[str, ...]
    context: Context = _none
    shown: Callable[[Actor, Case], bool] = _always
    anchors: frozenset[str] = field(default_factory=frozenset)  # ids inside the section


SECTIONS: tuple[Section, ...] = (
    Section(
        "consents", gettext_lazy("Consents"), ("cases/_consents_section.html",), consents_context
    ),
    Section(
        "participants",
        gettext_lazy("Organisations on the case"),
        ("cases/_participants_section.html", "cases/_sharing_section.html"),
        participants_context,
        anchors=frozenset({"sharing"}),
    ),
    Section("referrals", gettext_lazy("Referrals"), ("cases/_referrals_section.html",)),
    Section(
        "measures",
        gettext_lazy("Identification and measures"),
        ("cases/_measures_section.html",),
        measures_context,
        anchors=frozenset({"identification", "reflection"}),
    ),
    Section(
        "assessments",
        gettext_lazy("Assessments"),
        ("cases/_assessments_section.html",),
        assessments_context,
        _may(Action.ASSISTANCE_VIEW),
        anchors=frozenset({"health"}),
    ),
    Section(
        "plans",
        gettext_lazy("Plans"),
        ("cases/_plans_section.html",),
        plans_context,
        _may(Action.ASSISTANCE_VIEW),
        anchors=frozenset({"plan", "risk-plan"}),
    ),
    Section(
        "services",
        gettext_lazy("Services"),
        ("cases/_services_section.html",),
        services_context,
        _may(Action.ASSISTANCE_VIEW),
    ),
    Section(
        "proceedings",
        gettext_lazy("Proceedings"),
        ("cases/_proceedings_section.html",),
        proceedings_context,
        _may(Action.PROCEEDINGS_VIEW),
        anchors=frozenset({"hearings", "no-contact"}),
    ),
    Section(
        "child",
        gettext_lazy("Child safeguards"),
        ("cases/_child_section.html",),
        child_context,
        _child_shown,
    ),
    Section("tasks", gettext_lazy("Tasks"), ("cases/_tasks_section.html",), tasks_context),
    Section(
        "documents",
        gettext_lazy("Documents"),
        ("cases/_documents_section.html",),
        documents_context,
    ),
    Section("notes", gettext_lazy("Notes"), ("cases/_notes_section.html",), notes_context),
)
BY_SLUG = {section.slug: section for section in SECTIONS}
DEFAULT = "consents"
ALL = "all"  # every section on one page, for reading it through (or printing from the browser)


def section_for_anchor(anchor: str) -> str:
    """The slug of the section holding the element with id ``anchor`` ("" if none)."""
    if anchor.startswith("measure-"):
        return "measures"
    for section in SECTIONS:
        if anchor == section.slug or anchor in section.anchors:
            return section.slug
    return ""


def shown_sections(actor: Actor, case: Case) -> list[Section]:
    return [section for section in SECTIONS if section.shown(actor, case)]


def section_context(actor: Actor, case: Case, sections: list[Section]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for section in sections:
        context.update(section.context(actor, case))
    return context


# --- The summary at the top ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaseWarning:
    text: str
    link: str  # the place that fixes it
    link_text: str


@dataclass(frozen=True)
class Summary:
    deadlines: list[Task]
    overdue: int
    reflection_ends_on: date | None
    reflection_days_left: int | None
    warnings: list[CaseWarning]


def section_url(case: Case, slug: str, anchor: str = "") -> str:
    url = f"{reverse('cases:case_detail', args=[case.public_id])}?section={slug}"
    return f"{url}#{anchor or slug}"


def _child_warnings(actor: Actor, case: Case, today: date) -> list[CaseWarning]:
    if not can(actor, Action.CHILD_PROTECTION_VIEW, case):
        return []
    texts = states.child_case_warnings(case, today)
    if not texts:
        return []
    if can(actor, Action.CHILD_PROTECTION_EDIT, case):
        link = reverse("cases:child_safeguards_edit", args=[case.public_id])
        label = _("Record them now")
    else:  # the role may not record them: who may is the case manager, shown with the others
        link = section_url(case, "participants")
        label = _("Ask your organisation's case manager or the child's guardian")
    return [CaseWarning(text=str(text), link=link, link_text=label) for text in texts]


def case_summary(actor: Actor, case: Case, *, deadlines_shown: int = 3) -> Summary:
    today = timezone.localdate()
    open_tasks, _done = case_tasks(actor=actor, case=case, done_shown=0)
    overdue = sum(1 for task in open_tasks if task.due_on < today)
    warnings = _child_warnings(actor, case, today)
    if overdue:
        warnings.append(
            CaseWarning(
                text=ngettext("%(n)d task is overdue.", "%(n)d tasks are overdue.", overdue)
                % {"n": overdue},
                link=section_url(case, "tasks"),
                link_text=_("See the tasks"),
            )
        )
    countdown = reflection_countdown(case, today)
    return Summary(
        deadlines=open_tasks[:deadlines_shown],
        overdue=overdue,
        reflection_ends_on=countdown.period.ends_on if countdown else None,
        reflection_days_left=countdown.days_left if countdown else None,
        warnings=warnings,
    )


def reflection_line(summary: Summary) -> str:
    """ "Ends on 04/12/2026 (3 days left)", once, in the summary (not a banner on every page)."""
    if summary.reflection_ends_on is None or summary.reflection_days_left is None:
        return ""
    day = formats.date_format(summary.reflection_ends_on, "SHORT_DATE_FORMAT")
    left = summary.reflection_days_left
    if left == 0:
        return _("Ends today (%(date)s).") % {"date": day}
    return ngettext(
        "Ends on %(date)s (%(days)d day left).", "Ends on %(date)s (%(days)d days left).", left
    ) % {"date": day, "days": left}
