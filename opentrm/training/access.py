"""Fetching one training event for an actor (404 when missing or not visible, 403 when visible
but not the actor's to change), and the training rule of ``accounts.policy``."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opentrm.accounts.policy import Action, Actor, can, rule
from opentrm.training.models import TrainingEvent

Intent = Literal["view", "change"]


@rule(Action.TRAINING_RECORD, TrainingEvent)
def _record_training(actor: Actor, event: TrainingEvent) -> bool:
    """Coordinators and directory editors of the organising country."""
    return (
        actor.may(Action.TRAINING_RECORD)
        and actor.country_id is not None
        and actor.country_id == event.country_id
    )


def access_training_event(actor: Actor, event_id: int, *, action: Intent = "view") -> TrainingEvent:
    event = (
        TrainingEvent.objects.visible_to(actor)
        .select_related("country", "organiser", "updated_by")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise Http404
    if action == "change" and not can(actor, Action.TRAINING_RECORD, event):
        raise PermissionDenied
    return event


def training_permissions(actor: Actor, event: TrainingEvent) -> bool:
    """May the actor change ``event`` (its page shows the edit and attendance controls)?"""
    return can(actor, Action.TRAINING_RECORD, event)
