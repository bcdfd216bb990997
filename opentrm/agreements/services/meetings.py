"""Meetings of the parties: schedule, cancel, and the reminders before them."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Actor
from opentrm.agreements import selectors, states
from opentrm.agreements.models import Agreement, Meeting
from opentrm.agreements.services._common import (
    MEETING_ROLES,
    _fresh,
    _refuse,
    _require_editor,
    audit,
)
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event


@transaction.atomic
def meeting_schedule(*, actor: Actor, agreement: Agreement, held_on: date, subject: str) -> Meeting:
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    if agreement.terminated_on is not None:
        raise _refuse(_("This agreement has been terminated; schedule no more meetings."))
    if not subject.strip():
        raise _refuse(_("Write what the meeting is about."), "subject")
    meeting = Meeting.objects.create(
        agreement=agreement, held_on=held_on, subject=subject.strip(), created_by=actor.user
    )
    audit(
        EventType.AGREEMENT_MEETING_SCHEDULED,
        actor=actor,
        agreement=agreement,
        target=meeting,
        held_on=held_on.isoformat(),
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Actor, agreement: Agreement, meeting_id: int, reason: str) -> Meeting:
    """Cancel a meeting (a soft delete with a reason)."""
    _require_editor(actor, agreement)
    meeting = (
        Meeting.objects.select_for_update()
        .live()
        .filter(pk=meeting_id, agreement=agreement)
        .first()
    )
    if meeting is None:
        raise _refuse(_("This meeting no longer exists. Reload the page."))
    if not reason.strip():
        raise _refuse(_("Give the reason for cancelling the meeting."), "reason")
    meeting.deleted_at = timezone.now()
    meeting.deleted_by = actor.user
    meeting.deletion_reason = reason.strip()
    meeting.save(update_fields=["deleted_at", "deleted_by", "deletion_reason", "updated_at"])
    audit(EventType.AGREEMENT_MEETING_CANCELLED, actor=actor, agreement=agreement, target=meeting)
    return meeting


@dataclass(frozen=True)
class MeetingReminderResult:
    meetings: int = 0
    emails: int = 0
    no_address: int = 0
    failed: int = 0


def _recipients(agreement: Agreement) -> list[User]:
    latest = states.latest_version(agreement)
    org_ids = [party.organisation_id for party in latest.parties.all()]
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.filter(
                is_active=True,
                organisation_id__in=org_ids,
                organisation__is_active=True,
                role__in=MEETING_ROLES,
            ),
        )
        .distinct()
        .order_by("pk")
    )


def _reminder(user: User, meeting: Meeting, agreement: Agreement) -> EmailMessage:
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = _("OpenTRM: meeting on %(date)s under “%(title)s”") % {
            "date": meeting.held_on.isoformat(),
            "title": agreement.title,
        }
        body = render_to_string(
            "agreements/meeting_reminder_email.txt",
            {"meeting": meeting, "agreement": agreement, "node": settings.OPENTRM_NODE_NAME},
        )
    return EmailMessage(subject=subject, body=body, to=[user.email])


def _claim(meeting_id: int, today: date) -> bool:
    with transaction.atomic():
        return (
            Meeting.objects.live()
            .filter(pk=meeting_id, reminded_on__isnull=True)
            .update(reminded_on=today)
            == 1
        )


def meeting_reminders_send(
    today: date | None = None, *, days: int | None = None
) -> MeetingReminderResult:
    """E-mail the coordinators and case managers of every party of an agreement about its
    meetings within ``days`` (default ``OPENTRM_MEETING_REMINDER_DAYS``), once per meeting.

    A meeting whose e-mails all failed is tried again on the next run.
    """
    day = today or timezone.localdate()
    horizon = settings.OPENTRM_MEETING_REMINDER_DAYS if days is None else max(days, 0)
    meetings = emails = no_address = failed = 0
    for meeting in selectors.meetings_due(day, day + timedelta(days=horizon)):
        agreement = selectors.agreement_detail(meeting.agreement_id)
        if states.is_terminated(agreement, day):
            continue
        if not _claim(meeting.pk, day):
            continue
        sent = attempted = 0
        for user in _recipients(agreement):
            if not user.email:
                no_address += 1
                continue
            attempted += 1
            try:
                _reminder(user, meeting, agreement).send()
            except Exception:  # any transport error: go on with the others
                failed += 1
                continue
            sent += 1
        if attempted and not sent:
            Meeting.objects.filter(pk=meeting.pk).update(reminded_on=None)
            continue
        meetings += 1
        emails += sent
    result = MeetingReminderResult(
        meetings=meetings, emails=emails, no_address=no_address, failed=failed
    )
    if emails or failed:
        record_event(
            event_type=EventType.AGREEMENT_MEETING_REMINDERS_SENT,
            actor=None,
            detail={"meetings": meetings, "emails": emails, "failed": failed},
        )
    return result
