"""Break-the-glass (issue 17 §2) and who opened a case file (§3): a member whose organisation is
not on a case opens it in an emergency with a reason, read-only and for a limited time; the
case manager sees it; the data-protection officer reviews it."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser, member_browser
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, EmergencyAccess
from opentrm.cases.tests.factories import new_case
from opentrm.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db
REASON = "The person called the hotline from a petrol station; police must find her now."


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva", role=Role.CASE_MANAGER)


@pytest.fixture
def outsider(world: World) -> Client:
    """A caseworker of agency C: same country as the case, not on it."""
    return member_browser(make_member(world.agency_c, Role.CASEWORKER, "c_caseworker"))


def _open(client: Client, number: str, reason: str = REASON):  # type: ignore[no-untyped-def]
    return client.post(reverse("emergency:open"), {"number": number, "reason": reason})


def test_an_outsider_opens_a_case_in_an_emergency_read_only_and_flagged(
    world: World, case: Case, outsider: Client
) -> None:
    detail = reverse("cases:case_detail", args=[case.public_id])
    assert outsider.get(detail).status_code == 404
    response = _open(outsider, case.number)
    assert response.status_code == 302
    assert response["Location"] == detail
    page = outsider.get(detail)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="emergency-access"' in html
    assert "Fictiva" in html  # the identity a caseworker's role reads
    # read-only: the person's data cannot be edited
    assert outsider.get(reverse("cases:person_edit", args=[case.public_id])).status_code in (
        403,
        404,
    )
    access = EmergencyAccess.objects.get()
    assert access.reason == REASON
    opened = AuditEvent.objects.get(event_type="EMERGENCY_ACCESS_OPENED")
    assert opened.detail["case_id"] == case.pk
    assert REASON not in str(opened.detail)  # the reason stays on the row, not in the trail


def test_the_access_ends_when_its_time_is_up(world: World, case: Case, outsider: Client) -> None:
    with override_settings(OPENTRM_EMERGENCY_ACCESS_MINUTES=30):
        _open(outsider, case.number)
    access = EmergencyAccess.objects.get()
    assert access.expires_at - access.opened_at == timedelta(minutes=30)
    EmergencyAccess.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert outsider.get(reverse("cases:case_detail", args=[case.public_id])).status_code == 404


def test_a_reason_is_mandatory(world: World, case: Case, outsider: Client) -> None:
    response = _open(outsider, case.number, reason="urgent")
    assert response.status_code == 422
    assert b"at least 20 characters" in response.content
    assert not EmergencyAccess.objects.exists()


def test_a_case_of_another_country_or_an_unknown_number_is_refused_alike(
    world: World, case: Case
) -> None:
    abroad = browser(world, Role.CASEWORKER, "b")
    refused = _open(abroad, case.number)
    unknown = _open(abroad, "XX-0000-99999")
    assert refused.status_code == unknown.status_code == 422
    assert b"No case with this number can be opened" in refused.content
    assert b"No case with this number can be opened" in unknown.content
    assert not EmergencyAccess.objects.exists()
    assert (
        AuditEvent.objects.filter(
            event_type="ACCESS_DENIED", detail__action="case.emergency_open"
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    "role", [Role.INTERPRETER, Role.STATISTICIAN, Role.DATA_PROTECTION_OFFICER]
)
def test_roles_without_case_work_cannot_break_the_glass(
    world: World, case: Case, role: Role
) -> None:
    assert browser(world, role).get(reverse("emergency:open")).status_code == 403


def test_the_officer_and_the_case_manager_are_told_and_the_officer_reviews(
    world: World, case: Case, outsider: Client
) -> None:
    _open(outsider, case.number)
    officer = world.user(Role.DATA_PROTECTION_OFFICER)
    manager = world.user(Role.CASE_MANAGER)
    assert Notification.objects.filter(recipient=officer, kind=Kind.EMERGENCY_ACCESS).exists()
    assert Notification.objects.filter(recipient=manager, kind=Kind.EMERGENCY_ACCESS).exists()
    assert not Notification.objects.filter(
        recipient=world.user(Role.DATA_PROTECTION_OFFICER, org="b")
    ).exists()

    dpo = browser(world, Role.DATA_PROTECTION_OFFICER)
    listing = dpo.get(reverse("emergency:reviews"))
    assert REASON in listing.content.decode()
    access = EmergencyAccess.objects.get()
    review = reverse("emergency:review", args=[access.pk])
    # "not justified" needs a note saying what follows
    assert dpo.post(review, {"conclusion": "not_justified"}).status_code == 422
    assert dpo.post(review, {"conclusion": "justified", "note": ""}).status_code == 302
    access.refresh_from_db()
    assert access.conclusion == "justified"
    assert access.reviewed_by == officer
    again = dpo.post(review, {"conclusion": "not_justified", "note": "changed my mind"})
    assert again.status_code == 422
    assert b"reviewed already" in again.content
    # another country's officer neither sees nor reviews it
    abroad = browser(world, Role.DATA_PROTECTION_OFFICER, "b")
    assert REASON not in abroad.get(reverse("emergency:reviews")).content.decode()
    assert abroad.post(review, {"conclusion": "justified"}).status_code == 403


def test_the_case_manager_sees_who_opened_the_case_and_why(
    world: World, case: Case, outsider: Client
) -> None:
    browser(world, Role.CASEWORKER).get(reverse("cases:case_detail", args=[case.public_id]))
    _open(outsider, case.number)
    outsider.get(reverse("cases:case_detail", args=[case.public_id]))
    log = reverse("cases:case_access_log", args=[case.public_id])
    manager = browser(world, Role.CASE_MANAGER)
    page = manager.get(log)
    assert page.status_code == 200
    html = page.content.decode()
    assert "a_caseworker" in html
    assert "c_caseworker" in html
    assert html.count(REASON) >= 2  # the emergency, and the opening made under it
    assert "Organisation on the case" in html
    assert AuditEvent.objects.filter(event_type="CASE_ACCESS_REVIEWED").count() == 1
    # nobody else: not the caseworker on the case, not the emergency reader
    assert browser(world, Role.CASEWORKER).get(log).status_code == 403
    assert outsider.get(log).status_code == 403
