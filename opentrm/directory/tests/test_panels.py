"""The contact page's panel registry: higher apps add panels without the directory importing
them; a panel shows only when its function gives it something for this reader."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.directory import panels
from opentrm.directory.models import ContactPoint


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the registry for the test, put back afterwards."""
    monkeypatch.setattr(panels, "_PANELS", dict(panels._PANELS))


def test_it_shows_a_registered_panel_only_to_readers_it_answers_for(
    world: World, client: Client, registry: None
) -> None:
    contact = ContactPoint.objects.create(organisation=world.agency_a, position="Duty officer")
    panels.register_contact_panel(
        panels.ContactPanel(
            name="test-panel",
            template="directory/_verified.html",
            context=lambda actor, cp: (
                {"entry": cp} if actor.organisation_id == cp.organisation_id else None
            ),
        )
    )
    url = reverse("directory:contact_point_detail", args=[contact.pk])

    client.force_login(world.user(Role.CASEWORKER))
    own = client.get(url).content.decode()
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    other = client.get(url).content.decode()

    # The page shows the badge once itself; the panel (the same template) adds a second.
    assert own.count("never verified") == other.count("never verified") + 1


def test_it_refuses_two_panels_of_one_name(registry: None) -> None:
    panel = panels.ContactPanel(name="twice", template="x.html", context=lambda a, c: None)
    panels.register_contact_panel(panel)
    with pytest.raises(ImproperlyConfigured):
        panels.register_contact_panel(panel)
