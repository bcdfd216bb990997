from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.conf import settings

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent


def _log_in(client: Client, username: str, password: str) -> "_MonkeyPatchedWSGIResponse":
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_it_logs_in_and_shows_the_directory(world: World, client: Client) -> None:
    response = _log_in(client, "a_caseworker", PASSWORD)
    assert response.status_code == 302
    page = client.get(reverse("directory:home"))
    assert page.status_code == 200
    assert "Agency A Centre for Social Work" in page.content.decode()  # the acting organisation
    assert AuditEvent.objects.filter(
        event_type=EventType.USER_LOGGED_IN, actor_label="a_caseworker"
    ).exists()


def test_it_hashes_passwords_with_argon2_in_production_settings() -> None:
    from opentrm.config import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_audits_a_failed_login_without_the_attempted_name(world: World, client: Client) -> None:
    response = _log_in(client, "a_caseworker", "wrong password")
    assert response.status_code == 200
    assert (
        "correct" in response.content.decode()
    )  # Django's "enter a correct username and password"
    event = AuditEvent.objects.get(event_type=EventType.USER_LOGIN_FAILED)
    assert "a_caseworker" not in str(event.detail)
    assert event.actor_label == ""


def test_it_locks_an_account_after_repeated_failures(world: World, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "a_caseworker", "wrong password")
    response = _log_in(client, "a_caseworker", PASSWORD)  # even the right password is refused now
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower()
    assert client.get(reverse("directory:home")).status_code == 302
    assert AuditEvent.objects.filter(event_type=EventType.USER_LOCKED_OUT).exists()


def test_it_does_not_lock_the_account_for_someone_at_another_address(world: World) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(attacker, "a_caseworker", "wrong password")
    officer = Client(REMOTE_ADDR="198.51.100.7")
    assert _log_in(officer, "a_caseworker", PASSWORD).status_code == 302


def test_it_ends_a_session_after_inactivity(world: World, client: Client) -> None:
    _log_in(client, "a_caseworker", PASSWORD)
    assert client.get(reverse("directory:home")).status_code == 200
    from django.contrib.sessions.models import Session

    session = Session.objects.get(session_key=client.session.session_key)
    session.expire_date = timezone.now() - timedelta(seconds=1)
    session.save()
    response = client.get(reverse("directory:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_it_renews_the_session_on_each_request() -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_it_logs_out_only_by_post(world: World, client: Client) -> None:
    _log_in(client, "a_caseworker", PASSWORD)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("directory:home")).status_code == 302
    assert AuditEvent.objects.filter(event_type=EventType.USER_LOGGED_OUT).exists()


def test_it_changes_the_password_and_keeps_the_user_logged_in(world: World, client: Client) -> None:
    _log_in(client, "a_caseworker", PASSWORD)
    new = "a much longer new passphrase 42"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get(reverse("directory:home")).status_code == 200
    assert (
        world.user(Role.CASEWORKER)
        .__class__.objects.get(username="a_caseworker")
        .check_password(new)
    )
    assert AuditEvent.objects.filter(event_type=EventType.USER_PASSWORD_CHANGED).exists()


def test_it_refuses_a_weak_new_password(world: World, client: Client) -> None:
    _log_in(client, "a_caseworker", PASSWORD)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()


@pytest.mark.parametrize("url_name", ["accounts:login"])
def test_it_refuses_a_form_without_csrf_token(world: World, url_name: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse(url_name), {"username": "a_caseworker", "password": PASSWORD})
    assert response.status_code == 403
    assert "security token" in response.content.decode()
    assert "_auth_user_id" not in client.session
