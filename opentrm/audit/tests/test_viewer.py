from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.audit.services import record_event


def _events(world: World) -> None:
    record_event(
        event_type=EventType.ORGANISATION_CHANGED,
        actor=world.actor(Role.DIRECTORY_EDITOR),
        target=world.agency_a,
    )
    record_event(
        event_type=EventType.CONTACTS_EXPORTED,
        actor=world.actor(Role.CASEWORKER, org="b"),
        target=world.country_b,
    )


def _rows(page: str) -> str:
    """The table body: event labels also appear in the filter's options."""
    return page[page.index("<tbody>") :]


def _officer(world: World) -> Client:
    client = Client()
    client.force_login(world.user(Role.DATA_PROTECTION_OFFICER))
    return client


def test_it_lists_events_newest_first(world: World) -> None:
    _events(world)
    page = _rows(_officer(world).get(reverse("audit:event_list")).content.decode())
    assert page.index("Contacts exported") < page.index("Organisation changed")


def test_it_filters_by_user(world: World) -> None:
    _events(world)
    page = _rows(
        _officer(world).get(reverse("audit:event_list"), {"user": "b_caseworker"}).content.decode()
    )
    assert "Contacts exported" in page
    assert "Organisation changed" not in page


def test_it_filters_by_organisation_and_object(world: World) -> None:
    _events(world)
    officer = _officer(world)
    page = _rows(
        officer.get(
            reverse("audit:event_list"), {"organisation": world.agency_a.pk}
        ).content.decode()
    )
    assert "Organisation changed" in page
    assert "Contacts exported" not in page
    page = _rows(
        officer.get(
            reverse("audit:event_list"),
            {"target_type": "directory.country", "target_id": str(world.country_b.pk)},
        ).content.decode()
    )
    assert "Contacts exported" in page
    assert "Organisation changed" not in page


def test_it_filters_by_period_and_refuses_an_inverted_one(world: World) -> None:
    _events(world)
    officer = _officer(world)
    page = _rows(
        officer.get(
            reverse("audit:event_list"), {"since": "2001-01-01", "until": "2001-01-31"}
        ).content.decode()
    )
    assert "No events match." in page
    page = officer.get(
        reverse("audit:event_list"), {"since": "2030-01-02", "until": "2030-01-01"}
    ).content.decode()
    assert "The end of the period is before its start." in page


def test_it_audits_looking_at_the_audit_trail(world: World) -> None:
    _officer(world).get(reverse("audit:event_list"), {"user": "b_caseworker"})
    viewed = AuditEvent.objects.get(event_type=EventType.AUDIT_VIEWED)
    assert viewed.actor_label == "a_data_protection_officer"
    assert viewed.detail == {"user": "b_caseworker"}


def test_it_refuses_the_viewer_to_other_roles_and_records_the_refusal(world: World) -> None:
    client = Client()
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    assert client.get(reverse("audit:event_list")).status_code == 403
    denied = AuditEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert denied.detail["action"] == "audit.view"
