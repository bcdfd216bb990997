"""Meetings: action items reach their owners; a meeting on a case follows the case's rules."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.agreements import services as agreement_services
from opentrm.agreements.models import Meeting as ScheduledAgreementMeeting
from opentrm.agreements.tests.factories import editor, make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.tests.factories import new_case
from opentrm.core.errors import ConflictError
from opentrm.meetings import services
from opentrm.meetings.models import ActionItem, Meeting, MeetingKind


def _roundtable(world: World) -> Meeting:
    return services.meeting_record(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        kind=MeetingKind.NATIONAL_ROUNDTABLE,
        title="Spring roundtable",
        held_on=timezone.localdate(),
        agenda="1. Referral statistics",
    )


def _case(world: World) -> Case:
    return new_case(world)  # agency A's interpreter assigned: they see only such cases


def _conference(world: World, case: Case, kind: str = MeetingKind.CASE_CONFERENCE) -> Meeting:
    meeting = services.case_meeting_record(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        kind=kind,
        title="Placement review",
        held_on=timezone.localdate(),
    )
    return _minutes(world, meeting, "Agreed the shelter placement continues.", Role.CASE_MANAGER)


def _minutes(world: World, meeting: Meeting, minutes: str, role: Role, org: str = "a") -> Meeting:
    """``org``'s member with ``role`` writes ``minutes`` into ``meeting``, at its version."""
    return services.meeting_change(
        actor=world.actor(role, org=org),
        meeting=meeting,
        expected_version=meeting.version,
        minutes=minutes,
    )


def _item(
    world: World,
    meeting: Meeting,
    title: str,
    owner: Role,
    *,
    by: Role = Role.NATIONAL_COORDINATOR,
    days: int = 0,
) -> ActionItem:
    """An action item of ``meeting`` for agency A's ``owner``, due in ``days``, added by ``by``."""
    return services.action_item_add(
        actor=world.actor(by),
        meeting=meeting,
        title=title,
        owner=world.user(owner),
        due_on=timezone.localdate() + timedelta(days=days),
    )


def scheduled_review(world: World) -> ScheduledAgreementMeeting:
    """An annual review scheduled in three days on a signed agreement of agencies A and B."""
    return agreement_services.meeting_schedule(
        actor=editor(world),
        agreement=make_agreement(world, sign=True),
        held_on=timezone.localdate() + timedelta(days=3),
        subject="Annual review",
    )


# --- action items -----------------------------------------------------------------------------


def test_it_shows_an_action_item_on_its_owners_page_and_nobody_elses(world: World) -> None:
    meeting = _roundtable(world)
    _item(world, meeting, "Circulate the draft SOP summary", Role.CASE_MANAGER, days=5)
    url = reverse("meetings:my_action_items")

    owners_page = browser(world, Role.CASE_MANAGER).get(url)
    others_page = browser(world, Role.NATIONAL_COORDINATOR).get(url)

    assert owners_page.status_code == 200
    assert "Circulate the draft SOP summary" in owners_page.content.decode()
    assert "Circulate the draft SOP summary" not in others_page.content.decode()
    assert "No open action items." in others_page.content.decode()


def test_the_owner_marks_an_item_done_from_their_page(world: World) -> None:
    meeting = _roundtable(world)
    item = _item(world, meeting, "Book the room", Role.CASE_MANAGER)
    client = browser(world, Role.CASE_MANAGER)

    response = client.post(
        reverse("meetings:action_item_done", args=[item.pk]),
        {"version": item.version, "next": "mine"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:my_action_items")
    item.refresh_from_db()
    assert item.done_at is not None
    assert item.done_by == world.user(Role.CASE_MANAGER)
    assert (
        "Book the room"
        not in client.get(response["Location"]).content.decode().split("Done recently")[0]
    )


def test_a_stranger_cannot_complete_someone_elses_item(world: World) -> None:
    meeting = _roundtable(world)
    item = _item(world, meeting, "Book the room", Role.CASE_MANAGER)
    with pytest.raises(PermissionDenied):
        services.action_item_complete(
            actor=world.actor(Role.CASEWORKER), item=item, expected_version=item.version
        )


def test_it_reminds_owners_of_items_due_once_a_day(world: World) -> None:
    today = timezone.localdate()
    meeting = _roundtable(world)
    for title, days in (("Due soon", 2), ("Overdue", -1), ("Far ahead", 30)):
        _item(world, meeting, title, Role.CASE_MANAGER, days=days)

    first = services.action_item_reminders_send(days=3, today=today)
    again = services.action_item_reminders_send(days=3, today=today)

    assert (first.emails, first.items) == (1, 2)
    assert (again.emails, again.items) == (0, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.user(Role.CASE_MANAGER).email]
    body = mail.outbox[0].body
    assert "Due soon" in body
    assert "Overdue" in body
    assert "Far ahead" not in body
    assert "Referral statistics" not in body  # never the agenda or minutes
    assert services.action_item_reminders_send(days=3, today=today + timedelta(days=1)).emails == 1


def test_it_does_not_remind_an_owner_who_may_no_longer_see_the_case_meeting(
    world: World,
) -> None:
    case = _case(world)
    meeting = _conference(world, case)
    _item(world, meeting, "Call the shelter", Role.CASEWORKER, by=Role.CASE_MANAGER)
    membership = world.members_a[Role.CASEWORKER]
    membership.role = Role.PROSECUTOR  # no access to the case's assistance records any more
    membership.save()

    result = services.action_item_reminders_send(days=3)

    assert result.emails == 0
    assert mail.outbox == []
    page = browser(world, Role.CASEWORKER).get(reverse("meetings:my_action_items"))
    assert "Call the shelter" not in page.content.decode()


# --- meetings on a case follow the case --------------------------------------------------------


def test_it_refuses_case_conference_minutes_to_users_without_access_to_the_case(
    world: World,
) -> None:
    case = _case(world)
    meeting = _conference(world, case)
    url = reverse("meetings:meeting_detail", args=[meeting.pk])

    # Another organisation, not on the case: the meeting does not exist for it.
    outsider = browser(world, Role.CASE_MANAGER, org="b").get(url)
    # The case's own organisation, a role that may not read the case's assistance records.
    prosecutor = browser(world, Role.PROSECUTOR).get(url)
    # A role without case work at all: not even the meeting's country opens it.
    coordinator = browser(world, Role.NATIONAL_COORDINATOR).get(url)
    caseworker = browser(world, Role.CASEWORKER).get(url)

    assert outsider.status_code == 404
    assert prosecutor.status_code == 403
    assert coordinator.status_code == 404
    for refused in (outsider, prosecutor, coordinator):
        assert b"shelter placement" not in refused.content
    assert caseworker.status_code == 200
    assert "Agreed the shelter placement continues." in caseworker.content.decode()
    meetings = reverse("meetings:meeting_list")
    for role, org in ((Role.CASE_MANAGER, "b"), (Role.PROSECUTOR, "a")):
        assert "Placement review" not in browser(world, role, org).get(meetings).content.decode()
    assert "Placement review" in browser(world, Role.CASEWORKER).get(meetings).content.decode()


def test_it_audits_every_read_and_write_of_a_case_meeting(world: World) -> None:
    case = _case(world)
    meeting = _conference(world, case)
    browser(world, Role.CASEWORKER).get(reverse("meetings:meeting_detail", args=[meeting.pk]))

    events = list(
        AuditEvent.objects.filter(target_type="meetings.meeting", target_id=str(meeting.pk))
        .order_by("sequence")
        .values_list("event_type", "detail")
    )
    assert [event for event, _detail in events] == [
        EventType.MEETING_RECORDED,
        EventType.MEETING_CHANGED,
        EventType.MEETING_VIEWED,
    ]
    assert all(detail["case_id"] == case.pk for _event, detail in events)
    assert "shelter" not in str(events)  # ids and field names only


def test_it_refuses_writing_case_minutes_without_edit_access_to_the_field_group(
    world: World,
) -> None:
    case = _case(world)
    meeting = _conference(world, case)
    with pytest.raises(PermissionDenied):  # the police read assistance, may not change it
        _minutes(world, meeting, "Changed", Role.POLICE_INVESTIGATOR)
    with pytest.raises(PermissionDenied):
        services.case_meeting_record(
            actor=world.actor(Role.CASE_MANAGER, org="b"),
            case=case,
            kind=MeetingKind.CASE_CONFERENCE,
            title="Not ours",
            held_on=timezone.localdate(),
        )
    meeting.refresh_from_db()
    assert meeting.minutes == "Agreed the shelter placement continues."


def test_the_child_roundtable_follows_the_child_protection_group(world: World) -> None:
    case = _case(world)
    meeting = _conference(world, case, kind=MeetingKind.CHILD_ROUNDTABLE)
    url = reverse("meetings:meeting_detail", args=[meeting.pk])

    # The interpreter reads identity only; the police read child protection but not change it.
    assert browser(world, Role.INTERPRETER).get(url).status_code == 403
    assert browser(world, Role.POLICE_INVESTIGATOR).get(url).status_code == 200
    with pytest.raises(PermissionDenied):
        services.decision_add(
            actor=world.actor(Role.POLICE_INVESTIGATOR), meeting=meeting, text="No"
        )
    services.decision_add(actor=world.actor(Role.GUARDIAN), meeting=meeting, text="Guardian agrees")


def test_it_refuses_an_action_owner_who_may_not_read_the_case_meeting(world: World) -> None:
    case = _case(world)
    meeting = _conference(world, case)
    with pytest.raises(ValidationError) as refused:
        _item(world, meeting, "Ask the prosecutor", Role.PROSECUTOR, by=Role.CASE_MANAGER)
    assert "owner" in refused.value.message_dict


# --- other meetings ---------------------------------------------------------------------------


def test_a_coordinator_of_another_country_may_not_change_a_roundtable(world: World) -> None:
    meeting = _roundtable(world)
    with pytest.raises(PermissionDenied):
        _minutes(world, meeting, "Not ours", Role.NATIONAL_COORDINATOR, org="b")
    with pytest.raises(PermissionDenied):
        services.meeting_record(
            actor=world.actor(Role.CASEWORKER),
            kind=MeetingKind.BILATERAL,
            title="Not a recorder",
            held_on=timezone.localdate(),
        )


def test_a_transnational_roundtable_is_visible_to_a_participating_organisation(
    world: World,
) -> None:
    meeting = _roundtable(world)
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    assert browser(world, Role.CASEWORKER, org="b").get(url).status_code == 404

    services.participant_add(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        meeting=meeting,
        organisation=world.agency_b,
        person="Liaison officer",
        role="member",
    )

    assert browser(world, Role.CASEWORKER, org="b").get(url).status_code == 200


def test_it_refuses_minutes_saved_from_a_stale_form(world: World) -> None:
    meeting = _roundtable(world)
    stale = meeting.version
    services.meeting_change(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        meeting=meeting,
        expected_version=stale,
        minutes="First",
    )
    with pytest.raises(ConflictError):
        services.meeting_change(
            actor=world.actor(Role.CASE_MANAGER),
            meeting=Meeting.objects.get(pk=meeting.pk),
            expected_version=stale,
            minutes="Second",
        )
    assert Meeting.objects.get(pk=meeting.pk).minutes == "First"


def test_it_records_minutes_of_a_scheduled_agreement_meeting_once(world: World) -> None:
    scheduled = scheduled_review(world)
    client = browser(world, Role.CASE_MANAGER)
    assert "Annual review" in client.get(reverse("meetings:meeting_list")).content.decode()

    response = client.post(reverse("meetings:agreement_meeting_record", args=[scheduled.pk]))
    again = client.post(reverse("meetings:agreement_meeting_record", args=[scheduled.pk]))

    record = Meeting.objects.get(scheduled_meeting=scheduled)
    assert (
        response["Location"]
        == again["Location"]
        == reverse("meetings:meeting_detail", args=[record.pk])
    )
    assert (record.kind, record.title, record.held_on) == (
        MeetingKind.AGREEMENT,
        "Annual review",
        scheduled.held_on,
    )
    assert set(record.participants.values_list("organisation_id", flat=True)) == {
        world.agency_a.pk,
        world.agency_b.pk,
    }
    scheduled.refresh_from_db()
    assert scheduled.subject == "Annual review"
    assert scheduled.reminded_on is None
    # The other party's case manager may record decisions on it too.
    services.decision_add(
        actor=world.actor(Role.CASE_MANAGER, org="b"), meeting=record, text="Renew"
    )


def test_the_case_page_lists_its_meetings_to_those_who_may_read_them(world: World) -> None:
    case = _case(world)
    _conference(world, case)
    url = reverse("cases:case_detail", args=[case.public_id])
    record = reverse("meetings:case_meeting_create", args=[case.public_id])

    caseworker = browser(world, Role.CASEWORKER).get(url).content.decode()
    police = browser(world, Role.POLICE_INVESTIGATOR).get(url).content.decode()
    prosecutor = browser(world, Role.PROSECUTOR).get(url).content.decode()

    assert "Placement review" in caseworker
    assert record in caseworker
    assert "Placement review" in police  # reads the assistance group, may not write it
    assert record not in police
    # The prosecutor reads child protection (the child roundtable), not assistance.
    assert "Meetings on this case" in prosecutor
    assert "Placement review" not in prosecutor
    assert record not in prosecutor
    interpreter = browser(world, Role.INTERPRETER).get(url).content.decode()
    assert "Meetings on this case" not in interpreter
