"""Reads of the training register, always from ``TrainingEvent.objects.visible_to``."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from opentrm.accounts.policy import Action, Actor
from opentrm.catalogue.loader import Sop, load_catalogue
from opentrm.directory.models import ContactPoint
from opentrm.training.models import Attendance, TrainingEvent


def sops() -> tuple[Sop, ...]:
    return load_catalogue().sops


def sop_names(codes: list[str]) -> list[str]:
    by_code = {sop.code: sop.name for sop in sops()}
    return [by_code[code] for code in codes if code in by_code]


def event_list(*, actor: Actor, sop_code: str = "") -> list[TrainingEvent]:
    events = list(
        TrainingEvent.objects.visible_to(actor)
        .select_related("country", "organiser")
        .order_by("-starts_on", "id")
    )
    if sop_code:  # a JSON list: filtered here, as SQLite has no "contains" on JSON
        events = [event for event in events if sop_code in event.sop_codes]
    return events


def attendance_list(event: TrainingEvent) -> QuerySet[Attendance]:
    return event.attendances.select_related(
        "contact_point", "contact_point__organisation", "contact_point__organisation__country"
    ).order_by("contact_point__organisation__name", "contact_point__position", "id")


@dataclass(frozen=True)
class TrainedRow:
    sop: Sop
    contacts: list[ContactPoint]


def trained_by_sop(*, actor: Actor) -> list[TrainedRow]:
    """Who is trained on what: for each SOP, the contacts who attended a visible event that
    covered it."""
    events = TrainingEvent.objects.visible_to(actor).prefetch_related(
        Prefetch(
            "attendances",
            queryset=Attendance.objects.select_related(
                "contact_point", "contact_point__organisation"
            ),
        )
    )
    by_sop: dict[str, dict[int, ContactPoint]] = {}
    for event in events:
        for code in event.sop_codes:
            for attendance in event.attendances.all():
                by_sop.setdefault(code, {})[attendance.contact_point_id] = attendance.contact_point
    return [
        TrainedRow(
            sop=sop,
            contacts=sorted(
                by_sop.get(sop.code, {}).values(),
                key=lambda c: (c.organisation.name, c.position, c.pk),
            ),
        )
        for sop in sops()
    ]


def contact_training(*, actor: Actor, contact_point: ContactPoint) -> list[TrainingEvent]:
    return list(
        TrainingEvent.objects.visible_to(actor)
        .filter(attendances__contact_point=contact_point)
        .select_related("country")
        .order_by("-starts_on", "id")
        .distinct()
    )


def contact_training_panel(actor: Actor, contact_point: ContactPoint) -> Mapping[str, Any] | None:
    """The directory contact page's training panel (``directory.panels``): the events the
    contact attended that the reader may see; nothing when there are none."""
    if not actor.may(Action.TRAINING_VIEW):
        return None
    events = contact_training(actor=actor, contact_point=contact_point)
    if not events:
        return None
    return {"events": [(event, sop_names(event.sop_codes)) for event in events]}
