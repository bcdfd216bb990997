"""Where every action-plan list starts: ``visible_to(actor)``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from opentrm.monitoring.models import ActionPlan, PlanAction  # noqa: F401


class PlanReader(Protocol):
    """The part of ``accounts.policy.Actor`` that plan lists need."""

    @property
    def country_id(self) -> int | None: ...

    def may(self, action: Any) -> bool: ...


class ActionPlanQuerySet(models.QuerySet["ActionPlan"]):
    def visible_to(self, actor: PlanReader | None) -> ActionPlanQuerySet:
        """The plans of the actor's own country; nothing for anyone else."""
        from opentrm.accounts.policy import Action

        if actor is None or not actor.may(Action.ACTION_PLAN_VIEW) or actor.country_id is None:
            return self.none()
        return self.filter(country_id=actor.country_id)


class PlanActionQuerySet(models.QuerySet["PlanAction"]):
    def visible_to(self, actor: PlanReader | None) -> PlanActionQuerySet:
        from opentrm.monitoring.models import ActionPlan

        return self.filter(objective__plan__in=ActionPlan.objects.visible_to(actor).values("pk"))

    def overdue(self, today: date) -> PlanActionQuerySet:
        """Past the due date and neither done nor cancelled (``PlanAction.is_overdue``)."""
        from opentrm.monitoring.models import CLOSED_STATUSES

        return self.filter(Q(due_on__lt=today) & ~Q(status__in=list(CLOSED_STATUSES)))
