"""The second factor: set-up with a QR code, codes at log-in, recovery codes, throttling,
enforcement for the roles that open personal data, and session rotation."""

import io
import re
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, World
from opentrm.accounts import mfa
from opentrm.accounts.models import Membership
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mfa_on")]


@pytest.fixture
def mfa_on():  # type: ignore[no-untyped-def]
    with override_settings(OPENTRM_MFA_REQUIRED=True):
        yield


def _code(device: TOTPDevice, *, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)  # type: ignore[no-untyped-call]
    totp.time = time.time() + offset
    return f"{totp.token():06d}"  # type: ignore[no-untyped-call]


def _log_in(client: Client, username: str) -> None:
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def _enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("accounts:mfa_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(reverse("accounts:mfa_setup"), {"code": _code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]+)</code>", done.content.decode())
    device.refresh_from_db()
    return device, codes


def _enrolled_and_back(client: Client, username: str) -> tuple[TOTPDevice, list[str]]:
    """Log in, set up the app, log out and log in again: the second factor is now asked."""
    _log_in(client, username)
    device, codes = _enrol(client)
    client.post(reverse("accounts:logout"))
    _log_in(client, username)
    return device, codes


def test_a_caseworker_without_an_app_is_sent_to_set_one_up_before_any_page(
    world: World, client: Client
) -> None:
    _log_in(client, "a_caseworker")
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_setup"))
    api = client.get("/api/v1/cases")
    assert api.status_code == 403
    assert api.json()["code"] == "second_factor_required"


def test_setup_shows_a_server_drawn_qr_code_and_gives_ten_recovery_codes(
    world: World, client: Client
) -> None:
    _log_in(client, "a_caseworker")
    page = client.get(reverse("accounts:mfa_setup"))
    html = page.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "<script" not in html.split("<main", 1)[-1]
    device, codes = _enrol(client)
    assert device.confirmed
    assert len(codes) == 10
    # enrolled and verified in this session: the case list opens
    assert client.get(reverse("cases:case_list")).status_code == 200
    assert AuditEvent.objects.filter(event_type="MFA_ENROLLED").count() == 1


def test_a_wrong_code_at_setup_keeps_the_app_unconfirmed(world: World, client: Client) -> None:
    _log_in(client, "a_caseworker")
    client.get(reverse("accounts:mfa_setup"))
    device = TOTPDevice.objects.get(confirmed=False)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:mfa_setup"), {"code": wrong})
    assert response.status_code == 422
    assert b"This code is not right" in response.content
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.get(reverse("cases:case_list")).status_code == 302


def test_next_log_in_asks_for_the_code_and_a_recovery_code_works_once(
    world: World, client: Client
) -> None:
    device, codes = _enrolled_and_back(client, "a_case_manager")
    response = client.get(reverse("cases:case_list"))
    assert response["Location"].startswith(reverse("accounts:mfa_verify"))
    # setting up a new phone needs the second factor first
    assert client.get(reverse("accounts:mfa_setup"))["Location"] == reverse("accounts:mfa_verify")
    ok = client.post(reverse("accounts:mfa_verify"), {"code": codes[0], "next": "/cases/"})
    assert ok.status_code == 302
    assert ok["Location"] == "/cases/"
    assert client.get(reverse("cases:case_list")).status_code == 200
    assert AuditEvent.objects.filter(event_type="MFA_RECOVERY_USED").count() == 1
    assert mfa.recovery_codes_left(device.user) == 9

    client.post(reverse("accounts:logout"))
    _log_in(client, "a_case_manager")
    again = client.post(reverse("accounts:mfa_verify"), {"code": codes[0]})
    assert again.status_code == 422
    assert client.get(reverse("cases:case_list")).status_code == 302


def test_wrong_codes_are_throttled_even_the_right_one_right_after(
    world: World, client: Client
) -> None:
    device, _codes = _enrolled_and_back(client, "a_prosecutor")
    wrong = f"{(int(_code(device)) + 500_000) % 1_000_000:06d}"
    for _ in range(3):
        assert client.post(reverse("accounts:mfa_verify"), {"code": wrong}).status_code == 422
    # the throttle now refuses even a good code until the wait is over (4 s after 3 failures)
    refused = client.post(reverse("accounts:mfa_verify"), {"code": _code(device, offset=30)})
    assert refused.status_code == 422
    assert AuditEvent.objects.filter(event_type="MFA_FAILED").count() == 4


def test_passing_the_second_factor_gives_the_session_a_new_key(
    world: World, client: Client
) -> None:
    device, _codes = _enrolled_and_back(client, "a_guardian")
    before = client.session.session_key
    client.post(reverse("accounts:mfa_verify"), {"code": _code(device, offset=30)})
    assert client.session.session_key != before


def test_an_evaluator_needs_no_second_factor(world: World, client: Client) -> None:
    _log_in(client, "a_evaluator")
    assert client.get(reverse("accounts:account")).status_code == 200


def test_every_role_that_opens_personal_data_needs_it() -> None:
    # the two roles that see no case, no audit trail, no member, no node key, sign no agreement
    # and draw no record-level dataset
    spared = {Role.EVALUATOR, Role.DIRECTORY_EDITOR}
    assert set(Role) - mfa.MFA_ROLES == spared


@override_settings(OPENTRM_MFA_REQUIRED=False)
def test_off_by_setting_nobody_is_asked(world: World, client: Client) -> None:
    _log_in(client, "a_caseworker")
    assert client.get(reverse("cases:case_list")).status_code == 200


def test_a_role_change_renews_the_session_and_asks_for_the_second_factor_again(
    world: World, client: Client
) -> None:
    _log_in(client, "a_evaluator")
    assert client.get(reverse("accounts:account")).status_code == 200
    before = client.session.session_key
    Membership.objects.filter(user__username="a_evaluator").update(role=Role.CASEWORKER)
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_setup"))
    assert client.session.session_key != before
    assert AuditEvent.objects.filter(event_type="SESSION_ROTATED").count() == 1


@override_settings(OPENTRM_MFA_REQUIRED=False)
def test_switching_organisation_renews_the_session(world: World, client: Client) -> None:
    user = world.user(Role.CASEWORKER)
    second = Membership.objects.create(user=user, organisation=world.agency_c, role=Role.CASEWORKER)
    client.force_login(user)
    client.get(reverse("accounts:choose_organisation"))
    before = client.session.session_key
    client.post(reverse("accounts:choose_organisation"), {"membership": second.pk})
    assert client.session.session_key != before


def test_the_privileges_check_and_the_actor_read_the_memberships_once_a_request(
    world: World, client: Client
) -> None:
    """The second-factor middleware's privileges check costs no query of its own: it and the
    page's actor share one read of the memberships (issue 18)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _log_in(client, "a_evaluator")  # needs no second factor, so the page answers
    client.get(reverse("directory:search"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("directory:search")).status_code == 200
    reads = [q for q in queries.captured_queries if 'FROM "accounts_membership"' in q["sql"]]
    assert len(reads) == 1


def test_renewed_recovery_codes_replace_the_old_ones_and_are_audited(
    world: World, client: Client
) -> None:
    _log_in(client, "a_case_manager")
    _device, old = _enrol(client)
    renewed = client.post(reverse("accounts:mfa_recovery_renew"))
    assert renewed.status_code == 200
    new = re.findall(r"<code>([a-z0-9]+)</code>", renewed.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert AuditEvent.objects.filter(event_type="MFA_RECOVERY_RENEWED").count() == 1
    client.post(reverse("accounts:logout"))
    _log_in(client, "a_case_manager")
    assert client.post(reverse("accounts:mfa_verify"), {"code": new[0]}).status_code == 302
    client.post(reverse("accounts:logout"))
    _log_in(client, "a_case_manager")
    assert client.post(reverse("accounts:mfa_verify"), {"code": old[1]}).status_code == 422


def test_recovery_codes_cannot_be_renewed_before_passing_the_second_factor_or_without_an_app(
    world: World, client: Client
) -> None:
    _device, codes = _enrolled_and_back(client, "a_case_manager")
    assert client.post(reverse("accounts:mfa_recovery_renew")).status_code == 403
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 302
    client.post(reverse("accounts:logout"))
    _log_in(client, "a_evaluator")  # needs no second factor and has no app
    assert client.post(reverse("accounts:mfa_recovery_renew")).status_code == 403
    assert not AuditEvent.objects.filter(event_type="MFA_RECOVERY_RENEWED").exists()


def test_the_operator_resets_a_lost_second_factor_and_the_next_log_in_sets_up_a_new_one(
    world: World, client: Client
) -> None:
    _enrolled_and_back(client, "a_case_manager")
    out = io.StringIO()
    call_command("reset_mfa", "a_case_manager", stdout=out)
    assert out.getvalue().strip() == "2 second-factor devices removed."
    assert AuditEvent.objects.filter(event_type="MFA_RESET").count() == 1
    client.post(reverse("accounts:logout"))
    _log_in(client, "a_case_manager")
    response = client.get(reverse("cases:case_list"))
    assert response["Location"].startswith(reverse("accounts:mfa_setup"))
    with pytest.raises(CommandError, match="No such user"):
        call_command("reset_mfa", "nobody_here")
