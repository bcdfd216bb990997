"""Civil and criminal proceedings (issue 3 §9, template §7, SOP V) and the no-contact list
(SOP-P13: the person never meets a suspect)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.encrypted import EncryptedTextField
from opentrm.core.models import SoftDeletable, TimeStampedModel, VersionedModel


class ProceedingKind(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal proceedings")
    CIVIL = "civil", _("Civil proceedings")


class CourtDecision(models.TextChoices):
    SENTENCED = "sentenced", _("Trafficker sentenced")
    RELEASED = "released", _("Trafficker released")
    UNDERWAY = "underway", _("Proceedings underway")


class Proceeding(VersionedModel):
    """One set of proceedings in one country. Yes/no answers are null while unknown."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="proceedings")
    country_code = models.CharField(_("country"), max_length=2)
    kind = models.CharField(_("proceedings"), max_length=10, choices=ProceedingKind.choices)
    initiated = models.BooleanField(_("case initiated"), null=True, blank=True)
    reference = models.CharField(_("court or police reference"), max_length=100, blank=True)
    statement_taken = models.BooleanField(_("statement taken by the police"), null=True, blank=True)
    testified = models.BooleanField(_("testified in court"), null=True, blank=True)
    compensation_claimed = models.BooleanField(_("compensation claim filed"), null=True, blank=True)
    compensation_obtained = models.BooleanField(_("compensation obtained"), null=True, blank=True)
    court_decision = models.CharField(
        _("court decision"), max_length=10, choices=CourtDecision.choices, blank=True
    )
    legal_status = models.CharField(_("legal status of the victim"), max_length=200, blank=True)
    support_before_trial = models.BooleanField(
        _("victim-witness support before the trial"), default=False
    )
    support_during_trial = models.BooleanField(
        _("victim-witness support during the trial"), default=False
    )
    support_after_trial = models.BooleanField(
        _("victim-witness support after the trial"), default=False
    )
    comments = EncryptedTextField(_("comments"), blank=True)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "country_code", "kind", "id"]
        verbose_name = _("proceedings")
        verbose_name_plural = _("proceedings")
        constraints = [
            models.UniqueConstraint(
                "case", "country_code", "kind", name="cases_proceeding_once_per_country"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} proceedings {self.pk} on {self.case}"


class NoContactPerson(TimeStampedModel, SoftDeletable):
    """Someone the person must never meet (a suspect, usually). Removal is soft and audited."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="no_contact")
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("who this is"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # SoftDeletable's fields, redeclared: a person is taken off the list.
    deleted_at = models.DateTimeField(
        _("taken off the list at"), null=True, blank=True, editable=False
    )
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken off the list by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    deletion_reason = models.TextField(_("why taken off the list"), blank=True, editable=False)

    class Meta:
        ordering = ["case", "name", "id"]
        verbose_name = _("person on the no-contact list")
        verbose_name_plural = _("no-contact list")

    def __str__(self) -> str:
        return f"no-contact entry {self.pk} on {self.case}"


class HearingKind(models.TextChoices):
    POLICE_INTERVIEW = "police_interview", _("Police interview")
    PROSECUTOR_INTERVIEW = "prosecutor_interview", _("Interview by the prosecutor")
    COURT_HEARING = "court_hearing", _("Court hearing")
    CONFRONTATION = "confrontation", _("Identification or confrontation")
    OTHER = "other", _("Other")


class Hearing(VersionedModel):
    """An interview or hearing with the person. When someone on the no-contact list is
    involved, scheduling needs the arrangements that keep them apart."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="hearings")
    proceeding = models.ForeignKey(
        Proceeding, on_delete=models.SET_NULL, null=True, blank=True, related_name="hearings"
    )
    kind = models.CharField(_("type"), max_length=24, choices=HearingKind.choices)
    scheduled_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    participants = EncryptedTextField(_("other people attending"), blank=True)
    # Who may read ``participants`` (issue 17 §8): the field group the writer chose among those
    # she may view of the case, as for notes and documents; the hearing itself is proceedings.
    participants_group = models.CharField(
        _("people attending visible to those who see"),
        max_length=20,
        default="proceedings",
    )
    involved_no_contact = models.ManyToManyField(
        NoContactPerson, verbose_name=_("people on the no-contact list involved"), blank=True
    )
    separation_arrangements = EncryptedTextField(
        _("arrangements that keep the person apart from them"), blank=True
    )
    video_recorded = models.BooleanField(_("video-recorded"), default=False)
    guardian_present = models.CharField(
        _("guardian or parent present"),
        max_length=200,
        blank=True,
        help_text=_("Required for an interview of a child (SOP-P11)."),
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["case", "scheduled_at", "id"]
        verbose_name = _("interview or hearing")
        verbose_name_plural = _("interviews and hearings")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} on {self.case}"
