"""Registration records who referred the person, through which channel and when, and routes
the new case to the country's First Point of Notification for the nomination of a case manager
(SOP-I-1, ACT-31); the information given to the person is recorded (SOP-II-1/2, DP-29)."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, member_browser, send_json
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant, InformationGiven, Task
from opentrm.cases.services import Notification, information_given_record
from opentrm.cases.tests.factories import case_page, detail_page, new_case
from opentrm.directory.models import Function, Organisation, OrganisationType, Responsibility


def _first_point(world: World, organisation: Organisation | None = None) -> Organisation:
    point = organisation or Organisation.objects.create(
        country=world.country_a,
        name="Fictional National Referral Office",
        type=OrganisationType.MINISTRY,
    )
    Responsibility.objects.create(
        country=world.country_a,
        function=Function.FIRST_POINT_OF_NOTIFICATION,
        organisation=point,
    )
    return point


def test_the_form_records_referrer_channel_and_time(world: World) -> None:
    public_id = str(uuid.uuid4())
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:case_register"),
        {
            "public_id": public_id,
            "sex": "female",
            "age_band": "over_18",
            "referrer_type": "law_enforcement",
            "referrer_organisation": world.agency_c.pk,
            "referral_channel": "police_operation",
            "notified_at": "2026-01-02T03:04",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(public_id=public_id)
    assert (case.referrer_type, case.referral_channel) == ("law_enforcement", "police_operation")
    assert case.referrer_organisation == world.agency_c
    assert timezone.localtime(case.notified_at).hour == 3
    page = case_page(world, case)
    assert "Police or border operation" in page
    assert "Agency C Outsider NGO" in page


def test_a_notification_in_the_future_is_refused_on_its_field(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        new_case(world, notification=Notification(notified_at=timezone.now() + timedelta(days=1)))
    assert "notified_at" in error.value.message_dict
    assert not Case.objects.exists()


def test_a_registration_is_routed_to_the_first_point_for_nomination(world: World) -> None:
    point = _first_point(world)
    case = new_case(world, "Fictional Routed Person")
    assert case.first_point_of_notification == point
    assert CaseParticipant.objects.filter(case=case, organisation=point, is_active=True).exists()
    task = Task.objects.get(case=case, source="nomination")
    assert task.organisation == point
    routed = AuditEvent.objects.get(event_type=EventType.CASE_ROUTED)
    assert routed.detail["organisation_id"] == point.pk
    # The first point sees the case's summary, not the person's data (no agreement, no consent).
    page = detail_page(member_browser(make_member(point, Role.CASE_MANAGER, "fpn_cm")), case)
    assert case.number in page
    assert "Fictional Routed Person" not in page


def test_the_first_point_nominates_itself_unless_the_registrant_is_the_case_manager(
    world: World,
) -> None:
    _first_point(world, world.agency_a)
    by_caseworker = new_case(world)
    assert by_caseworker.first_point_of_notification == world.agency_a
    assert Task.objects.filter(case=by_caseworker, organisation=world.agency_a).count() == 1
    by_manager = new_case(world, role=Role.CASE_MANAGER)
    assert not Task.objects.filter(case=by_manager).exists()
    assert not AuditEvent.objects.filter(event_type=EventType.CASE_ROUTED).exists()


def test_without_a_first_point_nothing_is_routed(world: World) -> None:
    case = new_case(world)
    assert case.first_point_of_notification is None
    assert list(case.participants.values_list("organisation", flat=True)) == [world.agency_a.pk]
    assert not Task.objects.filter(case=case).exists()


def test_the_api_registers_with_referrer_and_channel(world: World) -> None:
    response = send_json(
        api(world, Role.CASEWORKER),
        "/api/v1/cases/",
        {"referrer_type": "citizen", "referral_channel": "hotline"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["referrer_type"], body["referral_channel"]) == ("citizen", "hotline")
    assert body["notified_at"] is not None
    bad = send_json(
        api(world, Role.CASEWORKER), "/api/v1/cases/", {"referrer_organisation_id": 999999}
    )
    assert bad.status_code == 422


def test_information_given_is_recorded_with_date_author_language_and_format(
    world: World,
) -> None:
    case = new_case(world)
    client = browser(world, Role.CASEWORKER)
    response = client.post(
        reverse("cases:information_create", args=[case.public_id]),
        {
            "given_on": timezone.localdate().isoformat(),
            "language": "ro",
            "format": "written",
            "topics": ["assistance", "legal", "data"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    record = InformationGiven.objects.get(case=case)
    assert record.given_by == world.user(Role.CASEWORKER)
    assert record.given_for == world.agency_a
    assert "Written leaflet" in case_page(world, case)
    event = AuditEvent.objects.get(event_type=EventType.INFORMATION_GIVEN_RECORDED)
    assert event.detail["topics"] == ["assistance", "legal", "data"]
    with pytest.raises(PermissionDenied):  # a prosecutor has no assistance data
        information_given_record(
            actor=world.actor(Role.PROSECUTOR),
            case=case,
            given_on=timezone.localdate(),
            language="ro",
            format="oral",
            topics=["legal"],
        )
    with pytest.raises(ValidationError) as error:
        information_given_record(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            given_on=timezone.localdate(),
            language="ro",
            format="oral",
            topics=[],
        )
    assert "topics" in error.value.message_dict


def test_the_api_lists_and_records_information_given(world: World) -> None:
    case = new_case(world)
    url = f"/api/v1/cases/{case.public_id}/information"
    payload = {
        "given_on": timezone.localdate().isoformat(),
        "language": "sq",
        "format": "oral",
        "topics": ["consent"],
    }
    created = send_json(api(world, Role.CASEWORKER), url, payload)
    assert created.status_code == 201, created.content
    assert api(world, Role.CASEWORKER).get(url).json()[0]["topics"] == ["consent"]
    assert api(world, Role.PROSECUTOR).get(url).status_code == 403
