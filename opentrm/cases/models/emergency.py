"""Break-the-glass: a member not on a case opens it in an emergency
(docs/security-authentication.md).

The access is personal (the user, acting for one organisation), limited in time
(OPENTRM_EMERGENCY_ACCESS_MINUTES), edits none of the case's data, and needs a reason. The
data-protection officer of the case's country reviews each one and records a conclusion.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewConclusion(models.TextChoices):
    JUSTIFIED = "justified", _("Justified")
    NOT_JUSTIFIED = "not_justified", _("Not justified: taken up with the user's organisation")


class EmergencyAccess(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=40)
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField(_("opened"))
    expires_at = models.DateTimeField(_("until"))
    conclusion = models.CharField(
        _("conclusion"), max_length=16, choices=ReviewConclusion.choices, blank=True
    )
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        indexes = [
            models.Index(fields=["user", "case", "expires_at"], name="emergency_access_active_idx"),
            models.Index(fields=["reviewed_at", "opened_at"], name="emergency_access_review_idx"),
        ]

    def __str__(self) -> str:
        return f"emergency access {self.pk} to case {self.case_id}"
