from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.conf import settings

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, World
from opentrm.accounts.models import LoginThrottle
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


def _fail(client: Client, username: str = "a_caseworker", times: int | None = None) -> None:
    for _ in range(settings.OPENTRM_LOGIN_FAILURE_LIMIT if times is None else times):
        assert _log_in(client, username, "wrong password").status_code == 200


def _age_throttle(seconds: int) -> None:
    LoginThrottle.objects.update(last_failure_at=F("last_failure_at") - timedelta(seconds=seconds))


def test_it_delays_further_attempts_after_repeated_failures(world: World, client: Client) -> None:
    _fail(client)
    response = _log_in(client, "a_caseworker", PASSWORD)  # the right password waits too
    assert response.status_code == 429
    assert "Try again in 30 seconds" in response.content.decode()
    assert response["Retry-After"] == "30"
    assert client.get(reverse("directory:home")).status_code == 302
    assert AuditEvent.objects.filter(event_type=EventType.USER_LOCKED_OUT).exists()


def test_it_does_not_check_the_password_during_the_delay(world: World, client: Client) -> None:
    _fail(client)
    failed = AuditEvent.objects.filter(event_type=EventType.USER_LOGIN_FAILED).count()
    assert _log_in(client, "a_caseworker", "another guess").status_code == 429
    assert AuditEvent.objects.filter(event_type=EventType.USER_LOGIN_FAILED).count() == failed


def test_it_doubles_the_delay_with_each_further_failure(world: World, client: Client) -> None:
    _fail(client)
    _age_throttle(31)
    assert _log_in(client, "a_caseworker", "wrong again").status_code == 200  # allowed, fails
    response = _log_in(client, "a_caseworker", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    _age_throttle(61)
    assert _log_in(client, "a_caseworker", PASSWORD).status_code == 302  # and the slate is clean
    assert not LoginThrottle.objects.exists()


def test_it_forgets_failures_after_a_day(world: World, client: Client) -> None:
    _fail(client)
    _fail(Client(REMOTE_ADDR="203.0.113.9"), "someone_else")
    _age_throttle(settings.OPENTRM_LOGIN_FORGET_HOURS * 3600 + 1)
    assert _log_in(client, "a_caseworker", "wrong password").status_code == 200
    assert list(LoginThrottle.objects.values_list("username", "failures")) == [("a_caseworker", 1)]


def test_it_caps_the_delay() -> None:
    from opentrm.accounts.throttle import delay_after

    limit = settings.OPENTRM_LOGIN_FAILURE_LIMIT
    assert delay_after(limit - 1) == timedelta(0)
    assert delay_after(limit) == timedelta(seconds=30)
    assert delay_after(limit + 100) == timedelta(minutes=settings.OPENTRM_LOGIN_LOCKOUT_MINUTES)


def test_it_does_not_lock_the_account_for_someone_at_another_address(world: World) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    _fail(attacker)
    officer = Client(REMOTE_ADDR="198.51.100.7")
    assert _log_in(officer, "a_caseworker", PASSWORD).status_code == 302


@override_settings(OPENTRM_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"])
def test_it_keys_on_the_real_client_address_behind_the_trusted_proxy(world: World) -> None:
    # Behind the documented reverse proxy every request comes from 127.0.0.1.
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    _fail(attacker)
    assert _log_in(attacker, "a_caseworker", PASSWORD).status_code == 429
    officer = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 10.1.2.3")
    assert _log_in(officer, "a_caseworker", PASSWORD).status_code == 302


@override_settings(OPENTRM_TRUSTED_PROXIES=["127.0.0.1"])
def test_it_does_not_let_a_client_choose_its_address(world: World) -> None:
    # What the client writes into X-Forwarded-For stands left of what the proxy appends.
    for n in range(settings.OPENTRM_LOGIN_FAILURE_LIMIT):
        attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")
        _log_in(attacker, "a_caseworker", "wrong password")
    again = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.9")
    assert _log_in(again, "a_caseworker", PASSWORD).status_code == 429
    # Sent directly (not through a trusted proxy), the header is ignored altogether.
    direct = Client(REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR="198.51.100.7")
    _fail(direct)
    assert _log_in(Client(REMOTE_ADDR="203.0.113.50"), "a_caseworker", PASSWORD).status_code == 429


def test_it_names_the_targeted_user_in_the_lockout_event(world: World) -> None:
    _fail(Client(REMOTE_ADDR="203.0.113.9"))
    user = world.user(Role.CASEWORKER)
    event = AuditEvent.objects.get(event_type=EventType.USER_LOCKED_OUT)
    assert (event.target_type, event.target_id) == ("accounts.user", str(user.pk))
    assert event.actor_id is None  # whoever typed the name is not the officer
    assert event.detail["delay_seconds"] == 30
    assert "203.0.113.9" not in str(event.detail)


def test_it_throttles_an_unknown_user_name_too(world: World) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    _fail(client, "nobody_here")
    assert _log_in(client, "nobody_here", "x").status_code == 429
    event = AuditEvent.objects.get(event_type=EventType.USER_LOCKED_OUT)
    assert event.target_id == ""
    assert event.detail["known_user"] is False


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


def test_it_writes_the_session_only_when_its_idle_period_runs_out(
    world: World, client: Client
) -> None:
    from django.contrib.sessions.models import Session

    from opentrm.core.middleware import SESSION_RENEWED_KEY

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    _log_in(client, "a_caseworker", PASSWORD)
    key = client.session.session_key
    written = Session.objects.get(session_key=key).expire_date
    assert client.get(reverse("directory:home")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == written  # not written again
    # last written longer ago than the renewal period: the next request renews it
    session = client.session
    session[SESSION_RENEWED_KEY] -= settings.SESSION_RENEW_SECONDS + 1
    session.save()
    before = Session.objects.get(session_key=key).expire_date
    assert client.get(reverse("directory:home")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date > before


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
