"""Writes of meetings: record a meeting (on a case, from an agreement's scheduled meeting, or
any other), change its agenda and minutes, add participants, decisions and action items,
complete an action item, and the daily reminder of action items due.

Each write is atomic and audited in the same transaction (ids and field names only). Reads of a
meeting on a case are audited too (``meeting_read``), as every read of a case file is.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.agreements.models import Meeting as ScheduledAgreementMeeting
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case
from opentrm.core.concurrency import change_if_unchanged, save_if_unchanged
from opentrm.directory.models import Organisation
from opentrm.meetings.access import case_meeting_allowed, user_sees_meeting
from opentrm.meetings.models import (
    CASE_KINDS,
    ActionItem,
    Decision,
    Meeting,
    MeetingKind,
    Participant,
)

MEETING_FIELDS = ("title", "held_on", "place", "agenda", "minutes")
# What a new meeting is recorded with (its minutes come later).
RECORD_FIELDS = ("kind", "title", "held_on", "place", "agenda")
# Kinds recorded from the meetings page; case kinds start on a case, agreement meetings from the
# agreement's scheduled meeting.
GENERAL_KINDS = tuple(
    kind for kind in MeetingKind if kind not in CASE_KINDS and kind != MeetingKind.AGREEMENT
)


def _audit(event_type: EventType, *, actor: Actor, meeting: Meeting, **detail: object) -> None:
    if meeting.case_id is not None:
        detail["case_id"] = meeting.case_id
    record_event(event_type=event_type, actor=actor, target=meeting, detail=detail or None)


def _require_recorder(actor: Actor, meeting: Meeting) -> None:
    if not can(actor, Action.MEETING_RECORD, meeting):
        raise PermissionDenied


def _new(actor: Actor, **values: object) -> Meeting:
    assert actor.membership is not None  # callers required an action only members hold
    organisation = actor.membership.organisation
    meeting = Meeting(
        country_id=organisation.country_id,
        organiser=organisation,
        recorded_by=actor.user,
        updated_by=actor.user,
        **values,
    )
    meeting.full_clean()
    meeting.save()
    Participant.objects.create(meeting=meeting, organisation=organisation)
    _audit(EventType.MEETING_RECORDED, actor=actor, meeting=meeting, kind=meeting.kind)
    return meeting


@transaction.atomic
def meeting_record(
    *,
    actor: Actor,
    kind: str,
    title: str,
    held_on: date,
    place: str = "",
    agenda: str = "",
) -> Meeting:
    """A roundtable, working group or bilateral meeting of the actor's country."""
    require(actor, Action.MEETING_RECORD)
    if kind not in GENERAL_KINDS:
        raise ValidationError({"kind": _("Record a meeting on a case from the case.")})
    return _new(actor, kind=kind, title=title.strip(), held_on=held_on, place=place, agenda=agenda)


@transaction.atomic
def case_meeting_record(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    title: str,
    held_on: date,
    place: str = "",
    agenda: str = "",
) -> Meeting:
    """A meeting on ``case``: only for those who may write the case's field group of it."""
    if kind not in CASE_KINDS:
        raise ValidationError({"kind": _("Choose a kind of meeting on a case.")})
    if not case_meeting_allowed(actor, case, kind, edit=True):
        raise PermissionDenied
    return _new(
        actor,
        kind=kind,
        case=case,
        title=title.strip(),
        held_on=held_on,
        place=place,
        agenda=agenda,
    )


@transaction.atomic
def agreement_meeting_record(*, actor: Actor, scheduled: ScheduledAgreementMeeting) -> Meeting:
    """The record (minutes, decisions, action items) of a meeting scheduled on an agreement:
    made once, with its date and subject and the agreement's parties as participants; later
    calls return the same record."""
    agreement = scheduled.agreement
    require(actor, Action.AGREEMENT_EDIT, agreement)
    ScheduledAgreementMeeting.objects.select_for_update().filter(pk=scheduled.pk).first()
    existing = Meeting.objects.filter(scheduled_meeting=scheduled).first()
    if existing is not None:
        return existing
    if scheduled.is_deleted:
        raise ValidationError(_("This meeting was cancelled."))
    meeting = _new(
        actor,
        kind=MeetingKind.AGREEMENT,
        agreement=agreement,
        scheduled_meeting=scheduled,
        title=scheduled.subject,
        held_on=scheduled.held_on,
    )
    party_ids = {
        party.organisation_id
        for version in agreement.versions.all()
        for party in version.parties.all()
    } - {meeting.organiser_id}
    Participant.objects.bulk_create(
        Participant(meeting=meeting, organisation_id=pk) for pk in sorted(party_ids)
    )
    return meeting


def meeting_read(*, actor: Actor, meeting: Meeting) -> None:
    """Audit a read of a meeting on a case (its minutes are part of the case file)."""
    if meeting.case_id is not None:
        _audit(EventType.MEETING_VIEWED, actor=actor, meeting=meeting)


@transaction.atomic
def meeting_change(
    *, actor: Actor, meeting: Meeting, expected_version: int, **values: object
) -> Meeting:
    """Change the agenda, minutes and the rest of ``MEETING_FIELDS``; refused when the meeting
    was changed since the form was opened."""
    _require_recorder(actor, meeting)
    changed = change_if_unchanged(
        meeting,
        values,
        fields=MEETING_FIELDS,
        expected_version=expected_version,
        actor=actor.user,
    )
    _audit(EventType.MEETING_CHANGED, actor=actor, meeting=meeting, fields=changed)
    return meeting


@transaction.atomic
def participant_add(
    *, actor: Actor, meeting: Meeting, organisation: Organisation, person: str, role: str
) -> Participant:
    _require_recorder(actor, meeting)
    participant = Participant(
        meeting=meeting, organisation=organisation, person=person.strip(), role=role
    )
    participant.full_clean()
    participant.save()
    _audit(
        EventType.MEETING_PARTICIPANT_ADDED,
        actor=actor,
        meeting=meeting,
        organisation_id=organisation.pk,
    )
    return participant


@transaction.atomic
def decision_add(*, actor: Actor, meeting: Meeting, text: str) -> Decision:
    _require_recorder(actor, meeting)
    if not text.strip():
        raise ValidationError({"text": _("Write the decision.")})
    decision = Decision.objects.create(meeting=meeting, text=text.strip(), recorded_by=actor.user)
    _audit(EventType.MEETING_DECISION_ADDED, actor=actor, meeting=meeting, decision_id=decision.pk)
    return decision


def owner_candidates(meeting: Meeting) -> list[User]:
    """Users who may own an action item of ``meeting``: active members of its organiser or of
    a participating organisation who may see the meeting."""
    org_ids = {
        meeting.organiser_id,
        *meeting.participants.values_list("organisation_id", flat=True),
    }
    users = (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__organisation_id__in=org_ids,
            memberships__organisation__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username", "pk")
    )
    return [user for user in users if user_sees_meeting(user, meeting)]


@transaction.atomic
def action_item_add(
    *, actor: Actor, meeting: Meeting, title: str, owner: User, due_on: date
) -> ActionItem:
    """An action for ``owner``, who must be able to see the meeting (on a case: the case's
    field group), else the item would point at minutes they may not read."""
    _require_recorder(actor, meeting)
    if owner.pk not in {user.pk for user in owner_candidates(meeting)}:
        raise ValidationError({"owner": _("This person may not see this meeting.")})
    item = ActionItem(
        meeting=meeting, title=title.strip(), owner=owner, due_on=due_on, updated_by=actor.user
    )
    item.full_clean()
    item.save()
    _audit(
        EventType.ACTION_ITEM_CREATED,
        actor=actor,
        meeting=meeting,
        action_item_id=item.pk,
        owner_id=owner.pk,
    )
    return item


@transaction.atomic
def action_item_complete(*, actor: Actor, item: ActionItem, expected_version: int) -> ActionItem:
    require(actor, Action.ACTION_ITEM_COMPLETE, item)
    if item.done_at is not None:
        raise ValidationError(_("This action is already done."))
    item.done_at = timezone.now()
    item.done_by = actor.user
    save_if_unchanged(
        item, expected_version=expected_version, fields=["done_at", "done_by"], actor=actor.user
    )
    _audit(
        EventType.ACTION_ITEM_COMPLETED, actor=actor, meeting=item.meeting, action_item_id=item.pk
    )
    return item


# --- Reminders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderResult:
    emails: int = 0
    items: int = 0
    no_address: int = 0
    failed: int = 0


def _claim(item_ids: list[int], today: date) -> list[ActionItem]:
    """Mark the items reminded today; those another run has not claimed already. Bookkeeping,
    not an edit: the version stays."""
    with transaction.atomic():
        claimed = list(
            ActionItem.objects.select_for_update(of=("self",))
            .filter(pk__in=item_ids, done_at__isnull=True)
            .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
            .select_related("meeting", "meeting__case")
            .order_by("due_on", "id")
        )
        ActionItem.objects.filter(pk__in=[item.pk for item in claimed]).update(
            last_reminded_on=today
        )
    return claimed


def _digest(user: User, items: list[ActionItem], today: date) -> EmailMessage:
    """Action titles and dates, the case number for a meeting on a case: never the minutes."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = ngettext(
            "OpenTRM: %(count)d action item due or overdue",
            "OpenTRM: %(count)d action items due or overdue",
            len(items),
        ) % {"count": len(items)}
        body = render_to_string(
            "meetings/action_item_reminder_email.txt",
            {"items": items, "today": today, "node": settings.OPENTRM_NODE_NAME},
        )
    return EmailMessage(subject=subject, body=body, to=[user.email])


def action_item_reminders_send(
    *, days: int | None = None, today: date | None = None
) -> ReminderResult:
    """E-mail each owner one digest of their open action items due within ``days`` (default
    ``OPENTRM_TASK_REMINDER_DAYS``, as for tasks) and overdue, at most once a day per item; an
    item whose e-mail failed is tried again on the next run."""
    day = today or timezone.localdate()
    horizon = settings.OPENTRM_TASK_REMINDER_DAYS if days is None else max(days, 0)
    due = (
        ActionItem.objects.filter(
            done_at__isnull=True, owner__is_active=True, due_on__lte=day + timedelta(days=horizon)
        )
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=day))
        .select_related("owner", "meeting", "meeting__case")
        .order_by("owner_id", "due_on", "id")
    )
    by_owner: dict[int, list[ActionItem]] = defaultdict(list)
    for item in due:
        # An owner who no longer sees the meeting (left the case, the organisation) is not
        # mailed about it: the e-mail would tell them of a case they may not see.
        if user_sees_meeting(item.owner, item.meeting):
            by_owner[item.owner_id].append(item)
    emails = reminded = no_address = failed = 0
    for items in by_owner.values():
        owner = items[0].owner
        if not owner.email:
            no_address += len(items)
            continue
        claimed = _claim([item.pk for item in items], day)
        if not claimed:
            continue
        try:
            _digest(owner, claimed, day).send()
        except Exception:  # any transport error: go on with the others, retry tomorrow
            ActionItem.objects.filter(pk__in=[item.pk for item in claimed]).update(
                last_reminded_on=None
            )
            failed += 1
            continue
        emails += 1
        reminded += len(claimed)
    if emails or failed:
        record_event(
            event_type=EventType.ACTION_ITEM_REMINDERS_SENT,
            actor=None,
            detail={"emails": emails, "items": reminded, "failed": failed},
        )
    return ReminderResult(emails=emails, items=reminded, no_address=no_address, failed=failed)
