"""Issue 12 §9: API tokens only for the roles that need machine access (OPENTRM_API_TOKEN_ROLES).

The test settings let every role hold a token (the suite calls the API in every role); these
tests put the node's default back and check what a caseworker and an administrator meet.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from conftest import World
from opentrm.accounts.policy import Action
from opentrm.accounts.roles import DEFAULT_API_TOKEN_ROLES, Role
from opentrm.accounts.services import api_token_create

TOKENS = "/api/v1/account/tokens"


@pytest.fixture(autouse=True)
def _default_roles(settings: SettingsWrapper) -> None:
    settings.API_TOKEN_ROLES = [role.value for role in DEFAULT_API_TOKEN_ROLES]


def test_the_default_offers_tokens_to_administrators_coordinators_and_directory_editors(
    world: World,
) -> None:
    holders = {role for role in Role if world.actor(role).may(Action.API_TOKENS_OWN)}
    assert holders == {
        Role.SYSTEM_ADMINISTRATOR,
        Role.NATIONAL_COORDINATOR,
        Role.DIRECTORY_EDITOR,
    }


def test_it_offers_no_api_tokens_to_a_caseworker(world: World, client: Client) -> None:
    client.force_login(world.user(Role.CASEWORKER))

    account = client.get(reverse("accounts:account"))
    assert account.status_code == 200
    assert reverse("accounts:api_tokens") not in account.content.decode()
    assert "API tokens" not in account.content.decode()
    assert client.get(reverse("accounts:api_tokens")).status_code == 403
    assert client.post(reverse("accounts:api_tokens"), {"name": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        api_token_create(actor=world.actor(Role.CASEWORKER), name="mine")


def test_it_explains_tokens_to_an_administrator_and_lets_her_make_one(
    world: World, client: Client
) -> None:
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))

    account = client.get(reverse("accounts:account")).content.decode()
    assert reverse("accounts:api_tokens") in account
    page = client.get(reverse("accounts:api_tokens")).content.decode()
    assert "without your password" in page
    made = client.post(reverse("accounts:api_tokens"), {"name": "Register sync", "days": 30})
    assert made.status_code == 200
    assert "Copy this token now" in made.content.decode()


def test_a_token_stops_working_when_its_role_loses_machine_access(
    world: World, client: Client, settings: SettingsWrapper
) -> None:
    _token, secret = api_token_create(actor=world.actor(Role.NATIONAL_COORDINATOR), name="t")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(TOKENS, headers=headers).status_code == 200

    settings.API_TOKEN_ROLES = [Role.SYSTEM_ADMINISTRATOR.value]

    assert client.get(TOKENS, headers=headers).status_code == 401


def test_an_unknown_role_in_the_setting_stops_the_node(
    world: World, settings: SettingsWrapper
) -> None:
    settings.API_TOKEN_ROLES = ["caseworker", "robot"]

    with pytest.raises(ImproperlyConfigured, match="robot"):
        world.actor(Role.CASEWORKER).may(Action.API_TOKENS_OWN)


def test_a_node_that_sets_no_roles_offers_tokens_to_the_default_roles(
    world: World, settings: SettingsWrapper
) -> None:
    del settings.API_TOKEN_ROLES
    holders = {role for role in Role if world.actor(role).may(Action.API_TOKENS_OWN)}
    assert holders == set(DEFAULT_API_TOKEN_ROLES)
