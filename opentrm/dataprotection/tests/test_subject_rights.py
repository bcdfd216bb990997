"""The subject-access report and the survivor notice, as the person and the staff get them."""

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import note_add, proceeding_record
from opentrm.cases.tests.factories import new_case
from opentrm.core.tests.pdf import pdf_text
from opentrm.referrals.services.national import referral_send_national

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


@pytest.fixture
def case(world: World) -> Case:
    case = new_case(world, "Fictiva Testperson", interpreter=False)
    manager = world.actor(Role.CASE_MANAGER)
    note_add(
        actor=manager,
        case=case,
        text="Fictional note on a clinic visit",
        visibility="case",
        field_group="health",
    )
    proceeding_record(
        actor=manager, case=case, country_code="AL", kind="criminal", reference="FICT-42/2026"
    )
    referral_send_national(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        receiver=world.agency_c,
        reason="Fictional shelter need",
        service_type="shelter",
    )
    return case


def report(client: Client, case: Case, **params: str) -> Any:
    url = reverse("dataprotection:subject_access_report", args=[case.public_id])
    return client.get(url, params)


@needs_pdftotext
@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.DATA_PROTECTION_OFFICER])
def test_the_report_holds_everything_on_the_person_and_who_received_it(
    world: World, case: Case, login: Any, tmp_path: Path, role: Role
) -> None:
    response = report(login(world.user(role)), case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Fictiva" not in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    for held in ("Fictiva", "Testperson", "clinic visit", "FICT-42/2026", "Fictional shelter need"):
        assert held in text, held
    # The organisation the case was referred to is named among the recipients.
    assert "Agency C Outsider NGO" in text
    event = AuditEvent.objects.filter(event_type="SUBJECT_ACCESS_REPORT_EXPORTED").get()
    assert event.target_id == str(case.pk)
    assert "Fictiva" not in str(event.detail)


@needs_pdftotext
def test_the_report_is_in_the_language_asked_for(
    world: World, case: Case, login: Any, tmp_path: Path
) -> None:
    english = pdf_text(report(login(world.user(Role.CASE_MANAGER)), case).content, tmp_path)
    assert "The information we hold about you" in english
    albanian = report(login(world.user(Role.CASE_MANAGER)), case, language="sq")
    assert albanian.status_code == 200
    assert albanian["Content-Disposition"].endswith('-sq.pdf"')
    event = (
        AuditEvent.objects.filter(event_type="SUBJECT_ACCESS_REPORT_EXPORTED")
        .order_by("sequence")
        .last()
    )
    assert event is not None
    assert event.detail["language"] == "sq"
    unknown = report(login(world.user(Role.CASE_MANAGER)), case, language="xx")
    assert unknown["Content-Disposition"].endswith('-en.pdf"')


@needs_pdftotext
def test_a_deleted_case_is_still_in_the_report(
    world: World, case: Case, login: Any, tmp_path: Path
) -> None:
    case.mark_deleted(by=world.user(Role.CASE_MANAGER), reason="Fictional duplicate")
    response = report(login(world.user(Role.DATA_PROTECTION_OFFICER)), case)
    assert response.status_code == 200
    assert "Testperson" in pdf_text(response.content, tmp_path)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.INTERPRETER, Role.STATISTICIAN])
def test_roles_that_do_not_answer_requests_are_refused(
    world: World, case: Case, login: Any, role: Role
) -> None:
    assert report(login(world.user(role)), case).status_code == 403
    assert not AuditEvent.objects.filter(event_type="SUBJECT_ACCESS_REPORT_EXPORTED").exists()


def test_another_organisation_is_told_the_case_does_not_exist(
    world: World, case: Case, login: Any
) -> None:
    partner = world.members_b[Role.DATA_PROTECTION_OFFICER].user
    assert report(login(partner), case).status_code == 404


@needs_pdftotext
def test_the_survivor_notice_says_who_may_read_each_part_from_the_policy(
    world: World, login: Any, tmp_path: Path
) -> None:
    client = login(world.user(Role.CASEWORKER))
    response = client.get(reverse("dataprotection:survivor_notice"))
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "Your information and your rights" in text
    # Health is read by case managers, caseworkers and guardians, not by the police.
    health = text.split("Your health:")[1].split("Police and court")[0]
    assert "Case manager" in health
    assert "Police investigator" not in health
    assert "5 years after your case is closed" in text
    assert (
        client.get(reverse("dataprotection:survivor_notice"), {"language": "ro"}).status_code == 200
    )


def test_the_survivor_notice_needs_a_login(client: Client, db: None) -> None:
    response = client.get(reverse("dataprotection:survivor_notice"))
    assert response.status_code == 302


def test_the_case_page_offers_the_report_and_the_leaflet_to_the_controller_only(
    world: World, case: Case, login: Any
) -> None:
    page = reverse("cases:case_detail", args=[case.public_id])
    report_url = reverse("dataprotection:subject_access_report", args=[case.public_id])

    manager = login(world.user(Role.CASE_MANAGER)).get(page).content.decode()
    assert f"{report_url}?language=sq" in manager
    assert f"{reverse('dataprotection:survivor_notice')}?language=sr" in manager

    caseworker = login(world.user(Role.CASEWORKER)).get(page).content.decode()
    assert "data-subject-rights" not in caseworker
    assert report_url not in caseworker


def test_the_data_protection_officer_finds_breaches_and_processing_in_the_menu(
    world: World, login: Any
) -> None:
    menu = login(world.user(Role.DATA_PROTECTION_OFFICER)).get(reverse("accounts:account"))
    html = menu.content.decode()
    assert reverse("dataprotection:breach_list") in html
    assert reverse("dataprotection:processing_records") in html
    caseworker = login(world.user(Role.CASEWORKER)).get(reverse("accounts:account"))
    assert reverse("dataprotection:breach_list") not in caseworker.content.decode()
