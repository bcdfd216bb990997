"""The assistance and witness status of a case (OTH-01/02, ACT-59): derived from what happens
on the case -- a service offered, accepted, delivered or refused; a statement given, a
testimony, an interview or hearing held -- unless someone set it by hand, with a reason. Every
change, derived or by hand, is a ``CaseStatusChange`` row: the status's history."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import require_open
from opentrm.cases.models import (
    AssistancePlan,
    AssistanceStatus,
    Case,
    CaseService,
    CaseStatusChange,
    Hearing,
    HearingKind,
    PlanStatus,
    Proceeding,
    ServiceStatus,
    WitnessStatus,
)

ASSISTANCE = "assistance_status"
WITNESS = "witness_status"

# Who may set a status by hand: the field group the status belongs to, edited.
_EDIT_ACTION = {ASSISTANCE: Action.ASSISTANCE_EDIT, WITNESS: Action.PROCEEDINGS_EDIT}
_CHOICES = {ASSISTANCE: AssistanceStatus, WITNESS: WitnessStatus}
# Interviews and hearings where the person gives evidence.
_EVIDENCE_HEARINGS = (
    HearingKind.POLICE_INTERVIEW,
    HearingKind.PROSECUTOR_INTERVIEW,
    HearingKind.COURT_HEARING,
)


@dataclass(frozen=True)
class Derived:
    value: str
    because: str  # a code: what the value follows from


def derive_assistance(case: Case) -> Derived:
    """Accepted once a service is accepted or delivered or an assistance plan is in force;
    offered while an offer waits; declined when every offer was refused."""
    statuses = set(
        CaseService.objects.filter(case=case, deleted_at__isnull=True).values_list(
            "status", flat=True
        )
    )
    if statuses & {ServiceStatus.ACCEPTED, ServiceStatus.DELIVERED}:
        return Derived(AssistanceStatus.ACCEPTED, "service_accepted")
    if AssistancePlan.objects.filter(case=case, status=PlanStatus.ACTIVE).exists():
        return Derived(AssistanceStatus.ACCEPTED, "plan_active")
    if ServiceStatus.OFFERED in statuses:
        return Derived(AssistanceStatus.OFFERED, "service_offered")
    if statuses:
        return Derived(AssistanceStatus.DECLINED, "services_refused")
    return Derived(AssistanceStatus.NOT_OFFERED, "nothing_offered")


def derive_witness(case: Case, *, now: datetime | None = None) -> Derived:
    """A victim-witness once a statement was taken, the person testified, or an interview or
    hearing of the person took place (its time passed and it was not cancelled); considering
    cooperation while proceedings are initiated without any of these."""
    proceedings = Proceeding.objects.filter(case=case)
    if proceedings.filter(Q(statement_taken=True) | Q(testified=True)).exists():
        return Derived(WitnessStatus.WITNESS, "statement_given")
    held = Hearing.objects.filter(
        case=case,
        cancelled_at__isnull=True,
        kind__in=_EVIDENCE_HEARINGS,
        scheduled_at__lte=now or timezone.now(),
    )
    if held.exists():
        return Derived(WitnessStatus.WITNESS, "hearing_attended")
    if proceedings.filter(initiated=True).exists():
        return Derived(WitnessStatus.CONSIDERING, "proceedings_initiated")
    return Derived(WitnessStatus.NONE, "no_proceedings")


_DERIVE: dict[str, Callable[[Case], Derived]] = {
    ASSISTANCE: derive_assistance,
    WITNESS: derive_witness,
}


_STORED = [
    ASSISTANCE,
    WITNESS,
    f"{ASSISTANCE}_overridden",
    f"{WITNESS}_overridden",
]


def _change(
    case: Case, attribute: str, new: str, actor: Actor | None, **row: str
) -> CaseStatusChange:
    old = getattr(case, attribute)
    setattr(case, attribute, new)
    return CaseStatusChange.objects.create(
        case=case,
        attribute=attribute,
        old_value=old,
        new_value=new,
        changed_at=timezone.now(),
        changed_by=actor.user if actor is not None else None,
        **row,
    )


def statuses_refresh(*, case: Case, actor: Actor | None) -> list[str]:
    """Derive the assistance and witness status again after something happened on the case;
    the attributes that changed. A status set by hand stays until its override is ended.
    Called inside the caller's transaction."""
    changed = []
    # The caller's object may be older than the row (an override since): read the row, locked.
    current = Case.objects.select_for_update().values(*_STORED).get(pk=case.pk)
    for name, value in current.items():
        setattr(case, name, value)
    for attribute, derive in _DERIVE.items():
        if getattr(case, f"{attribute}_overridden"):
            continue
        derived = derive(case)
        if derived.value == getattr(case, attribute):
            continue
        _change(case, attribute, derived.value, actor, source="derived", because=derived.because)
        changed.append(attribute)
        record_event(
            event_type=EventType.CASE_STATUS_DERIVED,
            actor=actor,
            target=case,
            changed_fields=[attribute],
            detail={"value": derived.value, "because": derived.because},
        )
    if changed:
        Case.objects.filter(pk=case.pk).update(**{name: getattr(case, name) for name in changed})
    return changed


def statuses_refresh_after_hearings(*, now: datetime | None = None) -> int:
    """Derive again the witness status of the cases with an interview or hearing whose time
    has passed since the last run (daily, ``opentrm refresh_statuses``): a hearing counts as
    attended once it took place and was not cancelled. The number of cases changed."""
    now = now or timezone.now()
    case_ids = (
        Hearing.objects.filter(
            cancelled_at__isnull=True,
            kind__in=_EVIDENCE_HEARINGS,
            scheduled_at__lte=now,
            case__witness_status_overridden=False,
            case__deleted_at__isnull=True,
        )
        .exclude(case__witness_status=WitnessStatus.WITNESS)
        .values_list("case_id", flat=True)
        .distinct()
    )
    changed = 0
    for case in Case.objects.filter(pk__in=list(case_ids)):
        with transaction.atomic():
            changed += bool(statuses_refresh(case=case, actor=None))
    return changed


def _require_override(actor: Actor, case: Case, attribute: str) -> None:
    if attribute not in _EDIT_ACTION:
        raise ValueError(f"not a derived status: {attribute}")
    require_open(case)
    if not can(actor, _EDIT_ACTION[attribute], case):
        raise PermissionDenied


@transaction.atomic
def status_override(*, actor: Actor, case: Case, attribute: str, value: str, reason: str) -> Case:
    """Set the assistance or witness status by hand, with the reason: it is no longer derived
    until the override is ended (``status_override_end``)."""
    _require_override(actor, case, attribute)
    errors = {}
    if value not in _CHOICES[attribute].values:
        errors["value"] = _("Choose one of the statuses offered.")
    if not reason.strip():
        errors["reason"] = _("Say why the status is set by hand.")
    if errors:
        raise ValidationError(errors)
    case = Case.objects.select_for_update().get(pk=case.pk)
    _change(case, attribute, value, actor, source="manual", reason=reason.strip())
    setattr(case, f"{attribute}_overridden", True)
    case.save(update_fields=[attribute, f"{attribute}_overridden"])
    record_event(
        event_type=EventType.CASE_STATUS_OVERRIDDEN,
        actor=actor,
        target=case,
        changed_fields=[attribute],
        detail={"value": value},
    )
    return case


@transaction.atomic
def status_override_end(*, actor: Actor, case: Case, attribute: str) -> Case:
    """Let the status follow what happens again: it is derived at once."""
    _require_override(actor, case, attribute)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not getattr(case, f"{attribute}_overridden"):
        return case
    Case.objects.filter(pk=case.pk).update(**{f"{attribute}_overridden": False})
    setattr(case, f"{attribute}_overridden", False)
    record_event(
        event_type=EventType.CASE_STATUS_OVERRIDE_ENDED,
        actor=actor,
        target=case,
        changed_fields=[attribute],
    )
    statuses_refresh(case=case, actor=actor)
    return case


def status_history(case: Case, attribute: str) -> list[CaseStatusChange]:
    return list(
        CaseStatusChange.objects.filter(case=case, attribute=attribute)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )


def status_histories(case: Case, attributes: list[str]) -> dict[str, list[CaseStatusChange]]:
    """The changes of each of ``attributes``, newest first, in one query (the case page shows
    two histories, issue 18)."""
    histories: dict[str, list[CaseStatusChange]] = {attribute: [] for attribute in attributes}
    if not attributes:
        return histories
    for change in (
        CaseStatusChange.objects.filter(case=case, attribute__in=attributes)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    ):
        histories[change.attribute].append(change)
    return histories
