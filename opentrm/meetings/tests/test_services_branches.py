"""Meetings at their edges: the wrong kind of meeting in the wrong place, a cancelled agreement
meeting, empty decisions, an item done twice, reminders nobody can receive, and the access
functions' 404 and 403."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from conftest import World, build_world
from opentrm.accounts.policy import Action, Actor, can
from opentrm.accounts.roles import Role
from opentrm.agreements import services as agreement_services
from opentrm.agreements.tests.factories import editor
from opentrm.core.tests.threads import rival_write
from opentrm.meetings import services
from opentrm.meetings.access import access_action_item, access_case_for_meeting, access_meeting
from opentrm.meetings.models import ActionItem, Meeting, MeetingKind
from opentrm.meetings.tests.test_meetings import (
    _case,
    _conference,
    _item,
    _roundtable,
    scheduled_review,
)


def test_a_case_kind_of_meeting_is_refused_outside_a_case(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.meeting_record(
            actor=world.actor(Role.NATIONAL_COORDINATOR),
            kind=MeetingKind.CASE_CONFERENCE,
            title="Placement review",
            held_on=timezone.localdate(),
        )
    assert refused.value.message_dict == {"kind": ["Record a meeting on a case from the case."]}
    assert not Meeting.objects.exists()


def test_a_general_kind_of_meeting_is_refused_on_a_case(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.case_meeting_record(
            actor=world.actor(Role.CASE_MANAGER),
            case=_case(world),
            kind=MeetingKind.NATIONAL_ROUNDTABLE,
            title="Spring roundtable",
            held_on=timezone.localdate(),
        )
    assert refused.value.message_dict == {"kind": ["Choose a kind of meeting on a case."]}
    assert not Meeting.objects.exists()


def test_a_cancelled_agreement_meeting_gets_no_record(world: World) -> None:
    scheduled = scheduled_review(world)
    agreement_services.meeting_cancel(
        actor=editor(world),
        agreement=scheduled.agreement,
        meeting_id=scheduled.pk,
        reason="No quorum.",
    )
    scheduled.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.agreement_meeting_record(actor=editor(world), scheduled=scheduled)
    assert refused.value.messages == ["This meeting was cancelled."]
    assert not Meeting.objects.exists()


def test_a_blank_decision_is_refused(world: World) -> None:
    meeting = _roundtable(world)
    with pytest.raises(ValidationError) as refused:
        services.decision_add(
            actor=world.actor(Role.NATIONAL_COORDINATOR), meeting=meeting, text="  \n "
        )
    assert refused.value.message_dict == {"text": ["Write the decision."]}
    assert not meeting.decisions.exists()


def test_an_item_done_once_cannot_be_done_again(world: World) -> None:
    item = _item(world, _roundtable(world), "Book the room", Role.CASE_MANAGER)
    owner = world.actor(Role.CASE_MANAGER)
    done = services.action_item_complete(actor=owner, item=item, expected_version=item.version)
    with pytest.raises(ValidationError) as refused:
        services.action_item_complete(actor=owner, item=done, expected_version=done.version)
    assert refused.value.messages == ["This action is already done."]
    assert ActionItem.objects.get(pk=item.pk).done_at == done.done_at


def test_an_owner_without_an_email_address_is_counted_not_mailed(world: World) -> None:
    owner = world.user(Role.CASE_MANAGER)
    owner.email = ""
    owner.save(update_fields=["email"])
    item = _item(world, _roundtable(world), "Book the room", Role.CASE_MANAGER, days=1)
    result = services.action_item_reminders_send(days=3)
    assert (result.emails, result.items, result.no_address) == (0, 0, 1)
    assert mail.outbox == []
    item.refresh_from_db()
    assert item.last_reminded_on is None  # reminded once an address is known


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,  # discard: nothing listens
    EMAIL_TIMEOUT=2,
)
def test_a_reminder_that_could_not_be_sent_is_tried_again_the_next_run(world: World) -> None:
    item = _item(world, _roundtable(world), "Book the room", Role.CASE_MANAGER, days=1)
    result = services.action_item_reminders_send(days=3)
    assert (result.emails, result.items, result.failed) == (0, 0, 1)
    item.refresh_from_db()
    assert item.last_reminded_on is None


def test_changing_a_meeting_one_may_only_read_is_refused(world: World) -> None:
    meeting = _roundtable(world)
    caseworker = world.actor(Role.CASEWORKER)
    assert access_meeting(caseworker, meeting.pk) == meeting
    with pytest.raises(PermissionDenied):
        access_meeting(caseworker, meeting.pk, action="change")


def test_a_case_the_actor_may_record_no_meeting_on_is_refused(world: World) -> None:
    case = _case(world)
    with pytest.raises(PermissionDenied):
        access_case_for_meeting(world.actor(Role.INTERPRETER), str(case.public_id))


def test_an_action_item_is_completed_only_by_its_owner_or_the_recorders(world: World) -> None:
    item = _item(world, _roundtable(world), "Book the room", Role.CASE_MANAGER)
    assert access_action_item(world.actor(Role.CASE_MANAGER), item.pk) == item
    with pytest.raises(PermissionDenied):
        access_action_item(world.actor(Role.CASEWORKER), item.pk)
    with pytest.raises(Http404):
        access_action_item(world.actor(Role.CASE_MANAGER), item.pk + 1000)


def test_an_item_of_a_case_meeting_the_actor_does_not_see_is_missing(world: World) -> None:
    meeting = _conference(world, _case(world))
    item = _item(world, meeting, "Call the shelter", Role.CASEWORKER, by=Role.CASE_MANAGER)
    with pytest.raises(Http404):
        access_action_item(world.actor(Role.CASE_MANAGER, org="b"), item.pk)


def test_a_user_acting_for_no_organisation_sees_no_meeting(world: World) -> None:
    meeting = _roundtable(world)
    nobody = Actor(user=world.user(Role.NATIONAL_COORDINATOR), membership=None)
    assert not can(nobody, Action.MEETING_VIEW, meeting)


@pytest.mark.django_db(transaction=True)
def test_items_another_run_reminded_meanwhile_are_not_mailed_twice() -> None:
    """Two reminder runs at once (two workers, or a retry): the run that finds its items
    claimed by the other while it was reading sends nothing about them."""
    world = build_world()
    item = _item(world, _roundtable(world), "Book the room", Role.CASE_MANAGER, days=1)
    today = timezone.localdate()
    other_run = ActionItem.objects.filter(pk=item.pk)
    with rival_write(lambda: other_run.update(last_reminded_on=today)):
        result = services.action_item_reminders_send(days=3, today=today)
    assert (result.emails, result.items, result.failed) == (0, 0, 0)
    assert mail.outbox == []
    assert ActionItem.objects.get(pk=item.pk).last_reminded_on == today
