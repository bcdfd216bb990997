import pytest
from django.core.management import CommandError, call_command

from conftest import World
from opentrm.accounts.models import Membership
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent


def test_it_creates_the_first_administrator_of_a_node(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENTRM_NEW_PASSWORD", "a long first admin passphrase")
    call_command(
        "create_member",
        "first_admin",
        organisation=world.agency_c.pk,
        role=Role.SYSTEM_ADMINISTRATOR.value,
        full_name="First Admin",
    )
    membership = Membership.objects.get(user__username="first_admin")
    assert membership.organisation == world.agency_c
    assert membership.role == Role.SYSTEM_ADMINISTRATOR
    assert membership.user.check_password("a long first admin passphrase")
    event = AuditEvent.objects.get(event_type=EventType.MEMBERSHIP_CREATED)
    assert event.detail == {"role": "system_administrator", "via": "command"}


def test_it_refuses_a_weak_password_and_creates_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENTRM_NEW_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_member", "weak", organisation=world.agency_c.pk, role="caseworker")
    assert not Membership.objects.filter(user__username="weak").exists()


def test_it_refuses_an_unknown_organisation(world: World) -> None:
    with pytest.raises(CommandError, match="No organisation"):
        call_command("create_member", "lost", organisation=999999, role="caseworker")


def test_it_bootstraps_a_new_node_with_its_country_and_first_organisation(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentrm.directory.models import Organisation

    monkeypatch.setenv("OPENTRM_NEW_PASSWORD", "a long first admin passphrase")
    call_command(
        "create_member",
        "md_admin",
        new_organisation="National Coordination Unit",
        country="md",
        role="system_administrator",
    )
    organisation = Organisation.objects.get(name="National Coordination Unit")
    assert organisation.country.code == "MD"
    assert Membership.objects.get(user__username="md_admin").organisation == organisation
    assert set(AuditEvent.objects.values_list("event_type", flat=True)) == {
        EventType.COUNTRY_CREATED,
        EventType.ORGANISATION_CREATED,
        EventType.USER_CREATED,
        EventType.MEMBERSHIP_CREATED,
    }


def test_it_refuses_an_unknown_country_code_and_creates_nothing(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentrm.directory.models import Country

    monkeypatch.setenv("OPENTRM_NEW_PASSWORD", "a long first admin passphrase")
    with pytest.raises(CommandError, match="not a known country code"):
        call_command("create_member", "x", new_organisation="Body", country="QQ", role="caseworker")
    assert not Country.objects.exists()
