"""Personal API tokens: hashed at rest, expiring, revocable, tied to one membership."""

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from opentrm.accounts.models import ApiToken
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create, api_token_revoke
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent

COUNTRIES = "/api/v1/directory/countries"
TOKENS = "/api/v1/account/tokens"


def issue(world: World, role: Role = Role.CASEWORKER, *, org: str = "a") -> tuple[ApiToken, str]:
    return api_token_create(actor=world.actor(role, org=org), name="Nightly sync")


def get(client: Client, url: str, authorization: str) -> Any:
    return client.get(url, headers={"Authorization": authorization})


def test_it_lets_a_token_read_the_api(world: World, client: Client) -> None:
    token, secret = issue(world)

    response = get(client, COUNTRIES, f"Bearer {secret}")

    assert response.status_code == 200
    assert {row["code"] for row in response.json()} == {"AL", "RO"}
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_stores_only_a_hash_of_the_secret(world: World) -> None:
    token, secret = issue(world)

    stored = ApiToken.objects.get(pk=token.pk)
    hidden_part = secret.split("_", 2)[2]
    assert stored.secret_hash != secret
    assert hidden_part not in stored.secret_hash
    assert stored.secret_hash == hashlib.sha256(hidden_part.encode()).hexdigest()
    assert secret.startswith(f"otrm_{stored.prefix}_")


def test_it_acts_as_the_membership_the_token_was_made_for(world: World, client: Client) -> None:
    _token, secret = issue(world, Role.DIRECTORY_EDITOR, org="b")

    # an editor of country B: may verify B's entries, not A's
    own = client.post(
        f"/api/v1/directory/organisations/{world.agency_b.pk}/verify",
        headers={"Authorization": f"Bearer {secret}"},
    )
    foreign = client.post(
        f"/api/v1/directory/organisations/{world.agency_a.pk}/verify",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert (own.status_code, foreign.status_code) == (200, 403)


def test_it_refuses_a_revoked_token(world: World, client: Client) -> None:
    token, secret = issue(world)
    api_token_revoke(actor=world.actor(Role.CASEWORKER), token=token)

    response = get(client, COUNTRIES, f"Bearer {secret}")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_it_refuses_an_expired_token(world: World, client: Client) -> None:
    token, secret = issue(world)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = get(client, COUNTRIES, f"Bearer {secret}")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_it_answers_an_expired_token_on_a_write_with_401_not_a_csrf_error(
    world: World,
) -> None:
    token, secret = issue(world, Role.DIRECTORY_EDITOR)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"/api/v1/directory/organisations/{world.agency_a.pk}/verify",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 401
    world.agency_a.refresh_from_db()
    assert world.agency_a.last_verified_at is None


@pytest.mark.parametrize(
    "ended", ["membership", "user"], ids=["ended-membership", "deactivated-user"]
)
def test_it_refuses_the_token_of_an_ended_membership_or_user(
    world: World, client: Client, ended: str
) -> None:
    _token, secret = issue(world)
    membership = world.members_a[Role.CASEWORKER]
    holder = membership if ended == "membership" else membership.user
    holder.is_active = False
    holder.save()

    response = get(client, COUNTRIES, f"Bearer {secret}")

    assert response.status_code == 401


def test_it_refuses_a_forged_secret_behind_a_real_prefix(world: World, client: Client) -> None:
    token, _secret = issue(world)

    response = get(client, COUNTRIES, f"Bearer otrm_{token.prefix}_forged-secret")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("Bearer {secret}", True),
        ("bearer {secret}", True),  # the scheme is case-insensitive (RFC 7235)
        ("BEARER  {secret}", True),  # stray spaces are tolerated
        ("Token {secret}", False),
        ("{secret}", False),
        ("Bearer", False),
        ("Bearer ", False),
        ("Basic b3RybTpzZWNyZXQ=", False),
        ("Bearer {secret}x", False),
        ("Bearer otrm_{secret}", False),
    ],
)
def test_it_parses_the_bearer_header(
    world: World, client: Client, header: str, accepted: bool
) -> None:
    _token, secret = issue(world)

    response = get(client, COUNTRIES, header.format(secret=secret))

    assert response.status_code == (200 if accepted else 401)


def test_it_lists_the_callers_own_tokens_without_secrets(world: World, client: Client) -> None:
    _mine, secret = issue(world)
    issue(world, Role.GUARDIAN)  # someone else's

    response = get(client, TOKENS, f"Bearer {secret}")

    assert response.status_code == 200
    tokens = response.json()
    assert len(tokens) == 1
    assert tokens[0]["name"] == "Nightly sync"
    assert tokens[0]["organisation"] == "Agency A Centre for Social Work"
    assert tokens[0]["is_usable"] is True
    assert "secret_hash" not in tokens[0]
    assert secret.split("_", 2)[2] not in response.content.decode()


def test_it_lets_a_member_revoke_their_own_token(world: World, login: Any) -> None:
    token, secret = issue(world)
    client = login(world.user(Role.CASEWORKER))

    response = client.post(f"{TOKENS}/{token.pk}/revoke")

    assert response.status_code == 200
    assert response.json()["is_usable"] is False
    assert AuditEvent.objects.filter(
        event_type=EventType.API_TOKEN_REVOKED, target_id=str(token.pk)
    ).exists()
    assert get(Client(), COUNTRIES, f"Bearer {secret}").status_code == 401


def test_it_hides_another_users_token_from_revocation(world: World, login: Any) -> None:
    token, secret = issue(world, Role.GUARDIAN)
    client = login(world.user(Role.CASEWORKER))

    response = client.post(f"{TOKENS}/{token.pk}/revoke")

    assert response.status_code == 404
    assert get(Client(), COUNTRIES, f"Bearer {secret}").status_code == 200
