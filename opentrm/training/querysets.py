"""Where every training list starts: ``visible_to(actor)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.db import models
from django.db.models import Exists, OuterRef, Q

if TYPE_CHECKING:
    from opentrm.training.models import TrainingEvent  # noqa: F401 (string annotations)


class TrainingReader(Protocol):
    """The part of ``accounts.policy.Actor`` that training lists need."""

    @property
    def organisation_id(self) -> int | None: ...

    @property
    def country_id(self) -> int | None: ...

    def may(self, action: Any) -> bool: ...


class TrainingEventQuerySet(models.QuerySet["TrainingEvent"]):
    def visible_to(self, actor: TrainingReader | None) -> TrainingEventQuerySet:
        """Events of the actor's country, and events (a transnational one) that a contact of
        the actor's organisation attended."""
        from opentrm.accounts.policy import Action
        from opentrm.training.models import Attendance

        if actor is None or not actor.may(Action.TRAINING_VIEW) or actor.organisation_id is None:
            return self.none()
        attended = Attendance.objects.filter(
            event_id=OuterRef("pk"), contact_point__organisation_id=actor.organisation_id
        )
        return self.filter(Q(country_id=actor.country_id) | Q(Exists(attended)))
