"""Child safeguards, enforced as rules (reference §7): one record per child case."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.encrypted import EncryptedTextField
from opentrm.core.models import TimeStampedModel, VersionedModel


class AgeAssessmentResult(models.TextChoices):
    CHILD = "child", _("Under 18")
    ADULT = "adult", _("18 or over")


class DurableSolution(models.TextChoices):
    """The durable solution decided for the child (CH-35, CH-36)."""

    RETURN_TO_ORIGIN = "return_to_origin", _("Return to the country of origin or residence")
    LOCAL_INTEGRATION = "local_integration", _("Integration in the country where the child is")
    THIRD_COUNTRY = "third_country", _("Relocation in a third country")
    OTHER = "other", _("Other")


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
    best_interests_summary = EncryptedTextField(_("best-interests summary"), blank=True)
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
    # CH-41: identification and age assessment are multi-disciplinary; CH-05: so is the BID.
    age_assessment_participants = EncryptedTextField(
        _("who took part in the age assessment"),
        blank=True,
        help_text=_("Professions and organisations (multi-disciplinary), not only names."),
    )
    best_interests_participants = EncryptedTextField(
        _("who took part in the best-interests determination"),
        blank=True,
        help_text=_("The decision-makers and their expertise, and how the child took part."),
    )
    # CH-03, CH-04, CH-53.
    separated = models.BooleanField(
        _("separated child"),
        null=True,
        blank=True,
        help_text=_(
            "Outside the country of origin and separated from both parents or the previous "
            "primary caregiver (may live with other relatives)."
        ),
    )
    unaccompanied = models.BooleanField(
        _("unaccompanied child"),
        null=True,
        blank=True,
        help_text=_(
            "Separated from both parents and other relatives, and cared for by no adult "
            "responsible by law or custom."
        ),
    )
    street_child = models.BooleanField(
        _("street child"),
        null=True,
        blank=True,
        help_text=_("An especially vulnerable group that needs special protection measures."),
    )
    # CH-35, CH-D1: the durable solution, decided after a best-interests determination.
    durable_solution = models.CharField(
        _("durable solution"), max_length=20, choices=DurableSolution.choices, blank=True
    )
    durable_solution_decided_on = models.DateField(
        _("durable solution decided"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("child safeguards")
        verbose_name_plural = _("child safeguards")

    def __str__(self) -> str:
        return f"child safeguards of {self.case}"


class SignificantAction(models.TextChoices):
    """The actions for a child that need a best-interests assessment first (CH-06, CH-D1)."""

    ACCOMMODATION = "accommodation", _("Placement or accommodation")
    INTERVIEW = "interview", _("Interview or hearing")
    MEDICAL = "medical", _("Medical examination or treatment")
    FAMILY_TRACING = "family_tracing", _("Family tracing or contact with the family")
    REFERRAL = "referral", _("Referral to another organisation or country")
    RETURN = "return", _("Return or transfer")
    EDUCATION = "education", _("Education or training")
    OTHER = "other", _("Other significant action")


class BestInterestsAssessment(TimeStampedModel):
    """A best-interests assessment (BIA) for one significant action for the child (CH-06):
    made by staff acting for the child, with the child's participation. Kept as history:
    a later assessment of the same action adds a row."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="best_interests_assessments"
    )
    action = models.CharField(
        _("significant action"), max_length=16, choices=SignificantAction.choices
    )
    action_detail = models.CharField(_("the action in a few words"), max_length=200, blank=True)
    assessed_on = models.DateField(_("date"))
    child_participated = models.BooleanField(_("the child took part"))
    child_views = EncryptedTextField(
        _("the child's views"),
        blank=True,
        help_text=_("What the child said; if the child did not take part, why not."),
    )
    participants = EncryptedTextField(_("who else took part"), blank=True)
    conclusion = EncryptedTextField(_("conclusion: what is in the child's best interests"))
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "-assessed_on", "-id"]
        verbose_name = _("best-interests assessment")
        verbose_name_plural = _("best-interests assessments")

    def __str__(self) -> str:
        return f"best-interests assessment {self.pk} on {self.case}"
