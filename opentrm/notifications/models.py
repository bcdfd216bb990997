"""What a user is told: in-app notifications, and how she wants them by e-mail.

A notification holds a kind, a reference (case number or referral reference) and the path of
the page where it is handled; never a name or any other personal data. Its text is rendered
from the kind in the reader's language when it is shown.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REFERRAL_RECEIVED = "referral_received", _("New referral to your organisation")
    REQUEST_RECEIVED = "request_received", _("New request to your organisation")
    IMMEDIATE_DANGER = "immediate_danger", _("Immediate-danger alert")
    REFERRAL_ACCEPTED = "referral_accepted", _("Your referral was accepted")
    REFERRAL_DECLINED = "referral_declined", _("Your referral was declined")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    TASK_ASSIGNED = "task_assigned", _("Task assigned to you")
    FOLLOW_UP_RECEIVED = "follow_up_received", _("Follow-up report received")
    EMERGENCY_ACCESS = "emergency_access", _("Case opened in an emergency")
    ACCESS_ALERT = "access_alert", _("Unusual access to look into")


class EmailChoice(models.TextChoices):
    IMMEDIATE_DANGER = "danger", _("Only immediate-danger alerts")
    EVERY = "every", _("Every notification, at once")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    reference = models.CharField(_("reference"), max_length=32)
    path = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notifications_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} for user {self.recipient_id}"


class Preference(models.Model):
    """A user's choice of e-mail. Immediate-danger alerts are e-mailed whatever she chose."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(
        _("e-mail me"),
        max_length=8,
        choices=EmailChoice.choices,
        default=EmailChoice.IMMEDIATE_DANGER,
    )

    def __str__(self) -> str:
        return f"notification preference of user {self.user_id}"
