"""The end of a case (closure with its reason, and reopening) and what the person was told."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClosureReason(models.TextChoices):
    """Why a case was closed (HTCDS 2.0 ``cas_ReasonForCaseClosure`` is free text; these are the
    reasons the TRM's own rule names, SOP-T8: cooperation lasts until the criminal process ends
    and the person is fully included)."""

    COMPLETED = "completed", _("Completed: proceedings concluded and the person socially included")
    ASSISTANCE_COMPLETED = "assistance_completed", _("Assistance completed, no proceedings")
    REFERRED = "referred", _("Referred: another organisation or country continues the case")
    DECLINED = "declined", _("The person declined further assistance")
    LOST_CONTACT = "lost_contact", _("Contact with the person was lost")
    NOT_A_VICTIM = "not_a_victim", _("Not a victim of trafficking")
    DECEASED = "deceased", _("The person died")
    DUPLICATE = "duplicate", _("Registered twice")
    OTHER = "other", _("Other")


class CaseClosure(models.Model):
    """One closure of a case, and its reopening if it was reopened: the case's end states."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="closures")
    closed_at = models.DateTimeField(_("closed"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_for = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=24, choices=ClosureReason.choices)
    details = models.TextField(_("details"), blank=True)
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reopen_reason = models.TextField(_("why it was reopened"), blank=True)

    class Meta:
        ordering = ["case", "-closed_at", "-id"]
        verbose_name = _("case closure")
        verbose_name_plural = _("case closures")

    def __str__(self) -> str:
        return f"closure of {self.case}"


class InformationFormat(models.TextChoices):
    ORAL = "oral", _("Oral explanation")
    WRITTEN = "written", _("Written leaflet")
    AUDIO_VISUAL = "audio_visual", _("Audio or video")
    EASY_READ = "easy_read", _("Easy-read or child-friendly material")
    SIGN_LANGUAGE = "sign_language", _("Sign language")


class InformationTopic(models.TextChoices):
    ASSISTANCE = "assistance", _("Assistance options and conditions (SOP II-1)")
    LEGAL = "legal", _("Legal options and conditions (SOP II-2)")
    MANDATE = "mandate", _("The institution's mandate and the likely course of proceedings")
    DATA = "data", _("How the person's data are used and shared, and their rights")
    CONSENT = "consent", _("Consent and how to withdraw it")


class InformationGiven(models.Model):
    """That the person was informed (SOP-II-1/2, DP-29): when, by whom, in which language and
    format, about what. Recorded before consents are taken; never edited (a mistake is a new
    record)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="information")
    given_on = models.DateField(_("date"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    given_for = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8)
    format = models.CharField(_("format"), max_length=16, choices=InformationFormat.choices)
    topics = models.JSONField(_("topics"), default=list)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-given_on", "-id"]
        verbose_name = _("information given to the person")
        verbose_name_plural = _("information given to the person")

    def __str__(self) -> str:
        return f"information given on {self.case}"

    def topic_labels(self) -> list[str]:
        labels = dict(InformationTopic.choices)
        return [str(labels.get(code, code)) for code in self.topics]
