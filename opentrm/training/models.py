"""The training register (issue 19 §5): training events, their curriculum by SOP, attendance."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import TimeStampedModel, VersionedModel, recorded_by_field
from opentrm.directory.models import ContactPoint, Country, Organisation
from opentrm.training.querysets import TrainingEventQuerySet


class TrainingScope(models.TextChoices):
    NATIONAL = "national", _("National")
    TRANSNATIONAL = "transnational", _("Transnational")


class TrainingEvent(VersionedModel):
    """A training course or workshop, recorded by the organising country's coordinator or
    directory editor. ``sop_codes`` is its curriculum: the SOPs of the catalogue it covers."""

    title = models.CharField(_("title"), max_length=300)
    scope = models.CharField(
        _("scope"), max_length=20, choices=TrainingScope.choices, default=TrainingScope.NATIONAL
    )
    country = models.ForeignKey(
        Country, verbose_name=_("organising country"), on_delete=models.PROTECT, related_name="+"
    )
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    sop_codes = models.JSONField(_("procedures covered"), default=list, blank=True)
    curriculum = models.TextField(_("curriculum"), blank=True)
    trainers = models.CharField(_("trainers"), max_length=300, blank=True)
    recorded_by = recorded_by_field()

    objects = TrainingEventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("training event")
        verbose_name_plural = _("training events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="training_trainingevent_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(TimeStampedModel):
    """A directory contact took part in a training event."""

    event = models.ForeignKey(
        TrainingEvent,
        verbose_name=_("training event"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    contact_point = models.ForeignKey(
        ContactPoint, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = recorded_by_field()

    class Meta:
        ordering = ["id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "contact_point"], name="training_attendance_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.contact_point_id}"
