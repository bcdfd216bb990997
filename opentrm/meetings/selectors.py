"""Reads of meetings, always from ``Meeting.objects.visible_to``; a meeting on a case is shown
only where the case's field-group rule lets the reader see it."""

from collections.abc import Mapping
from typing import Any

from opentrm.accounts.policy import Action, Actor, can
from opentrm.agreements.models import Agreement
from opentrm.agreements.models import Meeting as ScheduledAgreementMeeting
from opentrm.cases.models import Case
from opentrm.meetings.access import case_meeting_kinds
from opentrm.meetings.models import ActionItem, Decision, Meeting, Participant


def meeting_list(*, actor: Actor, kind: str = "") -> list[Meeting]:
    meetings = Meeting.objects.visible_to(actor).select_related("country", "organiser", "case")
    if kind:
        meetings = meetings.filter(kind=kind)
    return [
        meeting
        for meeting in meetings.order_by("-held_on", "-id")[:500]
        if meeting.case_id is None or can(actor, Action.MEETING_VIEW, meeting)
    ]


def scheduled_without_record(*, actor: Actor) -> list[ScheduledAgreementMeeting]:
    """Meetings scheduled on agreements the actor may change, not cancelled, with no record
    yet: the meetings page offers to record their minutes."""
    if not actor.may(Action.AGREEMENT_EDIT):
        return []
    with_open_meetings = (
        Agreement.objects.visible_to(actor)
        .filter(meetings__deleted_at__isnull=True, meetings__record__isnull=True)
        .distinct()
        .prefetch_related("versions__parties")  # what the agreement rule reads
    )
    agreements = [a for a in with_open_meetings if can(actor, Action.AGREEMENT_EDIT, a)]
    return list(
        ScheduledAgreementMeeting.objects.live()
        .filter(agreement__in=agreements, record__isnull=True)
        .select_related("agreement")
        .order_by("held_on", "id")
    )


def meeting_detail_parts(
    meeting: Meeting,
) -> tuple[list[Participant], list[Decision], list[ActionItem]]:
    return (
        list(meeting.participants.select_related("organisation", "organisation__country")),
        list(meeting.decisions.all()),
        list(meeting.action_items.select_related("owner", "done_by")),
    )


def my_action_items(
    *, actor: Actor, done_shown: int = 20
) -> tuple[list[ActionItem], list[ActionItem]]:
    """The actor's open action items (soonest first) and the last ones done, of meetings the
    actor may still see."""
    mine = ActionItem.objects.filter(owner=actor.user).select_related(
        "meeting", "meeting__case", "meeting__agreement"
    )
    open_items = [
        item
        for item in mine.filter(done_at__isnull=True).order_by("due_on", "id")
        if can(actor, Action.MEETING_VIEW, item.meeting)
    ]
    done = [
        item
        for item in mine.filter(done_at__isnull=False).order_by("-done_at", "-id")[:done_shown]
        if can(actor, Action.MEETING_VIEW, item.meeting)
    ]
    return open_items, done


def case_meetings_panel(actor: Actor, case: Case) -> Mapping[str, Any] | None:
    """The case page's meetings panel (``cases.panels``): the meetings on the case of the kinds
    the reader may read, and whether the reader may record one; nothing when neither."""
    readable = case_meeting_kinds(actor, case, edit=False)
    may_record = bool(case_meeting_kinds(actor, case, edit=True))
    if not readable:
        return None
    meetings = list(
        Meeting.objects.filter(case=case, kind__in=readable).order_by("-held_on", "-id")
    )
    return {"case": case, "meetings": meetings, "may_record": may_record}
