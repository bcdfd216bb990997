"""Security keys (WebAuthn) as the second factor, answered by a software key with real P-256
signatures: set-up, log-in, refusals (no challenge, replay, wrong origin, unknown key, forged
signature, malformed answers) and who may start which ceremony."""

import json
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.translation import gettext

from conftest import PASSWORD, World
from opentrm.accounts.models import SecurityKey
from opentrm.accounts.tests.authenticator import SoftwareKey
from opentrm.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mfa_on")]

REFUSED = "The security key was not accepted."


@pytest.fixture
def mfa_on():  # type: ignore[no-untyped-def]
    with override_settings(OPENTRM_MFA_REQUIRED=True):
        yield


def _log_in(client: Client, username: str = "a_caseworker") -> None:
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def _options(client: Client, route: str) -> dict[str, Any]:
    response = client.post(reverse(f"accounts:{route}"))
    assert response.status_code == 200
    options: dict[str, Any] = json.loads(response.content)
    return options


def _answer(client: Client, route: str, body: object) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        reverse(f"accounts:{route}") + "?next=/cases/", raw, content_type="application/json"
    )


def _register(client: Client, key: SoftwareKey, name: str = "blue key") -> Any:
    options = _options(client, "security_key_register_options")
    return _answer(
        client, "security_key_register", {"credential": key.create(options), "name": name}
    )


def _events(event_type: str) -> int:
    return AuditEvent.objects.filter(event_type=event_type, detail__device="security_key").count()


def _pages_open(client: Client) -> bool:
    return client.get(reverse("cases:case_list")).status_code == 200


def test_a_key_set_up_first_passes_the_session_and_logs_in_next_time(
    world: World, client: Client
) -> None:
    _log_in(client)
    assert not _pages_open(client)
    done = _register(client, SoftwareKey())
    assert done.status_code == 200
    assert done.json() == {"next": "/cases/"}
    stored = SecurityKey.objects.get(user__username="a_caseworker")
    assert (stored.name, stored.confirmed) == ("blue key", True)
    assert _events("MFA_ENROLLED") == 1
    assert _pages_open(client)


def test_logging_in_with_the_key_verifies_the_session_and_counts_its_use(
    world: World, client: Client
) -> None:
    key = SoftwareKey()
    _log_in(client)
    _register(client, key)
    client.post(reverse("accounts:logout"))
    _log_in(client)
    assert not _pages_open(client)
    page = client.get(reverse("accounts:mfa_verify"))
    assert "Use my security key" in page.content.decode()
    options = _options(client, "security_key_options")
    done = _answer(client, "security_key_verify", {"credential": key.get(options)})
    assert done.json() == {"next": "/cases/"}
    assert _pages_open(client)
    stored = SecurityKey.objects.get(user__username="a_caseworker")
    assert stored.sign_count == 1
    assert stored.last_used_at is not None
    assert _events("MFA_VERIFIED") == 1


def test_a_second_key_in_a_verified_session_is_added_without_offering_the_first_again(
    world: World, client: Client
) -> None:
    first = SoftwareKey()
    _log_in(client)
    _register(client, first)
    session_key = client.session.session_key
    options = _options(client, "security_key_register_options")
    assert [c["id"] for c in options["excludeCredentials"]] == [first.id]
    second = SoftwareKey()
    done = _answer(
        client, "security_key_register", {"credential": second.create(options), "name": ""}
    )
    assert done.status_code == 200
    names = sorted(SecurityKey.objects.values_list("name", flat=True))
    assert names == ["blue key", "security key"]
    # Already verified: no second step-up, the session keeps its key.
    assert client.session.session_key == session_key


def test_an_answer_without_a_challenge_or_given_twice_is_refused(
    world: World, client: Client
) -> None:
    key = SoftwareKey()
    _log_in(client)
    options = _options(client, "security_key_register_options")
    answer = {"credential": key.create(options), "name": "blue key"}
    assert _answer(client, "security_key_register", answer).status_code == 200
    replay = _answer(client, "security_key_register", answer)
    assert replay.status_code == 422
    assert replay.json() == {"message": gettext(REFUSED)}
    assert SecurityKey.objects.count() == 1


def test_a_key_answering_for_another_site_is_not_registered(world: World, client: Client) -> None:
    _log_in(client)
    response = _register(client, SoftwareKey(origin="https://phishing.example"))
    assert response.status_code == 422
    assert not SecurityKey.objects.exists()
    assert _events("MFA_ENROLLED") == 0
    assert not _pages_open(client)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"credential": "text"}',
        b'{"credential": {"id": "abc"}}',
        b'{"credential": {"id": "abc", "rawId": "abc", "type": "public-key", "response": {}}}',
    ],
    ids=["not-json", "not-an-object", "credential-not-an-object", "no-raw-id", "no-response"],
)
def test_a_malformed_answer_is_refused_not_an_error(
    world: World, client: Client, body: bytes
) -> None:
    _log_in(client)
    _options(client, "security_key_register_options")
    response = _answer(client, "security_key_register", body)
    assert response.status_code == 422
    assert response.json() == {"message": gettext(REFUSED)}
    assert not SecurityKey.objects.exists()


def _holder_back_at_verify(client: Client, key: SoftwareKey) -> dict[str, Any]:
    _log_in(client)
    _register(client, key)
    client.post(reverse("accounts:logout"))
    _log_in(client)
    return _options(client, "security_key_options")


@pytest.mark.parametrize(
    "answer",
    ["unknown", "forged", "malformed"],
)
def test_a_wrong_key_at_log_in_is_refused_and_audited(
    world: World, client: Client, answer: str
) -> None:
    key = SoftwareKey()
    options = _holder_back_at_verify(client, key)
    if answer == "unknown":
        stranger = SoftwareKey()  # a key this user never registered
        credential = stranger.get({**options, "allowCredentials": [{"id": stranger.id}]})
    else:
        # Same credential id, another private key: the signature does not match the stored key.
        impostor = SoftwareKey()
        impostor.credential_id = key.credential_id
        credential = impostor.get(options)
        if answer == "malformed":
            del credential["response"]["signature"]
    response = _answer(client, "security_key_verify", {"credential": credential})
    assert response.status_code == 422
    assert response.json() == {"message": gettext(REFUSED)}
    assert _events("MFA_FAILED") == 1
    assert _events("MFA_VERIFIED") == 0
    assert not _pages_open(client)
    assert SecurityKey.objects.get().last_used_at is None


def test_a_user_with_an_app_must_pass_it_before_adding_a_key(world: World, client: Client) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = world.members_a[next(iter(world.members_a))].user
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    _log_in(client, user.username)
    assert client.post(reverse("accounts:security_key_register_options")).status_code == 403
    assert _answer(client, "security_key_register", {"credential": {}}).status_code == 403


def test_a_user_without_a_key_cannot_start_a_key_log_in(world: World, client: Client) -> None:
    _log_in(client)
    assert client.post(reverse("accounts:security_key_options")).status_code == 403
    assert _answer(client, "security_key_verify", {"credential": {}}).status_code == 403


def test_over_an_ip_v6_address_the_options_name_the_address_without_brackets_or_port(
    world: World, client: Client
) -> None:
    """As over an IPv4 address, the browser decides whether an address may hold a key; the
    server answers the options instead of failing."""
    with override_settings(ALLOWED_HOSTS=["[::1]"]):
        client.post(
            reverse("accounts:login"),
            {"username": "a_caseworker", "password": PASSWORD},
            HTTP_HOST="[::1]:8000",
        )
        response = client.post(
            reverse("accounts:security_key_register_options"), HTTP_HOST="[::1]:8000"
        )
    assert response.status_code == 200
    assert json.loads(response.content)["rp"] == {"name": "OpenTRM", "id": "::1"}
