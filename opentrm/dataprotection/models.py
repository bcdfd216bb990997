"""Personal-data breaches (GDPR art. 33-34; LED art. 30): the record the DPO keeps."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import VersionedModel

# Art. 33(1): the supervisory authority is notified within 72 hours of becoming aware.
NOTIFY_WITHIN = timedelta(hours=72)


class Breach(VersionedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(
        _("what happened"),
        help_text=_("The nature of the breach and the measures taken. No names of persons."),
    )
    discovered_at = models.DateTimeField(_("we became aware at"))
    window_start = models.DateTimeField(_("exposure from"))
    window_end = models.DateTimeField(_("exposure until"))
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account involved"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A member's account that was misused or lost, if any."),
    )
    authority_notified_at = models.DateTimeField(
        _("authority notified at"), null=True, blank=True, editable=False
    )
    authority_reference = models.CharField(_("authority's reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-discovered_at", "-id"]
        verbose_name = _("personal-data breach")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__lte=models.F("window_end")),
                name="dataprotection_breach_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.discovered_at:%Y-%m-%d %H:%M} · {self.organisation_id}"

    @property
    def notify_by(self) -> datetime:
        return self.discovered_at + NOTIFY_WITHIN


class RestrictionGround(models.TextChoices):
    """GDPR art. 18(1) (a) to (d)."""

    ACCURACY_CONTESTED = "accuracy", _("18(1)(a): the person contests the accuracy of the data")
    UNLAWFUL = "unlawful", _("18(1)(b): the processing is unlawful and the person opposes erasure")
    LEGAL_CLAIMS = (
        "legal_claims",
        _("18(1)(c): no longer needed by us, but the person needs it for legal claims"),
    )
    OBJECTION = (
        "objection",
        _("18(1)(d): the person objected (art. 21(1)); pending whether our grounds override"),
    )


class ProcessingRestriction(models.Model):
    """One restriction of processing of a person's data (GDPR art. 18), from when the controller
    set it to when it was lifted; the person's ``processing_restricted_at`` says one is in force.
    Rows are never deleted: they are the history the subject-access report and the DPO read."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", help_text=_("set through")
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(_("ground"), max_length=16, choices=RestrictionGround.choices)
    reason = models.TextField(_("reason"))
    restricted_at = models.DateTimeField(_("restricted at"))
    restricted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    lift_reason = models.TextField(_("why it was lifted"), blank=True)
    # Art. 18(3): the person is informed before the restriction is lifted.
    person_informed_on = models.DateField(_("person informed on"), null=True, blank=True)

    class Meta:
        ordering = ["-restricted_at", "-id"]
        verbose_name = _("restriction of processing")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(lifted_at__isnull=True),
                name="dataprotection_processingrestriction_one_in_force",
            ),
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=True)
                | models.Q(person_informed_on__isnull=False),
                name="dataprotection_processingrestriction_informed_before_lifting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.restricted_at:%Y-%m-%d} · {self.ground}"
