"""Writes of the training register: record and change an event, record who attended.

Each is atomic and writes its audit event (ids and field names only) in the same transaction.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.catalogue.loader import load_catalogue
from opentrm.core.concurrency import change_if_unchanged
from opentrm.directory.models import ContactPoint
from opentrm.training.models import Attendance, TrainingEvent

EVENT_FIELDS = (
    "title",
    "scope",
    "starts_on",
    "ends_on",
    "place",
    "sop_codes",
    "curriculum",
    "trainers",
)


def sop_codes() -> tuple[str, ...]:
    return tuple(sop.code for sop in load_catalogue().sops)


def event_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of an event's input at once, by field (issue 12 §5): the rules
    ``training_event_record`` and ``training_event_change`` apply, for a form's precheck. A
    field not in ``values`` (one with its own error) is not checked."""
    errors: dict[str, list[str]] = {}
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The event cannot end before it starts.")]
    known = sop_codes()
    if any(code not in known for code in values.get("sop_codes") or []):
        errors["sop_codes"] = [_("Choose procedures of the catalogue.")]
    return errors


def _check_sops(codes: list[str]) -> list[str]:
    known = sop_codes()
    return [code for code in known if code in codes]  # catalogue order, no repeats


def _require_recorder(actor: Actor, event: TrainingEvent) -> None:
    require(actor, Action.TRAINING_RECORD)
    if not can(actor, Action.TRAINING_RECORD, event):
        raise PermissionDenied


@transaction.atomic
def training_event_record(
    *,
    actor: Actor,
    title: str,
    scope: str,
    starts_on: date,
    ends_on: date | None = None,
    place: str = "",
    sop_codes: list[str] | None = None,
    curriculum: str = "",
    trainers: str = "",
) -> TrainingEvent:
    """A new event organised by the actor's organisation, in the actor's country."""
    require(actor, Action.TRAINING_RECORD)
    assert actor.membership is not None  # a member, by the action
    errors = event_errors({"starts_on": starts_on, "ends_on": ends_on, "sop_codes": sop_codes})
    if errors:
        raise ValidationError(errors)
    organisation = actor.membership.organisation
    event = TrainingEvent(
        title=title.strip(),
        scope=scope,
        country_id=organisation.country_id,
        organiser=organisation,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip(),
        sop_codes=_check_sops(list(sop_codes or [])),
        curriculum=curriculum,
        trainers=trainers.strip(),
        recorded_by=actor.user,
        updated_by=actor.user,
    )
    event.full_clean()
    event.save()
    record_event(event_type=EventType.TRAINING_EVENT_RECORDED, actor=actor, target=event)
    return event


@transaction.atomic
def training_event_change(
    *, actor: Actor, event: TrainingEvent, expected_version: int, **values: Any
) -> TrainingEvent:
    """Change the fields of ``values`` (names of ``EVENT_FIELDS``), refused when the event was
    changed since the form was opened."""
    _require_recorder(actor, event)
    errors = event_errors({"starts_on": event.starts_on, "ends_on": event.ends_on, **values})
    if errors:
        raise ValidationError(errors)
    if "sop_codes" in values:
        values["sop_codes"] = _check_sops(list(values["sop_codes"] or []))
    changed = change_if_unchanged(
        event, values, fields=EVENT_FIELDS, expected_version=expected_version, actor=actor.user
    )
    record_event(
        event_type=EventType.TRAINING_EVENT_CHANGED,
        actor=actor,
        target=event,
        changed_fields=changed,
    )
    return event


@transaction.atomic
def attendance_add(
    *, actor: Actor, event: TrainingEvent, contact_point: ContactPoint
) -> Attendance:
    """Record that ``contact_point`` attended ``event``; once per event."""
    _require_recorder(actor, event)
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                event=event, contact_point=contact_point, recorded_by=actor.user
            )
    except IntegrityError:
        raise ValidationError(
            {"contact_point": _("This contact is already recorded for this event.")}
        ) from None
    record_event(
        event_type=EventType.TRAINING_ATTENDANCE_ADDED,
        actor=actor,
        target=event,
        detail={"contact_point_id": contact_point.pk},
    )
    return attendance


@transaction.atomic
def attendance_remove(*, actor: Actor, event: TrainingEvent, attendance_id: int) -> None:
    _require_recorder(actor, event)
    attendance = Attendance.objects.filter(pk=attendance_id, event=event).first()
    if attendance is None:
        raise ValidationError(_("This attendance no longer exists. Reload the page."))
    contact_point_id = attendance.contact_point_id
    attendance.delete()
    record_event(
        event_type=EventType.TRAINING_ATTENDANCE_REMOVED,
        actor=actor,
        target=event,
        detail={"contact_point_id": contact_point_id},
    )
