"""The consent register: the only place consent is stored; other features ask it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import TimeStampedModel


class ConsentPurpose(models.TextChoices):
    SHARE_DATA = "share_data", _("Sharing data with a named recipient or country")
    RETURN = "return", _("Return to the country of origin or a third country")
    VIDEO_INTERVIEW = "video_interview", _("Video-recorded interview")
    ASSISTANCE_PLAN = "assistance_plan", _("Implementing the individual assistance plan")
    FAMILY_TRACING = "family_tracing", _("Family tracing")


class ConsentDecision(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")


class ConsentRecord(TimeStampedModel):
    """What the person decided, for which purpose and recipient, and how it was explained.

    A later decision for the same purpose and recipient replaces an earlier one; a withdrawal
    ends a consent at once for every organisation on the case.

    The register is append-only: a decision is never changed. A correction is a new record
    that ``supersedes`` the old one; a withdrawal only adds when, by whom and for which
    organisation. Only decisions recorded for the owner organisation of the case, or for an
    organisation the owner named as consent-taker (``CaseParticipant.takes_consent``), count
    (``selectors.counted_consents``); any other row opens nothing.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    recipient_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("recipient organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient_country = models.CharField(_("recipient country"), max_length=2, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=ConsentDecision.choices)
    decided_on = models.DateField(_("date"))
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    explained_in = models.CharField(
        _("explained in (language)"), max_length=3, help_text=_("ISO 639 code")
    )
    interpreter = models.CharField(_("interpreter"), max_length=200, blank=True)
    information_given = models.TextField(_("what the person was told"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    taken_for = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_form = models.ForeignKey(
        "cases.CaseDocument",
        verbose_name=_("scanned signature"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_for = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("withdrawal recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text=_("The earlier record this one corrects; that record then stops counting."),
    )

    class Meta:
        ordering = ["case", "-decided_on", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("decided_on")),
                name="cases_consentrecord_expires_after_decision",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "purpose"], name="cases_consent_case_purpose_idx"),
            # "Expiring soon" on the home page, soonest first without sorting them all.
            models.Index(fields=["expires_on", "id"], name="cases_consent_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.decision} on {self.case}"
