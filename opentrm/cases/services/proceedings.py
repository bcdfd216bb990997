"""Civil and criminal proceedings (issue 3 §9, template §7, SOP V), the no-contact list and the
interviews and hearings of the person.

Two guards live here:

- SOP-P13, no direct contact between the person and a suspect: scheduling an interview or
  hearing where someone on the case's no-contact list is involved (picked, or named among the
  other people attending) is refused until the arrangements that keep them apart are written
  down. The refusal names the people, on the form only: the audit trail holds ids.
- SOP-P5, a video-recorded interview needs the person's consent (the consent register).
- SOP-P11 / CH-25, the police wait for a guardian or parent before talking to a child: an
  interview of a child is refused (``GuardBlockedError``, audited ``GUARD_BLOCKED``) until the
  guardian or parent who will be present is named, wherever the catalogue lists the guard on
  the interview's measures (``opentrm.catalogue.guards``). The seeds allow no override.

The rules themselves are in ``proceedings_checks.py`` (every mistake of a form at once).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, FieldGroup, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import visible_groups
from opentrm.cases.models import Case, Hearing, NoContactPerson, Proceeding
from opentrm.cases.services.measures import audit_refusals
from opentrm.cases.services.proceedings_checks import (
    CHILD_INTERVIEW_KINDS,
    HEARING_FIELDS,
    PROCEEDING_DEFAULTS,
    PROCEEDING_FIELDS,
    NoContactConflictError,
    active_no_contact,
    check_child_interview,
    child_interview_needs_guardian,
    duplicate_message,
    hearing_errors,
    hearing_values,
    named_in,
    no_contact_conflicts,
    normalise_name,
    proceeding_errors,
    proceeding_values,
)
from opentrm.cases.services.statuses import statuses_refresh
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.errors import ConflictError
from opentrm.core.input import required_reason

__all__ = [  # the rules, from ``proceedings_checks``, where the callers have always found them
    "CHILD_INTERVIEW_KINDS",
    "HEARING_FIELDS",
    "PROCEEDING_FIELDS",
    "NoContactConflictError",
    "active_no_contact",
    "child_interview_needs_guardian",
    "named_in",
    "normalise_name",
]


def _require_edit(actor: Actor, case: Case) -> None:
    require(actor, Action.CASE_VIEW)
    if not can(actor, Action.PROCEEDINGS_EDIT, case):
        raise PermissionDenied


def _key(value: Any) -> Any:
    if isinstance(value, models.Model):
        return ("pk", value.pk)
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(_key(item) for item in value)
    return value


# --- Proceedings ---------------------------------------------------------------------------------


def _validate_proceeding(case: Case, values: dict[str, Any], exclude_pk: int | None) -> None:
    errors = proceeding_errors(case, values, exclude_pk)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def proceeding_record(
    *, actor: Actor, case: Case, country_code: str, kind: str, **fields: Any
) -> Proceeding:
    """Record a set of proceedings in one country (one per case, country and kind), with the
    template §7 answers known so far (``fields``: the rest of ``PROCEEDING_FIELDS``)."""
    _require_edit(actor, case)
    assert actor.membership is not None
    values = proceeding_values(
        dict(PROCEEDING_DEFAULTS), {"country_code": country_code, "kind": kind, **fields}
    )
    _validate_proceeding(case, values, exclude_pk=None)
    proceeding = Proceeding(
        case=case, organisation=actor.membership.organisation, updated_by=actor.user, **values
    )
    proceeding.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            proceeding.save()
    except IntegrityError:  # recorded by someone else at the same moment
        raise ValidationError({"kind": duplicate_message(values["country_code"], kind)}) from None
    record_event(
        event_type=EventType.PROCEEDING_RECORDED,
        actor=actor,
        target=proceeding,
        detail={
            "case_id": case.pk,
            "country_code": proceeding.country_code,
            "kind": proceeding.kind,
        },
    )
    statuses_refresh(case=case, actor=actor)
    return proceeding


@transaction.atomic
def proceeding_update(
    *, actor: Actor, proceeding: Proceeding, expected_version: int, changes: Mapping[str, Any]
) -> Proceeding:
    """Change the answers of a set of proceedings; only the fields in ``changes`` change."""
    _require_edit(actor, proceeding.case)
    current = Proceeding.objects.select_for_update().filter(pk=proceeding.pk).first()
    if current is None:
        raise ConflictError(_("These proceedings no longer exist. Reload the page."))
    proceeding = current
    before = {name: getattr(proceeding, name) for name in PROCEEDING_FIELDS}
    values = proceeding_values(dict(before), changes)
    _validate_proceeding(proceeding.case, values, exclude_pk=proceeding.pk)
    changed = [name for name in PROCEEDING_FIELDS if values[name] != before[name]]
    if not changed and expected_version == proceeding.version:
        return proceeding
    for name in changed:
        setattr(proceeding, name, values[name])
    try:
        with transaction.atomic():
            save_if_unchanged(
                proceeding, expected_version=expected_version, fields=changed, actor=actor.user
            )
    except IntegrityError:
        raise ValidationError(
            {"kind": duplicate_message(values["country_code"], values["kind"])}
        ) from None
    # Something changed here: the row was read locked, so a save of nothing from another
    # version than the one read was refused just now.
    record_event(
        event_type=EventType.PROCEEDING_CHANGED,
        actor=actor,
        target=proceeding,
        changed_fields=changed,
        detail={
            "case_id": proceeding.case_id,
            "country_code": proceeding.country_code,
            "kind": proceeding.kind,
        },
    )
    statuses_refresh(case=proceeding.case, actor=actor)
    return proceeding


# --- The no-contact list -------------------------------------------------------------------------


@transaction.atomic
def no_contact_add(
    *, actor: Actor, case: Case, name: str, description: str = ""
) -> NoContactPerson:
    """Put someone on the case's no-contact list. The audit trail keeps ids, never the name."""
    _require_edit(actor, case)
    name = " ".join(name.split())
    description = " ".join(description.split())
    if not name:
        raise ValidationError({"name": _("Enter the name of the person to keep away.")})
    entry = NoContactPerson(case=case, name=name, description=description, added_by=actor.user)
    entry.full_clean()
    entry.save()
    record_event(
        event_type=EventType.NO_CONTACT_ADDED,
        actor=actor,
        target=entry,
        detail={"case_id": case.pk, "no_contact_id": entry.pk},
    )
    return entry


@transaction.atomic
def no_contact_remove(*, actor: Actor, entry: NoContactPerson, reason: str) -> NoContactPerson:
    """Take someone off the list, softly and with a reason; the entry and its history stay."""
    _require_edit(actor, entry.case)
    reason = required_reason(reason, _("Say why the person is taken off the list."))
    current = NoContactPerson.objects.select_for_update().filter(pk=entry.pk).first()
    if current is None or current.is_deleted:
        raise ConflictError(_("This person was already taken off the list. Reload the page."))
    current.deleted_at = timezone.now()
    current.deleted_by = actor.user
    current.deletion_reason = reason
    current.save(update_fields=["deleted_at", "deleted_by", "deletion_reason", "updated_at"])
    record_event(
        event_type=EventType.NO_CONTACT_REMOVED,
        actor=actor,
        target=current,
        detail={"case_id": current.case_id, "no_contact_id": current.pk},
    )
    return current


# --- Interviews and hearings ---------------------------------------------------------------------


def _validate_hearing(
    case: Case, values: dict[str, Any], *, check_time: bool, active: list[NoContactPerson]
) -> list[NoContactPerson]:
    """Raise ValidationError with every mistake (NoContactConflictError for SOP-P13 alone,
    GuardBlockedError for SOP-P11) or return who on the list takes part."""
    errors = hearing_errors(case, values, check_time=check_time, active=active)
    if set(errors) - {"separation_arrangements"}:
        raise ValidationError(errors)
    check_child_interview(case, values)
    conflicts = no_contact_conflicts(active, values["involved_no_contact"], values["participants"])
    if errors:
        raise NoContactConflictError(conflicts)
    return conflicts


def _hearing_detail(hearing: Hearing, involved: Sequence[NoContactPerson]) -> dict[str, Any]:
    return {
        "case_id": hearing.case_id,
        "kind": hearing.kind,
        "no_contact_ids": sorted(entry.pk for entry in involved),
        "video_recorded": hearing.video_recorded,
    }


@audit_refusals
@transaction.atomic
def hearing_schedule(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    scheduled_at: datetime | None,
    place: str,
    participants: str = "",
    involved_no_contact: Iterable[NoContactPerson] = (),
    separation_arrangements: str = "",
    video_recorded: bool = False,
    proceeding: Proceeding | None = None,
    guardian_present: str = "",
    participants_group: str = FieldGroup.PROCEEDINGS.value,
) -> Hearing:
    """Schedule an interview or hearing of the person.

    Refused (NoContactConflictError) while someone on the no-contact list takes part and no
    separation arrangements are written; refused when it is to be video-recorded without the
    person's consent (SOP-P5); refused (GuardBlockedError, audited) when it is an interview of a
    child by law enforcement and no guardian or parent is named present (SOP-P11). People on
    the list named among those attending are recorded as
    involved too.
    """
    _require_edit(actor, case)
    assert actor.membership is not None
    values = hearing_values(
        dict.fromkeys(HEARING_FIELDS),
        {
            "kind": kind,
            "scheduled_at": scheduled_at,
            "place": place,
            "participants": participants,
            "participants_group": participants_group,
            "involved_no_contact": involved_no_contact,
            "separation_arrangements": separation_arrangements,
            "video_recorded": video_recorded,
            "proceeding": proceeding,
            "guardian_present": guardian_present,
        },
    )
    _require_participants_group(actor, case, values["participants_group"])
    # Locked: nobody adds to the list between the check and the save.
    active = list(active_no_contact(case).select_for_update())
    involved = _validate_hearing(case, values, check_time=True, active=active)
    hearing = Hearing(
        case=case,
        organisation=actor.membership.organisation,
        updated_by=actor.user,
        **{name: values[name] for name in HEARING_FIELDS if name != "involved_no_contact"},
    )
    hearing.full_clean()
    hearing.save()
    hearing.involved_no_contact.set(involved)
    record_event(
        event_type=EventType.HEARING_SCHEDULED,
        actor=actor,
        target=hearing,
        detail=_hearing_detail(hearing, involved),
    )
    statuses_refresh(case=case, actor=actor)
    return hearing


def _require_participants_group(actor: Actor, case: Case, group: str) -> None:
    """The people attending are filed under a group the writer may view of the case."""
    if group not in {g.value for g in visible_groups(actor, case)}:
        raise ValidationError(
            {"participants_group": _("Pick from the list who may read the people attending.")}
        )


def _locked_hearing(hearing: Hearing) -> Hearing:
    current = Hearing.objects.select_for_update().filter(pk=hearing.pk).first()
    if current is None:
        raise ConflictError(_("This interview or hearing no longer exists. Reload the page."))
    if current.cancelled_at is not None:
        raise ConflictError(_("This interview or hearing was cancelled. Reload the page."))
    return current


@audit_refusals
@transaction.atomic
def hearing_update(
    *, actor: Actor, hearing: Hearing, expected_version: int, changes: Mapping[str, Any]
) -> Hearing:
    """Change a scheduled interview or hearing, under the same rules as scheduling it."""
    _require_edit(actor, hearing.case)
    hearing = _locked_hearing(hearing)
    before: dict[str, Any] = {
        name: getattr(hearing, name) for name in HEARING_FIELDS if name != "involved_no_contact"
    }
    before["involved_no_contact"] = list(hearing.involved_no_contact.all())
    values = hearing_values(dict(before), changes)
    # Entries taken off the list since scheduling stay recorded as they were, unchecked.
    kept = [entry for entry in before["involved_no_contact"] if entry.is_deleted]
    kept_ids = {entry.pk for entry in kept}
    values["involved_no_contact"] = [
        entry for entry in values["involved_no_contact"] if entry.pk not in kept_ids
    ]
    active = list(active_no_contact(hearing.case).select_for_update())
    moved = values["scheduled_at"] != before["scheduled_at"]
    involved = _validate_hearing(hearing.case, values, check_time=moved, active=active)
    values["involved_no_contact"] = involved + kept
    changed = [name for name in HEARING_FIELDS if _key(values[name]) != _key(before[name])]
    if "participants_group" in changed:
        _require_participants_group(actor, hearing.case, values["participants_group"])
    if not changed and expected_version == hearing.version:
        return hearing
    plain = [name for name in changed if name != "involved_no_contact"]
    for name in plain:
        setattr(hearing, name, values[name])
    save_if_unchanged(hearing, expected_version=expected_version, fields=plain, actor=actor.user)
    if "involved_no_contact" in changed:
        hearing.involved_no_contact.set(values["involved_no_contact"])
    # Something changed here (see ``proceeding_update``).
    record_event(
        event_type=EventType.HEARING_CHANGED,
        actor=actor,
        target=hearing,
        changed_fields=changed,
        detail=_hearing_detail(hearing, involved),
    )
    statuses_refresh(case=hearing.case, actor=actor)
    return hearing


@transaction.atomic
def hearing_cancel(*, actor: Actor, hearing: Hearing, expected_version: int) -> Hearing:
    """Cancel an interview or hearing; it stays on record as cancelled."""
    _require_edit(actor, hearing.case)
    hearing = _locked_hearing(hearing)
    hearing.cancelled_at = timezone.now()
    save_if_unchanged(
        hearing, expected_version=expected_version, fields=["cancelled_at"], actor=actor.user
    )
    record_event(
        event_type=EventType.HEARING_CANCELLED,
        actor=actor,
        target=hearing,
        detail={"case_id": hearing.case_id},
    )
    statuses_refresh(case=hearing.case, actor=actor)
    return hearing
