"""Follow-up visits after return (SOP-IV-7, SOP-T13; issue 14 part C).

Scheduling makes the visits and, through ``sync_generated_tasks``, one task per visit for the
visiting organisation: the daily ``send_task_reminders`` announces it, the task lists show it
overdue. Recording a visit closes its task. The visits are assistance data: only roles that
edit the assistance group of the case schedule or record them.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case, FollowUpVisit, VisitOutcome
from opentrm.cases.services.tasks import sync_generated_tasks
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.input import SERIES_START

MAX_VISITS = 12  # with visits a year apart at most: core.input.SERIES_SPAN_DAYS
MAX_TEXT = 4000


def visit_overdue(visit: FollowUpVisit, today: date | None = None) -> bool:
    return visit.visited_on is None and visit.due_on < (today or timezone.localdate())


def _require_assistance_edit(actor: Actor, case: Case) -> None:
    if not can(actor, Action.ASSISTANCE_EDIT, case):
        raise PermissionDenied


def validate_schedule(*, first_on: date | None, every_days: int | None, count: int | None) -> None:
    """The rules of a schedule, each on its field, all at once; a value not given (a form's
    field that has its own error) is not checked."""
    errors: dict[str, str] = {}
    if first_on is not None and first_on < timezone.localdate():
        errors["first_on"] = _("The first visit cannot be in the past.")
    elif first_on is not None and (problem := SERIES_START.problem(first_on)):
        errors["first_on"] = problem
    if count is not None and not 1 <= count <= MAX_VISITS:
        errors["count"] = _("Schedule between 1 and %(max)d visits.") % {"max": MAX_VISITS}
    if every_days is not None and not 1 <= every_days <= 365:
        errors["every_days"] = _("Between 1 and 365 days.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def follow_up_visits_schedule(
    *, actor: Actor, case: Case, first_on: date, every_days: int = 30, count: int = 3
) -> list[FollowUpVisit]:
    """Schedule ``count`` visits by the actor's organisation, the first on ``first_on`` and
    then every ``every_days`` days; each gets a task with reminders."""
    _require_assistance_edit(actor, case)
    assert actor.membership is not None
    validate_schedule(first_on=first_on, every_days=every_days, count=count)
    visits = [
        FollowUpVisit.objects.create(
            case=case,
            organisation=actor.membership.organisation,
            due_on=first_on + timedelta(days=every_days * number),
            scheduled_by=actor.user,
            updated_by=actor.user,
        )
        for number in range(count)
    ]
    record_event(
        event_type=EventType.FOLLOW_UP_VISIT_SCHEDULED,
        actor=actor,
        target=case,
        detail={"case_id": case.pk, "visit_ids": [visit.pk for visit in visits]},
    )
    sync_generated_tasks(case, actor=actor)
    return visits


@transaction.atomic
def follow_up_visit_record(
    *,
    actor: Actor,
    visit: FollowUpVisit,
    expected_version: int,
    visited_on: date,
    outcome: str,
    notes: str = "",
) -> FollowUpVisit:
    """Record that a visit was made (or the person not reached): its task closes. A visit found
    a risk: the caseworker reviews the risk management plan (the page says so)."""
    _require_assistance_edit(actor, visit.case)
    errors: dict[str, str] = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("The date is in the future.")
    if outcome not in VisitOutcome.values:
        errors["outcome"] = _("Pick an outcome from the list.")
    notes = (notes or "").strip()
    if len(notes) > MAX_TEXT:
        errors["notes"] = _("At most %(max)d characters.") % {"max": MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    visit.visited_on, visit.outcome, visit.notes = visited_on, outcome, notes
    save_if_unchanged(
        visit,
        expected_version=expected_version,
        fields=["visited_on", "outcome", "notes"],
        actor=actor.user,
    )
    record_event(
        event_type=EventType.FOLLOW_UP_VISIT_RECORDED,
        actor=actor,
        target=visit,
        detail={"case_id": visit.case_id, "outcome": outcome, "fields": ["visited_on", "notes"]},
    )
    sync_generated_tasks(visit.case, actor=actor)
    return visit
