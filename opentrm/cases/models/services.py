"""Services for the person (issue 3 §8): the template's first-assistance, long-term and
legal/administrative items, each offered / accepted / delivered / refused, with provider,
dates, cost and funding source for the reports that justify budgets.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import SoftDeletable, VersionedModel


class ServiceCategory(models.TextChoices):
    FIRST_ASSISTANCE = "first_assistance", _("First assistance and protection")
    LONG_TERM = "long_term", _("Long-term assistance and social inclusion")
    LEGAL_ADMIN = "legal_admin", _("Legal and administrative assistance")


class ServiceType(models.TextChoices):
    # template §2.1 and §2.3 (first assistance and protection)
    ACCOMMODATION = "accommodation", _("Accommodation")
    SHELTER = "shelter", _("Accommodation in shelter")
    MEDICAL = "medical", _("Medical examination, assistance or evaluation")
    PSYCHOLOGICAL_SUPPORT = "psychological_support", _("Psycho-social support")
    INTERPRETATION = "interpretation", _("Language interpretation")
    FAMILY_CONTACT = "family_contact", _("Contact with family or significant others")
    LEGAL_ADVISER = "legal_adviser", _("Legal adviser appointed")
    VICTIM_PROTECTION = "victim_protection", _("Victim protection")
    PHYSICAL_PROTECTION = "physical_protection", _("Physical protection")
    RESETTLEMENT = "resettlement", _("Resettlement in third country")
    RESIDENCE_PERMIT = "residence_permit", _("Temporary residence permit")
    # template §6.2 (long-term assistance and social inclusion)
    LONG_TERM_MEDICAL = "long_term_medical", _("Long-term medical assistance")
    PSYCHOLOGICAL_COUNSELLING = "psychological_counselling", _("Psychological counselling")
    EDUCATION = "education", _("Education")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    JOB_PLACEMENT = "job_placement", _("Job placement assistance")
    FINANCIAL_SUPPORT = "financial_support", _("Financial support")
    HOUSING = "housing", _("Housing subsidy or assistance")
    FAMILY_MEDIATION = "family_mediation", _("Family mediation")
    FAMILY_THERAPY = "family_therapy", _("Family therapy or consulting")
    # template §6.3 (legal and administrative assistance)
    IDENTITY_DOCUMENTS = "identity_documents", _("Issuing identity documents")
    GUARDIAN_APPOINTMENT = "guardian_appointment", _("Appointment of a guardian")
    HEALTH_INSURANCE_CARD = "health_insurance_card", _("Issuing of a health insurance card")
    LEGAL_COUNSELLING = "legal_counselling", _("Legal counselling")
    LEGAL_REPRESENTATION = "legal_representation", _("Legal representation")
    OTHER = "other", _("Other")


_S = ServiceType
SERVICE_CATEGORY: dict[str, str] = {
    **dict.fromkeys(
        [
            _S.ACCOMMODATION,
            _S.SHELTER,
            _S.MEDICAL,
            _S.PSYCHOLOGICAL_SUPPORT,
            _S.INTERPRETATION,
            _S.FAMILY_CONTACT,
            _S.LEGAL_ADVISER,
            _S.VICTIM_PROTECTION,
            _S.PHYSICAL_PROTECTION,
            _S.RESETTLEMENT,
            _S.RESIDENCE_PERMIT,
        ],
        ServiceCategory.FIRST_ASSISTANCE,
    ),
    **dict.fromkeys(
        [
            _S.LONG_TERM_MEDICAL,
            _S.PSYCHOLOGICAL_COUNSELLING,
            _S.EDUCATION,
            _S.VOCATIONAL_TRAINING,
            _S.JOB_PLACEMENT,
            _S.FINANCIAL_SUPPORT,
            _S.HOUSING,
            _S.FAMILY_MEDIATION,
            _S.FAMILY_THERAPY,
        ],
        ServiceCategory.LONG_TERM,
    ),
    **dict.fromkeys(
        [
            _S.IDENTITY_DOCUMENTS,
            _S.GUARDIAN_APPOINTMENT,
            _S.HEALTH_INSURANCE_CARD,
            _S.LEGAL_COUNSELLING,
            _S.LEGAL_REPRESENTATION,
            _S.OTHER,
        ],
        ServiceCategory.LEGAL_ADMIN,
    ),
}


class ServiceStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DELIVERED = "delivered", _("Delivered")
    REFUSED = "refused", _("Refused by the person")


class CaseService(VersionedModel, SoftDeletable):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="services")
    service_type = models.CharField(_("service"), max_length=32, choices=ServiceType.choices)
    category = models.CharField(
        _("category"), max_length=20, choices=ServiceCategory.choices, editable=False
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ServiceStatus.choices, default=ServiceStatus.OFFERED
    )
    provider = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    provider_name = models.CharField(
        _("provider (if not in the directory)"), max_length=200, blank=True
    )
    offered_on = models.DateField(_("offered on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    started_on = models.DateField(_("delivered from"), null=True, blank=True)
    ended_on = models.DateField(_("delivered until"), null=True, blank=True)
    refused_on = models.DateField(_("refused on"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    plan_activity = models.ForeignKey(
        "cases.PlanActivity",
        verbose_name=_("assistance plan activity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "-offered_on", "-id"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="cases_caseservice_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="cases_caseservice_cost_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "status"], name="cases_service_case_idx"),
            models.Index(fields=["service_type", "offered_on"], name="cases_service_stats_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} {self.pk} on {self.case}"
