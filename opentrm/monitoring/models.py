"""Monitoring the mechanism (issue 15 §8; reference MON-03, MON-07, MON-18, MON-D4, MON-D5).

The national action plan as data -- a plan of one country for a period, its objectives, and the
actions under each with the organisation responsible, a due date, a status and the indicator the
action is measured by -- and the anonymous feedback of assisted persons.

A feedback answer keeps nothing that could point back to a person: no account, no case, no
address or browser, no time of day; only the organisation whose code was used and the month.
"""

import uuid
from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import VersionedModel, recorded_by_field
from opentrm.directory.models import Country, Organisation
from opentrm.monitoring.querysets import ActionPlanQuerySet, PlanActionQuerySet


class ActionPlan(VersionedModel):
    """A national action plan of one country for a period (MON-03, MON-07)."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    starts_on = models.DateField(_("period starts on"))
    ends_on = models.DateField(_("period ends on"))
    recorded_by = recorded_by_field()

    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("national action plan")
        verbose_name_plural = _("national action plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="monitoring_actionplan_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Objective(VersionedModel):
    """One objective of a plan; the actions serve it."""

    plan = models.ForeignKey(
        ActionPlan,
        verbose_name=_("action plan"),
        on_delete=models.CASCADE,
        related_name="objectives",
    )
    code = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("objective"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["plan", "code", "id"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"], name="monitoring_objective_code_once_per_plan"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# An action in one of these is finished: it can no longer be late.
CLOSED_STATUSES = frozenset({ActionStatus.DONE, ActionStatus.CANCELLED})


class PlanAction(VersionedModel):
    """An activity of the plan: who does it, by when, and how it is measured (MON-07, MON-D4)."""

    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    code = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    indicator = models.CharField(_("indicator"), max_length=300)
    target = models.CharField(_("target"), max_length=200, blank=True)

    objects = PlanActionQuerySet.as_manager()

    class Meta:
        ordering = ["objective", "code", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "code"], name="monitoring_planaction_code_once_per_objective"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[status.value for status in ActionStatus]),
                name="monitoring_planaction_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def is_overdue(self, today: date) -> bool:
        """Past its due date and neither done nor cancelled."""
        return self.due_on < today and self.status not in CLOSED_STATUSES


class StatusChange(models.Model):
    """One change of an action's status: the history the plan's monitoring reads."""

    action = models.ForeignKey(
        PlanAction,
        verbose_name=_("action"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=ActionStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=ActionStatus.choices)
    changed_at = models.DateTimeField(_("changed"))
    changed_by = recorded_by_field()
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["action", "changed_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.action_id}: {self.from_status} -> {self.to_status}"


class FeedbackCode(models.Model):
    """The code an organisation hands to the persons it assists (printed on a slip): it says
    which organisation the feedback is about, and nothing of a case or a person."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    issued_at = models.DateTimeField(_("issued"))
    issued_by = recorded_by_field()

    class Meta:
        ordering = ["organisation", "-issued_at"]
        verbose_name = _("feedback code")
        verbose_name_plural = _("feedback codes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_active=True),
                name="monitoring_feedbackcode_one_active_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return self.code


class Satisfaction(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("Very unhappy")
    DISSATISFIED = 2, _("Unhappy")
    NEUTRAL = 3, _("Neither happy nor unhappy")
    SATISFIED = 4, _("Happy")
    VERY_SATISFIED = 5, _("Very happy")


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class Recommend(models.TextChoices):
    YES = "yes", _("Yes")
    NOT_SURE = "not_sure", _("Not sure")
    NO = "no", _("No")


class FeedbackResponse(models.Model):
    """One anonymous answer to the feedback form.

    The key is random (so the order of the rows tells nothing), the only date is the first day
    of the month, and there is no link to the code's row, an account, a case or a request.
    Every question may be left unanswered (NULL / "").
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField(_("month"))
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction with the help received"),
        choices=Satisfaction.choices,
        null=True,
        blank=True,
    )
    felt_safe = models.CharField(_("felt safe"), max_length=10, choices=Answer.choices, blank=True)
    understood = models.CharField(
        _("understood in a language they know"), max_length=10, choices=Answer.choices, blank=True
    )
    would_recommend = models.CharField(
        _("would recommend"), max_length=10, choices=Recommend.choices, blank=True
    )

    class Meta:
        verbose_name = _("feedback answer")
        verbose_name_plural = _("feedback answers")

    def __str__(self) -> str:
        return str(self.id)
