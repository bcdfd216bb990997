"""The measures of the five TRM procedures on a case, and each country's settings for them.

The catalogue itself (names, WHAT/WHEN/WHO/HOW guidance) is versioned data in
``opentrm/catalogue``; these rows hold a country's adjustments and a case's progress.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import TimeStampedModel, VersionedModel


class CountryCaseSettings(VersionedModel):
    """How a country runs cases on this node."""

    country = models.OneToOneField(
        "directory.Country", on_delete=models.PROTECT, related_name="case_settings"
    )
    reflection_days = models.PositiveSmallIntegerField(
        _("recovery and reflection period (days)"), default=30
    )
    identifying_roles = models.JSONField(
        _("roles that may formally identify"),
        default=list,
        blank=True,
        help_text=_("Role codes; empty means the default list."),
    )

    class Meta:
        verbose_name = _("country case settings")
        verbose_name_plural = _("country case settings")

    def __str__(self) -> str:
        return f"case settings of {self.country}"


class MeasureSetting(models.Model):
    """A country's adjustment of a catalogue measure, or a measure the country added."""

    country = models.ForeignKey(
        "directory.Country", on_delete=models.CASCADE, related_name="measure_settings"
    )
    code = models.CharField(_("measure code"), max_length=80)
    sop = models.CharField(_("procedure"), max_length=8)
    label = models.CharField(_("name in this country"), max_length=200, blank=True)
    is_enabled = models.BooleanField(_("in use"), default=True)
    default_deadline_days = models.PositiveSmallIntegerField(
        _("default deadline (days)"), null=True, blank=True
    )
    is_custom = models.BooleanField(_("added by the country"), default=False)
    guidance = models.TextField(_("guidance"), blank=True)

    class Meta:
        ordering = ["country", "sop", "code"]
        verbose_name = _("measure setting")
        verbose_name_plural = _("measure settings")
        constraints = [
            models.UniqueConstraint("country", "code", name="cases_measuresetting_once_per_country")
        ]

    def __str__(self) -> str:
        return f"{self.code} in {self.country}"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class CaseMeasure(VersionedModel):
    """One measure on one case, in any order: the TRM is an à-la-carte menu."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="measures")
    code = models.CharField(_("measure"), max_length=80)
    catalogue_version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    responsible_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["case", "code"]
        verbose_name = _("measure on a case")
        verbose_name_plural = _("measures on a case")
        constraints = [
            models.UniqueConstraint("case", "code", name="cases_casemeasure_once_per_case"),
            models.CheckConstraint(
                condition=models.Q(completed_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(completed_on__gte=models.F("started_on")),
                name="cases_casemeasure_completed_after_started",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "status"], name="cases_measure_case_status_idx"),
            # The statistics count measures by the month they started (opentrm/stats).
            models.Index(fields=["started_on"], name="cases_measure_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.case}"


class IdentificationOutcome(models.TextChoices):
    IDENTIFIED = "identified", _("Identified as a victim of trafficking")
    NOT_A_VICTIM = "not_a_victim", _("Not a victim of trafficking")
    DECLINED = "declined", _("The person declined formal identification")


class IdentificationDecision(TimeStampedModel):
    """Who identified the person, on what legal basis, formally or not."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="identification_decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=IdentificationOutcome.choices)
    is_formal = models.BooleanField(_("formal identification"))
    decided_on = models.DateField(_("date"))
    country_code = models.CharField(_("country"), max_length=2)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    indicators_used = models.TextField(_("indicators or questionnaire used"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by_role = models.CharField(_("role"), max_length=40)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "-decided_on", "-id"]
        verbose_name = _("identification decision")
        verbose_name_plural = _("identification decisions")

    def __str__(self) -> str:
        return f"{self.outcome} on {self.case}"


class ReflectionPeriod(TimeStampedModel):
    """The recovery and reflection period: while it runs, no return or removal is completed."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="reflection_periods"
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "-starts_on"]
        verbose_name = _("recovery and reflection period")
        verbose_name_plural = _("recovery and reflection periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="cases_reflectionperiod_ends_after_start",
            )
        ]
        # "Ending soon" on the home page, soonest first without sorting them all.
        indexes = [models.Index(fields=["ends_on", "id"], name="cases_reflection_ends_idx")]

    def __str__(self) -> str:
        return f"reflection {self.starts_on}..{self.ends_on} on {self.case}"
