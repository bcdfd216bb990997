"""Assessments of a case (issue 3 §7): early risk, intake and needs, safety concerns, the risk
of re-trafficking, and health as its own restricted record.

The option lists are the template's (reference §3.6-§3.7, §3.13). Lists of codes are stored as
JSON arrays of those codes; the services check every code against the choices.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.encrypted import EncryptedTextField
from opentrm.core.models import SoftDeletable, VersionedModel


class AssessmentKind(models.TextChoices):
    EARLY_RISK = "early_risk", _("Early risk assessment")
    NEEDS = "needs", _("Intake and needs assessment")
    SAFETY = "safety", _("Safety concerns")
    RETRAFFICKING = "retrafficking", _("Risk of re-trafficking")


class RiskLevel(models.TextChoices):
    VERY_HIGH = "very_high", _("Very high")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Need(models.TextChoices):
    """Basic needs of the template's §2.1 and §3.1."""

    ACCOMMODATION = "accommodation", _("Accommodation")
    MEDICAL = "medical", _("Medical examination, assistance or evaluation")
    PSYCHOLOGICAL = "psychological", _("Psychological counselling or psycho-social support")
    INTERPRETATION = "interpretation", _("Language interpretation")
    FAMILY_CONTACT = "family_contact", _("Contact with family or significant others")
    LEGAL_ADVISER = "legal_adviser", _("Legal adviser")
    GUARDIAN = "guardian", _("Guardian")
    DOCUMENTS = "documents", _("Identity documents")
    OTHER = "other", _("Other assistance")


class AccommodationType(models.TextChoices):
    SHELTER = "shelter", _("Shelter")
    OWN_FAMILY = "own_family", _("Own family")
    ALTERNATIVE = "alternative", _("Alternative accommodation")
    OTHER = "other", _("Other")


class HarmSource(models.TextChoices):
    FAMILY_MEMBER = "family_member", _("Family member")
    PARTNER = "partner", _("Partner")
    FRIEND = "friend", _("Friend")
    COMMUNITY_MEMBER = "community_member", _("Member of the community")
    OTHER = "other", _("Other")


class AssessmentPartner(models.TextChoices):
    """Who took part in a risk assessment (template §3.4)."""

    PERSON = "person", _("Trafficked person")
    RELATIVES = "relatives", _("Relatives")
    ORIGIN_AUTHORITIES = "origin_authorities", _("Authorities in country of origin")
    OTHER_AGENCIES = "other_agencies", _("Other agencies")


class Assessment(VersionedModel, SoftDeletable):
    """One assessment, dated and signed by the organisation that made it; a newer one of the
    same kind supersedes it on the case file, the older ones stay as history."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(_("assessment"), max_length=16, choices=AssessmentKind.choices)
    assessed_on = models.DateField(_("date"))
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    needs = models.JSONField(_("needs"), default=list, blank=True)
    accommodation_type = models.CharField(
        _("accommodation"), max_length=12, choices=AccommodationType.choices, blank=True
    )
    harm_sources = models.JSONField(_("individuals who may cause harm"), default=list, blank=True)
    harm_source_other = models.CharField(_("other (describe)"), max_length=200, blank=True)
    unsafe_locations = models.TextField(_("locations that may not be safe"), blank=True)
    partners = models.JSONField(_("in cooperation with"), default=list, blank=True)
    summary = models.TextField(_("findings"), blank=True)

    class Meta:
        ordering = ["case", "-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["case", "kind"], name="cases_assessment_case_idx")]

    def __str__(self) -> str:
        return f"{self.kind} assessment {self.pk} on {self.case}"


class HealthRecord(VersionedModel):
    """Template §3.2: special-category data, in the restricted health field group."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="health")
    medical_history = EncryptedTextField(_("medical history"), blank=True)
    chronic_diseases = EncryptedTextField(_("chronic diseases"), blank=True)
    addiction = EncryptedTextField(_("addiction"), blank=True)
    medication = EncryptedTextField(_("prescription medication"), blank=True)
    comments = EncryptedTextField(_("comments"), blank=True)

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")

    def __str__(self) -> str:
        return f"health record of {self.case}"
