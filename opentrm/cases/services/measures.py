"""Measures on a case (issue 3 §3): the board by SOP, planning and updating a measure in any
order, and the guards of ``cases/states.py`` on completing a return or tracing a family.

An attempt a guard blocks is refused with every reason, and the refusal itself is audited (in
a transaction of its own, so that it is kept although the attempt changes nothing).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import states
from opentrm.cases.access import measure_notes_visible, require_open, sop_visible
from opentrm.cases.models import (
    Case,
    CaseMeasure,
    MeasureStatus,
    ReturnStatus,
)
from opentrm.cases.services.case_settings import (
    EffectiveMeasure,
    case_country,
    effective_measure,
    effective_measures,
    unknown_measure,
)
from opentrm.cases.services.registration import _record_status
from opentrm.cases.services.tasks import sync_generated_tasks
from opentrm.catalogue import guards
from opentrm.catalogue.loader import CURRENT_VERSION, load_catalogue
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.errors import DomainError
from opentrm.directory.models import Organisation, Responsibility

# A status a measure has once someone acts on it (family tracing is guarded from then on).
_ACTING = frozenset({MeasureStatus.IN_PROGRESS, MeasureStatus.DONE})

P = ParamSpec("P")
R = TypeVar("R")


class GuardBlockedError(DomainError):
    """A rule of ``states.py`` refuses the action; ``reasons`` lists every one of them."""

    code = "blocked"

    def __init__(
        self, guard: str, reasons: Sequence[str], detail: dict[str, object] | None = None
    ) -> None:
        super().__init__(" ".join(reasons))
        self.guard = guard
        self.reasons = list(reasons)
        self.detail = dict(detail or {})  # ids and codes for the audit row, never text


# --- Reads: the board of a case --------------------------------------------------------------


def participating_country_ids(case: Case) -> list[int]:
    """The countries of the organisations on the case, the owner's first."""
    ids = [case.owner_organisation.country_id]
    for country_id in (
        case.participants.filter(is_active=True)
        .values_list("organisation__country_id", flat=True)
        .order_by("organisation__country__code")
    ):
        if country_id not in ids:
            ids.append(country_id)
    return ids


def responsible_bodies(case: Case, sop_codes: Iterable[str]) -> dict[str, list[Organisation]]:
    """Per SOP, the bodies the directory names responsible for it in the case's countries
    (the owner's country first), for suggesting who takes a measure on."""
    country_ids = participating_country_ids(case)
    rank = {country_id: index for index, country_id in enumerate(country_ids)}
    rows = (
        Responsibility.objects.filter(
            country_id__in=country_ids, function__in=list(sop_codes), organisation__is_active=True
        )
        .select_related("organisation", "organisation__country")
        .order_by("order", "id")
    )
    result: dict[str, list[Organisation]] = {code: [] for code in sop_codes}
    for row in sorted(rows, key=lambda r: rank[r.country_id]):
        bodies = result.setdefault(row.function, [])
        if row.organisation not in bodies:
            bodies.append(row.organisation)
    return result


def responsible_people(case: Case) -> QuerySet[User]:
    """People who may be named responsible: active members of the organisations on the case."""
    organisations = case.participants.filter(is_active=True).values("organisation_id")
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__organisation_id__in=organisations,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@dataclass(frozen=True)
class BoardRow:
    measure: EffectiveMeasure
    on_case: CaseMeasure | None
    is_overdue: bool
    shows_notes: bool = False  # measure_notes_visible


@dataclass(frozen=True)
class BoardSop:
    code: str
    name: str
    rows: list[BoardRow]
    responsible: list[Organisation]

    @property
    def on_case(self) -> list[BoardRow]:
        """The measures the case has: the only ones the case file lists (issue 12 §4)."""
        return [row for row in self.rows if row.on_case is not None]

    @property
    def addable(self) -> list[BoardRow]:
        """The country's measures in use that are not on the case, behind "Add a measure"."""
        return [row for row in self.rows if row.on_case is None and row.measure.is_enabled]


def measure_board(*, actor: Actor, case: Case, today: date | None = None) -> list[BoardSop]:
    """The five SOPs with the country's measures and what the case has of them.

    A measure switched off in the country still shows on a case that has it.
    """
    day = today or timezone.localdate()
    country = case_country(case)
    on_case = {
        m.code: m
        for m in case.measures.select_related(
            "responsible_organisation", "responsible_person"
        ).order_by("code")
    }
    listed = effective_measures(country, include_disabled=True)
    listed_codes = {m.code for m in listed}
    extra = [unknown_measure(code) for code in on_case if code not in listed_codes]
    sops = [sop for sop in load_catalogue().sops if sop_visible(actor, case, sop.code)]
    bodies = responsible_bodies(case, [sop.code for sop in sops])
    board: list[BoardSop] = []
    for sop in sops:
        rows = []
        shows_notes = measure_notes_visible(actor, case, sop.code)
        for item in [*listed, *extra]:
            if item.sop_code != sop.code:
                continue
            found = on_case.get(item.code)
            if found is None and not item.is_enabled:
                continue
            rows.append(
                BoardRow(
                    measure=item,
                    on_case=found,
                    is_overdue=_overdue(found, day),
                    shows_notes=shows_notes,
                )
            )
        board.append(
            BoardSop(code=sop.code, name=sop.name, rows=rows, responsible=bodies[sop.code])
        )
    return board


def _overdue(measure: CaseMeasure | None, day: date) -> bool:
    return (
        measure is not None
        and measure.due_on is not None
        and measure.due_on < day
        and measure.status in (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)
    )


def measure_plan_warnings(case: Case, code: str) -> list[str]:
    """What the user should check before planning measure ``code`` (``states.measure_warnings``):
    shown on the planning page and again once it is planned; never a refusal."""
    found = next((m for m in load_catalogue().measures if m.code == code), None)
    if found is None:  # a country's own measure: no catalogue guard
        return []
    return states.measure_warnings(case, found.guards, timezone.localdate())


# --- Writes: guards --------------------------------------------------------------------------


def audit_refusals(
    write: Callable[P, R],
) -> Callable[P, R]:
    """Run ``write``; if a guard blocks it, keep an audit row of the attempt and re-raise.

    ``write`` runs in its own transaction, which the refusal rolls back; the audit row is then
    written in a new one. Callers must not wrap this in an outer transaction they roll back.
    """

    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return write(*args, **kwargs)
        except GuardBlockedError as blocked:
            actor = kwargs.get("actor")
            case = kwargs.get("case")
            measure = kwargs.get("measure")
            if case is None:
                # The record the write is about (a measure, a hearing) knows its case.
                case = getattr(measure or kwargs.get("hearing"), "case", None)
            assert isinstance(actor, Actor)
            assert isinstance(case, Case)
            detail: dict[str, object] = {"guard": blocked.guard, "case_id": case.pk}
            if isinstance(measure, CaseMeasure):
                detail["measure"] = measure.code
            detail["reasons"] = len(blocked.reasons)
            detail.update(blocked.detail)
            with transaction.atomic():
                record_event(
                    event_type=EventType.GUARD_BLOCKED, actor=actor, target=case, detail=detail
                )
            raise

    wrapped.__name__ = write.__name__
    wrapped.__doc__ = write.__doc__
    return wrapped


def _require_sop(actor: Actor, case: Case, sop_code: str) -> None:
    require_open(case)
    if not sop_visible(actor, case, sop_code):
        raise PermissionDenied


def _merged(*lists: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for reasons in lists:
        seen.extend(reason for reason in reasons if reason not in seen)
    return seen


def _check_responsible(
    organisation: Organisation | None, person: User | None, errors: dict[str, str]
) -> None:
    if organisation is not None and not organisation.is_active:
        errors["responsible_organisation"] = _("This organisation is no longer active.")
    if person is None:
        return
    if organisation is None:
        errors["responsible_person"] = _("Choose the person's organisation too.")
    elif not person.memberships.filter(organisation=organisation, is_active=True).exists():
        errors["responsible_person"] = _("This person is not a member of %(organisation)s.") % {
            "organisation": organisation.name
        }


def measure_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of a measure's input at once, by field (issue 12 §5): the dates against its
    status and today, and who is responsible (``measure_update``; ``measure_plan`` has no status
    or dates), for the service and a form's precheck. A field not in ``values`` (one with its
    own error) counts as not given; without a known status the dates are not checked."""
    errors: dict[str, str] = {}
    status = values.get("status")
    if status in MeasureStatus.values:
        today = timezone.localdate()
        started_on, completed_on = _dates(
            status, values.get("started_on"), values.get("completed_on"), today
        )
        if started_on is not None and started_on > today:
            errors["started_on"] = _("The start date is in the future.")
        if completed_on is not None and status != MeasureStatus.DONE:
            errors["completed_on"] = _("Only a measure that is done has a completion date.")
        elif completed_on is not None and completed_on > today:
            errors["completed_on"] = _("The completion date is in the future.")
        elif completed_on is not None and started_on is not None and completed_on < started_on:
            errors["completed_on"] = _("The measure cannot be completed before it started.")
    _check_responsible(
        values.get("responsible_organisation"), values.get("responsible_person"), errors
    )
    return {name: [message] for name, message in errors.items()}


def _dates(
    status: str, started_on: date | None, completed_on: date | None, today: date
) -> tuple[date | None, date | None]:
    """The start and completion dates, today's where the status implies one not given."""
    if status == MeasureStatus.IN_PROGRESS and started_on is None:
        started_on = today
    if status == MeasureStatus.DONE and completed_on is None:
        completed_on = today
    return started_on, completed_on


def set_case_status(case: Case, attribute: str, new: str, actor: Actor) -> bool:
    """Change one status attribute of the case and record when; True if it changed."""
    old = getattr(case, attribute)
    if old == new:
        return False
    Case.objects.filter(pk=case.pk).update(
        **{attribute: new},
        version=F("version") + 1,
        updated_by=actor.user,
        updated_at=timezone.now(),
    )
    setattr(case, attribute, new)
    case.refresh_from_db(fields=["version", "updated_at"])
    _record_status(case, attribute, old, new, actor)
    return True


# --- Writes: measures ------------------------------------------------------------------------


@transaction.atomic
def measure_plan(
    *,
    actor: Actor,
    case: Case,
    code: str,
    responsible_organisation: Organisation | None = None,
    responsible_person: User | None = None,
    due_on: date | None = None,
    notes: str = "",
) -> CaseMeasure:
    """Put a measure of the country's list on the case, planned. Measures come in any order.

    Without a due date the country's default deadline (from today) applies, if it has one;
    half of it, at least a day, on a child's case (SOP-T4).
    """
    require(actor, Action.MEASURE_EDIT)
    item = effective_measure(case_country(case), code)
    if item is None or not item.is_enabled:
        raise ValidationError({"code": _("This measure is not in use in this country.")})
    _require_sop(actor, case, item.sop_code)
    if notes.strip() and not measure_notes_visible(actor, case, item.sop_code):
        raise PermissionDenied
    if CaseMeasure.objects.filter(case=case, code=code).exists():
        raise ValidationError({"code": _("This measure is already on the case: change it there.")})
    errors: dict[str, str] = {}
    _check_responsible(responsible_organisation, responsible_person, errors)
    if errors:
        raise ValidationError(errors)
    if due_on is None and item.default_deadline_days:
        days = item.default_deadline_days
        if states.is_child_case(case, timezone.localdate()):
            days = states.child_default_deadline(days)  # SOP-T4, REC-102
        due_on = timezone.localdate() + timedelta(days=days)
    measure = CaseMeasure(
        case=case,
        code=code,
        catalogue_version=CURRENT_VERSION,
        status=MeasureStatus.PLANNED,
        responsible_organisation=responsible_organisation,
        responsible_person=responsible_person,
        due_on=due_on,
        notes=notes.strip(),
        updated_by=actor.user,
    )
    measure.full_clean()
    measure.save()
    record_event(
        event_type=EventType.MEASURE_PLANNED,
        actor=actor,
        target=measure,
        detail={"case_id": case.pk, "measure": code},
    )
    sync_generated_tasks(case, actor=actor)  # a task for its due date
    return measure


MEASURE_FIELDS = [
    "status",
    "responsible_organisation",
    "responsible_person",
    "due_on",
    "started_on",
    "completed_on",
    "notes",
]


@audit_refusals
@transaction.atomic
def measure_update(
    *,
    actor: Actor,
    measure: CaseMeasure,
    expected_version: int,
    status: str,
    responsible_organisation: Organisation | None = None,
    responsible_person: User | None = None,
    due_on: date | None = None,
    started_on: date | None = None,
    completed_on: date | None = None,
    notes: str | None = None,
) -> CaseMeasure:
    """Change a measure on a case; a save from a stale form is refused (optimistic locking).
    ``notes`` None keeps the notes as they are (an actor who may not see them changes the rest).

    Completing a return (``states.RETURN_COMPLETION_MEASURES``) is refused while any reason of
    ``states.return_completion_blocked`` holds, today or on the completion date; starting or
    completing family tracing while ``states.family_tracing_blocked`` gives a reason.
    """
    require(actor, Action.MEASURE_EDIT)
    case = measure.case
    sop_code = measure.code.partition(".")[0]
    _require_sop(actor, case, sop_code)
    if notes is not None and not measure_notes_visible(actor, case, sop_code):
        raise PermissionDenied
    today = timezone.localdate()
    if status not in MeasureStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    started_on, completed_on = _dates(status, started_on, completed_on, today)
    errors = measure_errors(
        {
            "status": status,
            "started_on": started_on,
            "completed_on": completed_on,
            "responsible_organisation": responsible_organisation,
            "responsible_person": responsible_person,
        }
    )
    if errors:
        raise ValidationError(errors)
    old_status = measure.status
    if status != old_status:
        _check_guards(case, measure.code, status, completed_on, today)
    values = {
        "status": status,
        "responsible_organisation": responsible_organisation,
        "responsible_person": responsible_person,
        "due_on": due_on,
        "started_on": started_on,
        "completed_on": completed_on,
        "notes": measure.notes if notes is None else notes.strip(),
    }
    changed = [name for name, value in values.items() if getattr(measure, name) != value]
    for name, value in values.items():
        setattr(measure, name, value)
    save_if_unchanged(
        measure, expected_version=expected_version, fields=MEASURE_FIELDS, actor=actor.user
    )
    if measure.code in states.RETURN_COMPLETION_MEASURES and status != old_status:
        if status == MeasureStatus.DONE:
            set_case_status(case, "return_status", ReturnStatus.COMPLETED, actor)
        elif old_status == MeasureStatus.DONE and case.return_status == ReturnStatus.COMPLETED:
            # A completion entered by mistake and taken back.
            set_case_status(case, "return_status", ReturnStatus.PLANNED, actor)
    record_event(
        event_type=EventType.MEASURE_CHANGED,
        actor=actor,
        target=measure,
        changed_fields=changed,
        detail={"case_id": case.pk, "measure": measure.code, "status": status},
    )
    sync_generated_tasks(case, actor=actor)  # move, make or close its deadline task
    return measure


def _check_guards(
    case: Case, code: str, status: str, completed_on: date | None, today: date
) -> None:
    if code in states.RETURN_COMPLETION_MEASURES and status == MeasureStatus.DONE:
        # Today, and the day the return is said to have happened if that is another day.
        days = {today, completed_on or today}
        reasons = _merged(*(states.return_completion_blocked(case, day) for day in sorted(days)))
        if reasons:
            raise GuardBlockedError("return_completion", reasons)
    if code == states.FAMILY_TRACING_MEASURE and status in _ACTING:
        reasons = states.family_tracing_blocked(case, today)
        if reasons:
            raise GuardBlockedError("family_tracing", reasons)
    # SOP-P7 wherever the catalogue lists it on the measure: the family is reached (the
    # measure completed) only after a thorough risk assessment.
    if (
        status == MeasureStatus.DONE
        and code in guards.GUARD_MEASURES["SOP-P7"]
        and guards.applies("SOP-P7", code)
        and not states.reunification_risk_assessed(case)
    ):
        raise GuardBlockedError("SOP-P7", [guards.refusal("SOP-P7")])
