"""The password policy: breached and published passwords, names, repetition, reuse; tokens."""

from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, World
from opentrm.accounts import services
from opentrm.accounts.models import ApiToken, User
from opentrm.accounts.passwords import DEMO_PASSWORD
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

GOOD = "a much longer new passphrase 42"


def _change(client: Client, old: str, new: str) -> "_MonkeyPatchedWSGIResponse":
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.fixture
def officer(world: World, client: Client) -> Client:
    client.force_login(world.user(Role.CASEWORKER))
    return client


def _refused(officer: Client, new: str, words: str, old: str = PASSWORD) -> None:
    response = _change(officer, old, new)
    assert response.status_code == 200, new
    assert words in response.content.decode()


def test_it_refuses_a_repetitive_password(officer: Client) -> None:
    _refused(officer, "aaaaaaaaaaaa", "repeats too few characters")
    _refused(officer, "abcabcabcabc", "repeats too few characters")
    _refused(officer, "aaaabbbbcccc", "repeats too few characters")


def test_it_refuses_the_published_demo_password(officer: Client) -> None:
    _refused(officer, DEMO_PASSWORD, "breached or published")
    _refused(officer, DEMO_PASSWORD.upper(), "breached or published")


def test_it_refuses_a_breached_password_with_a_year_around_it(officer: Client) -> None:
    _refused(officer, "123456123456", "breached or published")
    _refused(officer, "Sunshine!2024", "breached or published")


def test_it_refuses_a_password_made_of_the_users_names(world: World, officer: Client) -> None:
    user = world.user(Role.CASEWORKER)
    User.objects.filter(pk=user.pk).update(first_name="Elira", last_name="Hoxha")
    _refused(officer, "a_caseworker2024", "made of your names")
    _refused(officer, "EliraHoxha1990!", "made of your names")
    user.refresh_from_db()
    with pytest.raises(ValidationError):
        validate_password("hoxha.elira.2024", user)
    validate_password("Elira walks the long river road", user)  # a name inside is fine


def test_it_refuses_the_current_and_the_previous_passwords(officer: Client) -> None:
    _refused(officer, PASSWORD, "used this password recently")
    assert _change(officer, PASSWORD, GOOD).status_code == 302
    _refused(officer, PASSWORD, "used this password recently", old=GOOD)
    third = "yet another passphrase for 2027"
    assert _change(officer, GOOD, third).status_code == 302
    _refused(officer, GOOD, "used this password recently", old=third)


def test_it_keeps_only_hashes_in_the_history(world: World, officer: Client) -> None:
    assert _change(officer, PASSWORD, GOOD).status_code == 302
    user = world.user(Role.CASEWORKER)
    stored = list(user.password_history.values_list("password", flat=True))
    assert stored
    assert all(PASSWORD not in v and GOOD not in v and "$" in v for v in stored)


def test_it_accepts_a_good_new_password(officer: Client) -> None:
    assert _change(officer, PASSWORD, GOOD).status_code == 302


def test_it_revokes_api_tokens_when_the_password_changes(world: World, officer: Client) -> None:
    _token, secret = services.api_token_create(actor=world.actor(Role.CASEWORKER), name="cli")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/account/tokens").status_code == 200
    assert _change(officer, PASSWORD, GOOD).status_code == 302
    assert api.get("/api/v1/account/tokens").status_code == 401
    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    assert token.revoked_at <= timezone.now()
    event = AuditEvent.objects.get(event_type=EventType.API_TOKEN_REVOKED)
    assert event.detail == {"reason": "password_changed"}
    assert event.target_id == str(token.pk)


def test_it_revokes_api_tokens_when_the_operator_resets_the_password(world: World) -> None:
    # `opentrm changepassword NAME` (the operator's reset) saves the password the same way.
    services.api_token_create(actor=world.actor(Role.CASEWORKER), name="cli")
    user = User.objects.get(pk=world.user(Role.CASEWORKER).pk)
    user.set_password(GOOD)
    user.save()
    assert ApiToken.objects.get().revoked_at is not None
    # and another user's tokens are untouched
    services.api_token_create(actor=world.actor(Role.CASE_MANAGER), name="cli")
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1
