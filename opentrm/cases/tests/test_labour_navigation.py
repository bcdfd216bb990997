"""The main navigation links the labour inspections screens (/cases/labour/) for those who
may use them only: members of a labour inspectorate whose role registers cases (issue 14)."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role


def _nav_link(client: Client, user: object) -> bool:
    client.force_login(user)  # type: ignore[arg-type]
    page = client.get(reverse("notifications:home"))
    assert page.status_code == 200
    return f'href="{reverse("cases:labour_list")}"' in page.content.decode()


@pytest.mark.usefixtures("inspectorate")
def test_an_inspectorate_member_who_registers_cases_finds_the_inspections_in_the_menu(
    world: World, client: Client
) -> None:
    assert _nav_link(client, world.user(Role.CASEWORKER))
    # ... and the link leads to a page they may use
    assert client.get(reverse("cases:labour_list")).status_code == 200


@pytest.mark.usefixtures("inspectorate")
def test_a_role_of_the_inspectorate_that_does_not_register_cases_has_no_link(
    world: World, client: Client
) -> None:
    assert not _nav_link(client, world.user(Role.INTERPRETER))
    assert client.get(reverse("cases:labour_list")).status_code == 403


def test_a_caseworker_of_another_kind_of_organisation_has_no_link(
    world: World, client: Client
) -> None:
    assert not _nav_link(client, world.user(Role.CASEWORKER))
    assert client.get(reverse("cases:labour_list")).status_code == 403
