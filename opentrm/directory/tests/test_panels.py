"""The contact page's panel registry: higher apps add panels without the directory importing
them; a panel shows only when its function gives it something for this reader."""

from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.directory.models import ContactPoint
from opentrm.directory.panels import ContactPanel, contact_panels


@pytest.fixture
def panel() -> Iterator[ContactPanel]:
    """A panel of the test, shown to members of the contact's own organisation only."""
    registered = ContactPanel(
        name="test-panel",
        template="directory/_verified.html",
        context=lambda actor, cp: (
            {"entry": cp} if actor.organisation_id == cp.organisation_id else None
        ),
    )
    contact_panels.register(registered)
    yield registered
    contact_panels.unregister(registered.name)


def test_it_shows_a_registered_panel_only_to_readers_it_answers_for(
    world: World, client: Client, panel: ContactPanel
) -> None:
    contact = ContactPoint.objects.create(organisation=world.agency_a, position="Duty officer")
    url = reverse("directory:contact_point_detail", args=[contact.pk])

    client.force_login(world.user(Role.CASEWORKER))
    own = client.get(url).content.decode()
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    other = client.get(url).content.decode()

    # The page shows the badge once itself; the panel (the same template) adds a second.
    assert own.count("never verified") == other.count("never verified") + 1


def test_it_refuses_two_panels_of_one_name(panel: ContactPanel) -> None:
    with pytest.raises(ImproperlyConfigured):
        contact_panels.register(panel)
