"""The individual assistance plan and the risk management plan (issue 3 §7, SOP III-1/2, IV-3).

An assistance plan is versioned: a revision is a new row with the next ``revision`` number and
the earlier one becomes ``superseded``. A plan is active only once the person acknowledged it
and consent to implement it is in force; a withdrawal pauses it (computed from the consent
register, never stored twice).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import TimeStampedModel, VersionedModel


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded")
    CLOSED = "closed", _("Closed")


class AssistancePlan(VersionedModel):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="assistance_plans"
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    goals = models.TextField(_("goals"))
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_on = models.DateField(_("acknowledged by the person on"), null=True, blank=True)
    acknowledged_how = models.CharField(
        _("how the person acknowledged it"), max_length=200, blank=True
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    review_on = models.DateField(_("next review"), null=True, blank=True)

    class Meta:
        ordering = ["case", "-revision"]
        verbose_name = _("individual assistance plan")
        verbose_name_plural = _("individual assistance plans")
        constraints = [
            models.UniqueConstraint("case", "revision", name="cases_assistanceplan_revision"),
            # A revision is drafted while the previous one stays active.
            models.UniqueConstraint(
                "case", name="cases_assistanceplan_one_draft", condition=models.Q(status="draft")
            ),
            models.UniqueConstraint(
                "case", name="cases_assistanceplan_one_active", condition=models.Q(status="active")
            ),
        ]

    def __str__(self) -> str:
        return f"assistance plan {self.revision} of {self.case}"


class PlanActivity(TimeStampedModel):
    """One goal's activity or service in a plan revision, with its provider and dates."""

    plan = models.ForeignKey(AssistancePlan, on_delete=models.CASCADE, related_name="activities")
    description = models.CharField(_("activity"), max_length=300)
    service_type = models.CharField(_("service"), max_length=32, blank=True)
    provider = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="cases_planactivity_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"activity {self.pk} of {self.plan}"


class RiskManagementPlan(VersionedModel):
    """SOP IV-3: steps that keep risks to a minimum, reviewed regularly with the person."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="risk_management_plan"
    )
    risks = models.TextField(_("risks"))
    measures = models.TextField(_("steps and measures"))
    review_every_days = models.PositiveSmallIntegerField(_("review every (days)"), default=30)
    next_review_on = models.DateField(_("next review"))
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("risk management plan")
        verbose_name_plural = _("risk management plans")

    def __str__(self) -> str:
        return f"risk management plan of {self.case}"


class RiskPlanReview(models.Model):
    plan = models.ForeignKey(RiskManagementPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    with_person = models.BooleanField(_("reviewed with the person"), default=True)
    notes = models.TextField(_("what changed"), blank=True)

    class Meta:
        ordering = ["plan", "-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"review {self.pk} of {self.plan}"
