"""The training register: who records, who sees, and the contact's directory entry."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.core.errors import ConflictError
from opentrm.directory.models import ContactPoint
from opentrm.training import services
from opentrm.training.models import TrainingEvent


def _event(world: World, **values: object) -> TrainingEvent:
    fields: dict[str, object] = {
        "title": "Identifying labour exploitation",
        "scope": "national",
        "starts_on": date(2026, 10, 5),
        "sop_codes": ["sop1"],
    }
    fields.update(values)
    return services.training_event_record(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        **fields,  # type: ignore[arg-type]
    )


def _contact_page(world: World, contact: ContactPoint, role: Role, org: str = "a") -> str:
    url = reverse("directory:contact_point_detail", args=[contact.pk])
    response = browser(world, role, org).get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def test_it_records_an_event_of_the_coordinators_own_country(world: World) -> None:
    event = _event(world, sop_codes=["sop2", "sop1", "sop2"])
    assert event.country_id == world.country_a.pk
    assert event.organiser_id == world.agency_a.pk
    assert event.sop_codes == ["sop1", "sop2"]  # catalogue order, once each
    assert AuditEvent.objects.filter(
        event_type=EventType.TRAINING_EVENT_RECORDED, target_id=str(event.pk)
    ).exists()


def _move(world: World, event: TrainingEvent, place: str, role: Role, org: str = "a") -> None:
    """``org``'s member with ``role`` moves ``event`` to ``place``, at its version."""
    services.training_event_change(
        actor=world.actor(role, org=org), event=event, expected_version=event.version, place=place
    )


def test_only_coordinators_and_directory_editors_of_the_country_record(world: World) -> None:
    event = _event(world)
    _move(world, event, "Fictiva", Role.DIRECTORY_EDITOR)
    with pytest.raises(PermissionDenied):
        _move(world, event, "Elsewhere", Role.NATIONAL_COORDINATOR, org="b")
    with pytest.raises(PermissionDenied):
        services.training_event_record(
            actor=world.actor(Role.CASEWORKER),
            title="Not mine",
            scope="national",
            starts_on=date(2026, 1, 1),
        )
    event.refresh_from_db()
    assert event.place == "Fictiva"


def test_it_refuses_a_stale_change_and_an_unknown_procedure(world: World) -> None:
    event = _event(world)
    stale = event.version
    services.training_event_change(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        event=event,
        expected_version=stale,
        title=event.title,
        trainers="A. Trainer",
    )
    changed = AuditEvent.objects.get(
        event_type=EventType.TRAINING_EVENT_CHANGED, target_id=str(event.pk)
    )
    assert changed.changed_fields == ["trainers"]  # only the fields that differ
    with pytest.raises(ConflictError):
        services.training_event_change(
            actor=world.actor(Role.DIRECTORY_EDITOR),
            event=TrainingEvent.objects.get(pk=event.pk),
            expected_version=stale,
            trainers="B. Trainer",
        )
    with pytest.raises(ValidationError):
        _event(world, sop_codes=["sop9"])
    with pytest.raises(ValidationError):
        _event(world, starts_on=date(2026, 5, 2), ends_on=date(2026, 5, 1))


def test_it_records_a_contact_once_per_event(world: World) -> None:
    event = _event(world)
    contact = ContactPoint.objects.create(organisation=world.agency_a, position="Duty officer")
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    services.attendance_add(actor=coordinator, event=event, contact_point=contact)
    with pytest.raises(ValidationError):
        services.attendance_add(actor=coordinator, event=event, contact_point=contact)
    assert event.attendances.count() == 1


def test_the_event_page_adds_and_removes_attendance(world: World) -> None:
    event = _event(world)
    contact = ContactPoint.objects.create(organisation=world.agency_a, position="Duty officer")
    client = browser(world, Role.NATIONAL_COORDINATOR)
    detail = reverse("training:event_detail", args=[event.pk])

    added = client.post(
        reverse("training:attendance_add", args=[event.pk]),
        {"contact_point": contact.pk},
        follow=True,
    )
    assert added.redirect_chain == [(detail + "#attendance", 302)]
    assert "Attendance recorded." in added.content.decode()
    attendance = event.attendances.get()

    removed = client.post(
        reverse("training:attendance_remove", args=[event.pk]),
        {"attendance": attendance.pk},
        follow=True,
    )
    assert "Attendance removed." in removed.content.decode()
    assert not event.attendances.exists()


def test_the_contacts_directory_entry_shows_the_training_they_attended(world: World) -> None:
    event = _event(world, title="Interviewing children", sop_codes=["sop1", "sop2"])
    contact = ContactPoint.objects.create(organisation=world.agency_a, position="Duty officer")
    assert 'id="training"' not in _contact_page(world, contact, Role.CASEWORKER)

    services.attendance_add(
        actor=world.actor(Role.NATIONAL_COORDINATOR), event=event, contact_point=contact
    )

    page = _contact_page(world, contact, Role.CASEWORKER)
    assert "Interviewing children" in page
    assert "Identification; First Assistance and Protection" in page


def test_a_transnational_event_is_seen_by_the_attendees_organisations_only(world: World) -> None:
    national = _event(world, title="National workshop")
    transnational = _event(world, title="Regional workshop", scope="transnational")
    contact_b = ContactPoint.objects.create(organisation=world.agency_b, position="Focal point")
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    services.attendance_add(actor=coordinator, event=transnational, contact_point=contact_b)

    page = _contact_page(world, contact_b, Role.CASEWORKER, org="b")
    listing = browser(world, Role.CASEWORKER, org="b").get(reverse("training:event_list"))

    assert "Regional workshop" in page
    assert "Regional workshop" in listing.content.decode()
    assert "National workshop" not in listing.content.decode()
    detail = reverse("training:event_detail", args=[national.pk])
    assert browser(world, Role.CASEWORKER, org="b").get(detail).status_code == 404


def test_it_lists_who_is_trained_on_each_procedure(world: World) -> None:
    event = _event(world, sop_codes=["sop4"])
    contact = ContactPoint.objects.create(organisation=world.agency_a, position="Return officer")
    services.attendance_add(
        actor=world.actor(Role.NATIONAL_COORDINATOR), event=event, contact_point=contact
    )
    page = browser(world, Role.CASEWORKER).get(reverse("training:trained")).content.decode()
    return_section = page.split("Return and Social Inclusion")[1].split("<section>")[0]
    assert "Return officer" in return_section
    assert "Return officer" not in page.split("Return and Social Inclusion")[0]


def test_the_api_lists_the_events_a_member_may_see(world: World) -> None:
    _event(world, title="Regional workshop", sop_codes=["sop1", "sop5"])
    own = browser(world, Role.CASEWORKER).get("/api/v1/training/events?sop=sop5").json()
    other = browser(world, Role.CASEWORKER, org="b").get("/api/v1/training/events").json()
    assert [(row["title"], row["country"], row["sop_codes"]) for row in own] == [
        ("Regional workshop", "AL", ["sop1", "sop5"])
    ]
    assert other == []


def test_the_api_refuses_a_filter_longer_than_declared(world: World) -> None:
    response = browser(world, Role.CASEWORKER).get("/api/v1/training/events", {"sop": "s" * 500})
    assert response.status_code == 422


# --- Every mistake at once (issue 12 §5) --------------------------------------------------------

ENDS_BEFORE = "The event cannot end before it starts."


def test_the_event_form_shows_the_services_mistakes_with_its_own(world: World) -> None:
    response = browser(world, Role.NATIONAL_COORDINATOR).post(
        reverse("training:event_create"),
        {"title": "", "scope": "national", "starts_on": "2026-05-02", "ends_on": "2026-05-01"},
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["title"] == ["This field is required."]  # the form's own
    assert errors["ends_on"] == [ENDS_BEFORE]  # the service's
    assert ENDS_BEFORE in response.content.decode()
    assert not TrainingEvent.objects.exists()


def test_the_service_refuses_every_mistake_of_an_event_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        _event(world, starts_on=date(2026, 5, 2), ends_on=date(2026, 5, 1), sop_codes=["sop9"])

    assert refused.value.message_dict == {
        "ends_on": [ENDS_BEFORE],
        "sop_codes": ["Choose procedures of the catalogue."],
    }
    assert not TrainingEvent.objects.exists()
