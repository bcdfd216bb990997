"""Log-in through a national identity provider (OpenID Connect), against a real provider on
real HTTP started by the test (``oidc_provider.py``)."""

from collections.abc import Iterator

import pytest
import requests
from django.http.response import HttpResponseBase
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.oidc_provider import Provider
from opentrm.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider() -> Iterator[Provider]:
    with Provider() as running, override_settings(**running.settings()):
        yield running


def _through_provider(client: Client) -> HttpResponseBase:
    """Start at OpenTRM, follow the provider's redirect back; the callback's response."""
    start = client.get(reverse("accounts:oidc_start"))
    assert start.status_code == 302
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = at_provider.headers["Location"]
    assert back.startswith("http://testserver/account/oidc/callback/")
    return client.get(back.removeprefix("http://testserver"))


def test_an_existing_user_logs_in_with_the_identity_service(
    world: World, provider: Provider
) -> None:
    client = Client()
    assert b"Log in with the Fictional eID" in client.get(reverse("accounts:login")).content
    provider.next_person = {"sub": "ID-0001", "preferred_username": "a_caseworker"}
    response = _through_provider(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:home")
    assert client.get(reverse("accounts:account")).status_code == 200
    assert int(client.session["_auth_user_id"]) == world.user(Role.CASEWORKER).pk
    assert AuditEvent.objects.filter(event_type="USER_LOGGED_IN").exists()


def test_nobody_unknown_is_let_in_and_no_account_is_made(world: World, provider: Provider) -> None:
    client = Client()
    provider.next_person = {"sub": "ID-0999", "preferred_username": "nobody_here"}
    response = _through_provider(client)
    assert response["Location"].startswith("/account/login/")
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="nobody_here").exists()


def test_a_token_for_another_login_attempt_is_refused(world: World, provider: Provider) -> None:
    client = Client()
    provider.next_person = {"sub": "ID-0001", "preferred_username": "a_caseworker"}
    provider.nonce_override = "a-nonce-from-someone-elses-attempt"
    response = _through_provider(client)
    assert response.status_code == 400  # the nonce does not match: refused, nobody logged in
    assert "_auth_user_id" not in client.session


@override_settings(OPENTRM_OIDC_ENABLED=False)
def test_switched_off_the_routes_do_not_exist(world: World) -> None:
    client = Client()
    assert client.get(reverse("accounts:oidc_start")).status_code == 404
    assert b"Log in with" not in client.get(reverse("accounts:login")).content


@override_settings(OPENTRM_MFA_REQUIRED=True)
def test_the_second_factor_is_still_asked(world: World, provider: Provider) -> None:
    client = Client()
    provider.next_person = {"sub": "ID-0001", "preferred_username": "a_caseworker"}
    _through_provider(client)
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_setup"))
