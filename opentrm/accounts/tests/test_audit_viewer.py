from typing import Any

from django.test import Client, override_settings
from django.urls import reverse

from conftest import World, make_member
from opentrm.accounts.policy import Actor
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
    c_worker = make_member(world.agency_c, Role.CASEWORKER, "c_caseworker")
    record_event(
        event_type=EventType.CONTACTS_EXPORTED,
        actor=Actor(user=c_worker.user, membership=c_worker),
        target=world.country_b,
    )


def _rows(client: Client, query: dict[str, Any] | None = None) -> str:
    """The table body of the events ``query`` selects: event labels also appear in the
    filter's options."""
    page = client.get(reverse("audit:event_list"), query or {}).content.decode()
    return page[page.index("<tbody>") :]


def _officer(world: World) -> Client:
    client = Client()
    client.force_login(world.user(Role.DATA_PROTECTION_OFFICER))
    return client


def test_it_lists_events_newest_first(world: World) -> None:
    _events(world)
    page = _rows(_officer(world))
    assert page.index("Contacts exported") < page.index("Organisation changed")


def test_it_filters_by_user(world: World) -> None:
    _events(world)
    page = _rows(_officer(world), {"user": "c_caseworker"})
    assert "Contacts exported" in page
    assert "Organisation changed" not in page


def test_it_filters_by_organisation_and_object(world: World) -> None:
    _events(world)
    officer = _officer(world)
    page = _rows(officer, {"organisation": world.agency_a.pk})
    assert "Organisation changed" in page
    assert "Contacts exported" not in page
    page = _rows(
        officer, {"target_type": "directory.country", "target_id": str(world.country_b.pk)}
    )
    assert "Contacts exported" in page
    assert "Organisation changed" not in page


def test_it_filters_by_period_and_refuses_an_inverted_one(world: World) -> None:
    _events(world)
    officer = _officer(world)
    page = _rows(officer, {"since": "2001-01-01", "until": "2001-01-31"})
    assert "No events match." in page
    page = officer.get(
        reverse("audit:event_list"), {"since": "2030-01-02", "until": "2030-01-01"}
    ).content.decode()
    assert "The end of the period is before its start." in page


def test_it_audits_looking_at_the_audit_trail(world: World) -> None:
    _officer(world).get(reverse("audit:event_list"), {"user": "c_caseworker"})
    viewed = AuditEvent.objects.get(event_type=EventType.AUDIT_VIEWED)
    assert viewed.actor_label == "a_data_protection_officer"
    assert viewed.detail == {"user": "c_caseworker"}


def test_it_refuses_the_viewer_to_other_roles_and_records_the_refusal(world: World) -> None:
    client = Client()
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    assert client.get(reverse("audit:event_list")).status_code == 403
    denied = AuditEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert denied.detail["action"] == "audit.view"


# --- a node shared by several countries: each officer reads her own country's events ---------


def _foreign_and_node_events(world: World) -> None:
    record_event(
        event_type=EventType.CONTACTS_EXPORTED,
        actor=world.actor(Role.CASEWORKER, org="b"),
        target=world.country_b,
    )
    record_event(event_type=EventType.USER_LOGIN_FAILED, actor=None)


def test_it_hides_another_countrys_events_from_a_data_protection_officer(world: World) -> None:
    _events(world)
    _foreign_and_node_events(world)
    albanian = _rows(_officer(world))
    assert "Organisation changed" in albanian
    assert "b_caseworker" not in albanian
    # even when she asks for it by user or by organisation
    for query in ({"user": "b_caseworker"}, {"organisation": world.agency_b.pk}):
        page = _rows(_officer(world), query)
        assert "b_caseworker" not in page
    romanian = Client()
    romanian.force_login(world.user(Role.DATA_PROTECTION_OFFICER, org="b"))
    page = _rows(romanian)
    assert "b_caseworker" in page
    assert "Organisation changed" not in page
    assert "a_directory_editor" not in page


@override_settings(OPENTRM_NODE_COUNTRY="AL")
def test_it_shows_the_nodes_own_events_only_to_the_nodes_country(world: World) -> None:
    _foreign_and_node_events(world)
    albanian = _rows(_officer(world))
    assert "Login failed" in albanian
    romanian = Client()
    romanian.force_login(world.user(Role.DATA_PROTECTION_OFFICER, org="b"))
    page = _rows(romanian)
    assert "Login failed" not in page
    assert "b_caseworker" in page
