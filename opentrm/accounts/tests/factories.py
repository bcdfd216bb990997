"""Clients and actors for tests, shared by every app's tests (one way to log in, one to call
the API)."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create

INITIAL_PASSWORD = "a fine long initial password"


def member_actor(membership: Membership) -> Actor:
    """The actor a membership acts as."""
    return Actor(user=membership.user, membership=membership)


def user_browser(user: User) -> Client:
    """A browser session logged in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def browser(world: World, role: Role, org: str = "a") -> Client:
    """A browser session of the world's member with ``role`` in agency ``org``."""
    return user_browser(world.user(role, org=org))


def form_errors(response: Any) -> Mapping[str, Sequence[str]]:
    """The errors of a form page answered again (200) because what was posted is refused: each
    field's messages (a form's ErrorList gives its messages as text)."""
    assert response.status_code == 200
    errors: Mapping[str, Sequence[str]] = response.context["form"].errors
    return errors


def member_browser(membership: Membership) -> Client:
    return user_browser(membership.user)


def actor_api(actor: Actor) -> Client:
    """An API client holding a fresh token of ``actor``."""
    _token, secret = api_token_create(actor=actor, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def api(world: World, role: Role, org: str = "a") -> Client:
    """An API client of the world's member with ``role`` in agency ``org``."""
    return actor_api(world.actor(role, org=org))


def member_api(membership: Membership) -> Client:
    return actor_api(member_actor(membership))


def send_json(client: Client, url: str, payload: Any, method: str = "post") -> Any:
    """``payload`` sent as a JSON body with ``method``."""
    return getattr(client, method)(url, json.dumps(payload), content_type="application/json")


def post_new_member(
    client: Client,
    username: str,
    full_name: str,
    email: str,
    *,
    role: Role = Role.CASEWORKER,
    password: str = INITIAL_PASSWORD,
) -> Any:
    """The administrator's form that adds a member to her organisation, sent by ``client``."""
    return client.post(
        reverse("accounts:member_list"),
        {
            "username": username,
            "full_name": full_name,
            "email": email,
            "role": role,
            "password": password,
        },
    )
