"""Unusual access found in the audit trail (issue 17 §3): many case files opened by one user,
case files opened outside working hours, mass exports; raised by the cron command, told to the
officers of the user's country, reviewed by them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from opentrm.accounts.models import AccessAlert, AlertKind
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.models import AuditEvent
from opentrm.cases.tests.factories import new_case
from opentrm.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db
EVERY_DAY = {"OPENTRM_ALERT_WORKING_DAYS": "1-7"}  # the tests run on any day of the week


def _detect() -> str:
    out = StringIO()
    call_command("detect_unusual_access", stdout=out)
    return out.getvalue()


def _open_cases(world: World, client: Client, count: int) -> None:
    for n in range(count):
        case = new_case(world, f"Person Fictiva {n}", interpreter=False)
        assert client.get(reverse("cases:case_detail", args=[case.public_id])).status_code == 200


@override_settings(OPENTRM_ALERT_CASES=2, OPENTRM_ALERT_WORKING_HOURS="0-24", **EVERY_DAY)
def test_one_user_opening_many_case_files_is_flagged_once(world: World) -> None:
    reader = browser(world, Role.CASE_MANAGER)
    _open_cases(world, reader, 3)
    assert _detect() == "1 new access alerts.\n"
    alert = AccessAlert.objects.get()
    assert alert.kind == AlertKind.MANY_CASES
    assert alert.user == world.user(Role.CASE_MANAGER)
    assert alert.count == 3
    assert AuditEvent.objects.filter(event_type="ACCESS_ALERT_RAISED").count() == 1
    # a second run over the same events raises nothing new
    assert _detect() == "0 new access alerts.\n"
    officer = world.user(Role.DATA_PROTECTION_OFFICER)
    assert Notification.objects.filter(recipient=officer, kind=Kind.ACCESS_ALERT).count() == 1
    assert not Notification.objects.filter(
        recipient=world.user(Role.DATA_PROTECTION_OFFICER, org="b")
    ).exists()


@override_settings(OPENTRM_ALERT_CASES=5, OPENTRM_ALERT_WORKING_HOURS="0-24", **EVERY_DAY)
def test_a_few_case_files_in_working_hours_raise_nothing(world: World) -> None:
    _open_cases(world, browser(world, Role.CASEWORKER), 3)
    assert _detect() == "0 new access alerts.\n"


@override_settings(OPENTRM_ALERT_CASES=50, OPENTRM_ALERT_WORKING_HOURS="0-0", **EVERY_DAY)
def test_a_case_file_opened_outside_working_hours_is_flagged(world: World) -> None:
    _open_cases(world, browser(world, Role.CASEWORKER), 1)
    _detect()
    assert list(AccessAlert.objects.values_list("kind", flat=True)) == [AlertKind.OFF_HOURS]


@override_settings(OPENTRM_ALERT_EXPORTS=2, OPENTRM_ALERT_WORKING_HOURS="0-24", **EVERY_DAY)
def test_mass_exports_are_flagged(world: World) -> None:
    client = browser(world, Role.CASEWORKER)
    export = reverse("directory:export", args=[world.country_a.code])
    for _ in range(3):
        assert client.get(export).status_code == 200
    _detect()
    alert = AccessAlert.objects.get()
    assert alert.kind == AlertKind.MASS_EXPORT
    assert alert.count == 3


@override_settings(OPENTRM_ALERT_CASES=1, OPENTRM_ALERT_WORKING_HOURS="0-24", **EVERY_DAY)
def test_the_officer_reviews_an_alert_with_a_note(world: World) -> None:
    _open_cases(world, browser(world, Role.CASEWORKER), 2)
    _detect()
    alert = AccessAlert.objects.get()
    officer = browser(world, Role.DATA_PROTECTION_OFFICER)
    page = officer.get(reverse("audit:alert_list"))
    assert page.status_code == 200
    assert "a_caseworker" in page.content.decode()
    close = reverse("audit:alert_close", args=[alert.pk])
    assert officer.post(close, {"note": ""}).status_code == 422
    assert officer.post(close, {"note": "Backlog after a leave; agreed."}).status_code == 302
    alert.refresh_from_db()
    assert alert.closed_by == world.user(Role.DATA_PROTECTION_OFFICER)
    # another country's officer does not see it, and cannot close it
    abroad = browser(world, Role.DATA_PROTECTION_OFFICER, "b")
    assert "a_caseworker" not in abroad.get(reverse("audit:alert_list")).content.decode()
    assert abroad.post(close, {"note": "x"}).status_code == 403
    # nobody else reads the alerts
    assert browser(world, Role.CASE_MANAGER).get(reverse("audit:alert_list")).status_code == 403
