"""After return, and labour inspections (issue 14 part C).

``FollowUpVisit``: the visits after a return or family reunification "with a view to ensuring
that no risks for re-trafficking are present" (SOP-IV-7, SOP-T13). Each scheduled visit makes a
task (``TaskSource.FOLLOW_UP_VISIT``) that the daily task reminders announce and that shows
overdue; recording the visit closes it.

``LabourInspection``: the labour inspectorate's entry point (LAB-03): an inspection, what
triggered it, what it found classified as undeclared labour, labour exploitation or forced labour
(LAB-06), the suspicion notified to a police unit, and the case registered from it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import VersionedModel


class VisitOutcome(models.TextChoices):
    NO_RISK = "no_risk", _("Visited: no sign of risk of re-trafficking")
    RISK_FOUND = "risk_found", _("Visited: risk of re-trafficking found")
    NOT_REACHED = "not_reached", _("The person could not be reached")


class FollowUpVisit(VersionedModel):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="visits")
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("visiting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("visit due"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=VisitOutcome.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)  # assistance field group
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "due_on", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        indexes = [models.Index(fields=["case", "visited_on"], name="cases_visit_case_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visited_on__isnull=True, outcome="")
                | (models.Q(visited_on__isnull=False) & ~models.Q(outcome="")),
                name="cases_followupvisit_outcome_with_date",
            )
        ]

    def __str__(self) -> str:
        return f"visit {self.pk} on {self.case}"


class InspectionTrigger(models.TextChoices):
    COMPLAINT = "complaint", _("A complaint was filed")
    PLANNED = "planned", _("Planned or routine check")
    JOINT_OPERATION = "joint_operation", _("Joint operation with the police")
    REFERRAL = "referral", _("Referred by another body")
    OTHER = "other", _("Other")


class LabourClassification(models.TextChoices):
    """LAB-06: three situations kept apart; the last two map to the template's "Labour
    exploitation" (S4:2041), the first is not trafficking."""

    NONE = "none", _("No irregularity found")
    UNDECLARED_LABOUR = "undeclared_labour", _("Undeclared labour")
    LABOUR_EXPLOITATION = "labour_exploitation", _("Labour exploitation")
    FORCED_LABOUR = "forced_labour", _("Forced labour")


SUSPECTED_TRAFFICKING = (
    LabourClassification.LABOUR_EXPLOITATION,
    LabourClassification.FORCED_LABOUR,
)


class LabourInspection(VersionedModel):
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("inspectorate"),
        on_delete=models.PROTECT,
        related_name="labour_inspections",
    )
    inspected_on = models.DateField(_("inspected on"))
    trigger = models.CharField(_("trigger"), max_length=16, choices=InspectionTrigger.choices)
    sector = models.CharField(_("economic sector"), max_length=120, blank=True)
    workers_found = models.PositiveIntegerField(_("workers found"), default=0)
    classification = models.CharField(
        _("classification"), max_length=20, choices=LabourClassification.choices
    )
    indicators = models.TextField(_("what was found"), blank=True)
    notified_to = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("suspicion notified to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notified_on = models.DateField(_("notified on"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case registered"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="labour_inspections",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("labour inspection")
        verbose_name_plural = _("labour inspections")
        indexes = [
            models.Index(fields=["organisation", "-inspected_on"], name="cases_inspection_org_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(notified_to__isnull=True, notified_on__isnull=True)
                | models.Q(notified_to__isnull=False, notified_on__isnull=False),
                name="cases_labourinspection_notified_with_date",
            )
        ]

    def __str__(self) -> str:
        return f"inspection {self.pk}"
