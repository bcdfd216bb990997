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
