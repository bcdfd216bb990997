"""Restriction of processing (GDPR art. 18; issue 17 §5).

The controller (a case manager or the data-protection officer of the organisation that owns
the case: ``Action.SUBJECT_ACCESS`` on it) marks the person's data restricted, with the ground of
art. 18(1) and a reason, and lifts it after the person was informed (art. 18(3)). While it is in
force the data is stored, not processed (art. 18(2)), and the rest of the node honours the
person's ``processing_restricted_at`` (docs/security-data.md, "Restriction"):

- every write of the person's cases is refused (``cases.access.require_open``; field groups are
  read-only), and nobody closes, reopens or deletes them;
- no new sharing: no participant added, no referral made or sent (also by node exchange), no
  change of what a referral shares, no referral exported as files;
- no identity-resolution proposal about or towards the person; not in research datasets;
- reads stay for the controller (the owner organisation's members, as their roles allow) and,
  for other organisations on the case, only identity and proceedings, which the establishment,
  exercise or defence of legal claims needs; the subject-access report stays (art. 15).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case, Person
from opentrm.dataprotection.models import ProcessingRestriction, RestrictionGround


def _require_controller(actor: Actor, case: Case) -> None:
    if not can(actor, Action.SUBJECT_ACCESS, case):
        raise PermissionDenied


def _locked_person(case: Case) -> Person:
    return Person.objects.select_for_update().get(pk=case.person_id)


def _mark(case: Case, person_id: int, since: datetime | None) -> None:
    """The person and every case of the person (soft-deleted ones too)."""
    Person.objects.filter(pk=person_id).update(
        processing_restricted_at=since, version=F("version") + 1
    )
    Case._base_manager.filter(person_id=person_id).update(
        processing_restricted=since is not None, version=F("version") + 1
    )
    case.person.processing_restricted_at = since
    case.processing_restricted = since is not None
    case.version += 1


@dataclass(frozen=True)
class RestrictionView:
    """What the controller's page shows: the restriction in force (if any) and the history."""

    current: ProcessingRestriction | None
    history: list[ProcessingRestriction]


def restriction_view(*, actor: Actor, case: Case) -> RestrictionView:
    """The person's restrictions, newest first; the reading is audited (ids only)."""
    _require_controller(actor, case)
    history = list(
        ProcessingRestriction.objects.filter(person_id=case.person_id).select_related(
            "organisation", "case"
        )
    )
    record_event(
        event_type=EventType.PROCESSING_RESTRICTION_VIEWED,
        actor=actor,
        target=case,
        detail={"case_id": case.pk, "restrictions": [row.pk for row in history]},
    )
    current = next((row for row in history if row.lifted_at is None), None)
    return RestrictionView(current=current, history=history)


@transaction.atomic
def restriction_set(*, actor: Actor, case: Case, ground: str, reason: str) -> ProcessingRestriction:
    """Restrict the processing of the case's person's data; refused if already restricted."""
    _require_controller(actor, case)
    if ground not in RestrictionGround.values:
        raise ValidationError({"ground": _("Choose the ground of art. 18(1).")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the processing is restricted.")})
    person = _locked_person(case)
    if person.processing_restricted_at is not None:
        raise ValidationError(
            {"__all__": _("The processing of this person's data is already restricted.")}
        )
    assert actor.membership is not None
    now = timezone.now()
    restriction = ProcessingRestriction.objects.create(
        person=person,
        case=case,
        organisation_id=actor.membership.organisation_id,
        ground=ground,
        reason=reason.strip(),
        restricted_at=now,
        restricted_by=actor.user,
    )
    _mark(case, person.pk, now)
    record_event(
        event_type=EventType.PROCESSING_RESTRICTED,
        actor=actor,
        target=case,
        detail={"case_id": case.pk, "restriction_id": restriction.pk, "ground": ground},
    )
    return restriction


@transaction.atomic
def restriction_lift(
    *, actor: Actor, case: Case, reason: str, person_informed_on: date | None
) -> ProcessingRestriction:
    """Lift the restriction in force, once the person was informed (art. 18(3))."""
    _require_controller(actor, case)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("Say why the restriction is lifted.")
    if person_informed_on is None:
        errors["person_informed_on"] = _(
            "The person must be informed before the restriction is lifted (art. 18(3))."
        )
    elif person_informed_on > timezone.localdate():
        errors["person_informed_on"] = _("This date is in the future.")
    if errors or person_informed_on is None:
        raise ValidationError(errors)
    _locked_person(case)
    restriction = (
        ProcessingRestriction.objects.select_for_update()
        .filter(person_id=case.person_id, lifted_at=None)
        .first()
    )
    if restriction is None:
        raise ValidationError({"__all__": _("No restriction of processing is in force.")})
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = actor.user
    restriction.lift_reason = reason.strip()
    restriction.person_informed_on = person_informed_on
    restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "person_informed_on"])
    _mark(case, case.person_id, None)
    record_event(
        event_type=EventType.PROCESSING_RESTRICTION_LIFTED,
        actor=actor,
        target=case,
        detail={
            "case_id": case.pk,
            "restriction_id": restriction.pk,
            "person_informed_on": person_informed_on.isoformat(),
        },
    )
    return restriction


def restricted_referrals(referral_ids: set[int]) -> dict[int, str]:
    """Among ``referral_ids``, the referrals of a person whose processing is restricted: their
    packages are held at the moment of sending (``exchange.holds``), queued or retried."""
    from opentrm.referrals.models import Referral

    held = Referral.objects.filter(
        pk__in=referral_ids, case__person__processing_restricted_at__isnull=False
    ).values_list("pk", flat=True)
    return dict.fromkeys(held, "processing_restricted")
