"""Meetings and roundtables (issue 19 §6): agenda, participants with roles, minutes, decisions,
and action items with owners and due dates.

A meeting on a case (a case conference, the child roundtable, the liaison officers'
durable-solution meeting) belongs to the case: who may read or write it is the case's field-group
rule (``meetings/access.py``). An agreement meeting records the minutes of a meeting scheduled on
an agreement (``agreements.Meeting``, which keeps its date, subject and reminder).
"""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opentrm.agreements.models import Agreement
from opentrm.agreements.models import Meeting as ScheduledAgreementMeeting
from opentrm.cases.models import Case
from opentrm.core.models import TimeStampedModel, VersionedModel, recorded_by_field
from opentrm.directory.models import Country, Organisation
from opentrm.meetings.querysets import MeetingQuerySet

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # dev-only package: types only


class MeetingKind(models.TextChoices):
    NATIONAL_ROUNDTABLE = "national_roundtable", _("National roundtable")
    TRANSNATIONAL_ROUNDTABLE = "transnational_roundtable", _("Transnational roundtable")
    WORKING_GROUP = "working_group", _("Working group of national coordinators")
    BILATERAL = "bilateral", _("Bilateral meeting")
    AGREEMENT = "agreement", _("Agreement meeting")
    CASE_CONFERENCE = "case_conference", _("Case conference")
    CHILD_ROUNDTABLE = "child_roundtable", _("Child roundtable")
    DURABLE_SOLUTION = "durable_solution", _("Liaison officers' durable-solution meeting")


# Meetings on one case, and the case's field group their minutes belong to.
CASE_KINDS = (
    MeetingKind.CASE_CONFERENCE,
    MeetingKind.CHILD_ROUNDTABLE,
    MeetingKind.DURABLE_SOLUTION,
)


class ParticipantRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")
    EXPERT = "expert", _("Expert")
    OBSERVER = "observer", _("Observer")


def _optional_link(to: type[models.Model], label: "StrOrPromise") -> "models.ForeignKey[Any, Any]":
    """A link the meeting may have (its case, its agreement); the linked row cannot be deleted."""
    return models.ForeignKey(
        to, verbose_name=label, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )


class Meeting(VersionedModel):
    """One meeting and its record, organised by an organisation of ``country``."""

    kind = models.CharField(_("kind"), max_length=32, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=300)
    country = models.ForeignKey(
        Country, verbose_name=_("organising country"), on_delete=models.PROTECT, related_name="+"
    )
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    case = _optional_link(Case, _("case"))
    agreement = _optional_link(Agreement, _("agreement"))
    scheduled_meeting = models.OneToOneField(
        ScheduledAgreementMeeting,
        verbose_name=_("scheduled agreement meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="record",
    )
    recorded_by = recorded_by_field()

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in CASE_KINDS], case__isnull=False)
                | (~Q(kind__in=[k.value for k in CASE_KINDS]) & Q(case__isnull=True)),
                name="meetings_meeting_case_iff_case_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MeetingKind.AGREEMENT) | Q(agreement__isnull=False),
                name="meetings_meeting_agreement_meeting_has_agreement",
            ),
        ]
        indexes = [models.Index(fields=["held_on"], name="meetings_meeting_held_on_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_on_case(self) -> bool:
        return self.kind in CASE_KINDS


def _of_meeting(related_name: str) -> "models.ForeignKey[Any, Any]":
    """The meeting a row of its record belongs to; it goes with the meeting."""
    return models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name=related_name
    )


class Participant(TimeStampedModel):
    """Who took part, for which organisation, in which role."""

    meeting = _of_meeting("participants")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.CharField(_("name or position"), max_length=200, blank=True)
    role = models.CharField(
        _("role"), max_length=20, choices=ParticipantRole.choices, default=ParticipantRole.MEMBER
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.organisation_id}"


class Decision(TimeStampedModel):
    meeting = _of_meeting("decisions")
    text = models.TextField(_("decision"))
    recorded_by = recorded_by_field()

    class Meta:
        ordering = ["id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.pk}"


class ActionItem(VersionedModel):
    """Something a named person does by a date; it shows on their "My action items" page and
    the daily reminder mails them when it is due."""

    meeting = _of_meeting("action_items")
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [
            models.Index(
                fields=["owner", "done_at", "due_on"], name="meetings_actionitem_owner_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title
