"""Child safeguards, enforced as rules (reference §7): one record per child case."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import VersionedModel


class AgeAssessmentResult(models.TextChoices):
    CHILD = "child", _("Under 18")
    ADULT = "adult", _("18 or over")


class ChildSafeguards(VersionedModel):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="child_safeguards"
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("guardian"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    guardian_name = models.CharField(_("guardian (if not a user)"), max_length=200, blank=True)
    guardian_appointed_on = models.DateField(_("guardian appointed"), null=True, blank=True)
    liaison_officer = models.ForeignKey(
        "directory.ContactPoint",
        verbose_name=_("Interior-Ministry liaison officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    asylum_indicated_on = models.DateField(
        _("asylum requested or indicated"),
        null=True,
        blank=True,
        help_text=_("Blocks every action, referral or message towards the country of origin."),
    )
    best_interests_determined_on = models.DateField(
        _("best-interests determination"), null=True, blank=True
    )
    best_interests_summary = models.TextField(_("best-interests summary"), blank=True)
    family_tracing_in_best_interests = models.BooleanField(
        _("family tracing is in the child's best interests"), null=True, blank=True
    )
    welfare_clearance_on = models.DateField(
        _("child-welfare safety clearance for return"), null=True, blank=True
    )
    welfare_clearance_by = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("cleared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    age_assessed_on = models.DateField(_("age assessed"), null=True, blank=True)
    age_assessment_result = models.CharField(
        _("age assessment"), max_length=8, choices=AgeAssessmentResult.choices, blank=True
    )

    class Meta:
        verbose_name = _("child safeguards")
        verbose_name_plural = _("child safeguards")

    def __str__(self) -> str:
        return f"child safeguards of {self.case}"
