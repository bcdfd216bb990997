"""Cases for tests, registered through the services, and the pages tests read."""

from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.cases.models import Case
from opentrm.cases.services import NameData, case_register


def new_case(
    world: World, name: str | None = None, *, role: Role = Role.CASEWORKER, **values: Any
) -> Case:
    """A case registered by agency A's member with ``role``, named ``name`` when given."""
    if name is not None:
        values["names"] = [NameData(value=name)]
    return case_register(actor=world.actor(role), **values)


def detail_page(client: Client, case: Case) -> str:
    """The case's page as ``client`` sees it (which must be allowed)."""
    response = client.get(reverse("cases:case_detail", args=[case.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def case_page(world: World, case: Case, role: Role = Role.CASEWORKER, org: str = "a") -> str:
    return detail_page(browser(world, role, org), case)
