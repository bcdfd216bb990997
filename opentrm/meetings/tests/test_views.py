"""The meeting pages drive the services: a recorder's POSTs become the meeting's record."""

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.agreements import services as agreement_services
from opentrm.agreements.tests.factories import editor, make_agreement
from opentrm.cases.services import case_register
from opentrm.meetings.models import Meeting, MeetingKind


def test_a_coordinator_records_a_roundtable_with_its_decisions_and_actions(world: World) -> None:
    client = browser(world, Role.NATIONAL_COORDINATOR)
    today = timezone.localdate()
    response = client.post(
        reverse("meetings:meeting_create"),
        {
            "kind": MeetingKind.WORKING_GROUP,
            "title": "Working group on SOP 4",
            "held_on": today.isoformat(),
            "agenda": "Return procedures",
        },
    )
    meeting = Meeting.objects.get(title="Working group on SOP 4")
    assert response["Location"] == reverse("meetings:meeting_detail", args=[meeting.pk])
    assert (meeting.country_id, meeting.organiser_id) == (world.country_a.pk, world.agency_a.pk)

    client.post(
        reverse("meetings:participant_add", args=[meeting.pk]),
        {"organisation": world.agency_b.pk, "person": "Liaison officer", "role": "expert"},
    )
    client.post(reverse("meetings:decision_add", args=[meeting.pk]), {"text": "Adopt the form"})
    client.post(
        reverse("meetings:meeting_edit", args=[meeting.pk]),
        {
            "title": meeting.title,
            "held_on": today.isoformat(),
            "agenda": meeting.agenda,
            "minutes": "The group met.",
            "version": meeting.version,
        },
    )
    client.post(
        reverse("meetings:action_item_add", args=[meeting.pk]),
        {
            "title": "Send the form to the focal points",
            "owner": world.user(Role.CASE_MANAGER, org="b").pk,
            "due_on": (today + timedelta(days=7)).isoformat(),
        },
    )

    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Liaison officer" in page
    assert "Adopt the form" in page
    assert "The group met." in page
    assert "Send the form to the focal points" in page
    # The owner, in the participating organisation abroad, finds it on their page.
    mine = browser(world, Role.CASE_MANAGER, org="b").get(reverse("meetings:my_action_items"))
    assert "Send the form to the focal points" in mine.content.decode()


def test_it_offers_as_owners_only_people_who_may_read_the_case_meeting(world: World) -> None:
    case = case_register(actor=world.actor(Role.CASEWORKER))
    client = browser(world, Role.CASE_MANAGER)
    client.post(
        reverse("meetings:case_meeting_create", args=[case.public_id]),
        {
            "kind": MeetingKind.CASE_CONFERENCE,
            "title": "Conference",
            "held_on": timezone.localdate().isoformat(),
        },
    )
    meeting = Meeting.objects.get(case=case)
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    owners = page.split('name="owner"')[1].split("</select>")[0]
    assert world.user(Role.CASEWORKER).first_name in owners
    assert world.user(Role.PROSECUTOR).first_name not in owners  # no access to assistance
    assert world.user(Role.NATIONAL_COORDINATOR).first_name not in owners  # sees no case


def test_the_meetings_page_costs_the_same_for_many_agreements(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for number in range(5):
        agreement = make_agreement(world, sign=True)
        agreement_services.meeting_schedule(
            actor=editor(world),
            agreement=agreement,
            held_on=timezone.localdate() + timedelta(days=number),
            subject=f"Review {number}",
        )
    client = browser(world, Role.CASE_MANAGER)
    client.get(reverse("meetings:meeting_list"))  # the session and the actor, loaded once
    # 12: the page's own queries and the header's unread-notification counter
    with django_assert_max_num_queries(12):
        page = client.get(reverse("meetings:meeting_list")).content.decode()
    assert all(f"Review {number}" in page for number in range(5))


def test_the_api_lists_the_callers_own_action_items(world: World) -> None:
    from opentrm.meetings import services

    meeting = services.meeting_record(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        kind=MeetingKind.NATIONAL_ROUNDTABLE,
        title="Roundtable",
        held_on=timezone.localdate(),
    )
    item = services.action_item_add(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        meeting=meeting,
        title="Draft the annual report",
        owner=world.user(Role.CASE_MANAGER),
        due_on=timezone.localdate(),
    )
    url = "/api/v1/meetings/action-items"

    mine = browser(world, Role.CASE_MANAGER).get(url).json()
    others = browser(world, Role.NATIONAL_COORDINATOR).get(url).json()

    assert [(row["id"], row["title"], row["meeting_title"]) for row in mine] == [
        (item.pk, "Draft the annual report", "Roundtable")
    ]
    assert others == []
