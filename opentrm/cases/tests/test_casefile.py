"""The case file page (issue 12 §4): summary, sections one at a time (htmx or plain links),
actions that cannot be done now shown disabled with their reason, the printable summary."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import measure_plan, plan_draft, reflection_period_start
from opentrm.cases.tests.factories import new_case
from opentrm.cases.views_common import case_url
from opentrm.core.tests.pdf import pdf_text

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva", role=Role.CASE_MANAGER)


def _get(client: Client, case: Case, **query: str) -> str:
    response = client.get(reverse("cases:case_detail", args=[case.public_id]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_summary_the_navigation_and_one_section(
    world: World, case: Case
) -> None:
    client = browser(world, Role.CASEWORKER)
    page = _get(client, case)
    assert 'id="summary"' in page
    assert 'aria-label="Sections of the case file"' in page
    section = reverse("cases:case_section", args=[case.public_id, "tasks"])
    # A plain link (works without JavaScript) that htmx follows to load the section alone.
    assert f'href="?section=tasks#tasks" hx-get="{section}"' in page
    assert 'id="consents-heading"' in page  # the first section by default
    assert 'id="tasks-heading"' not in page
    page = _get(client, case, section="tasks")
    assert 'id="tasks-heading"' in page
    assert 'id="consents-heading"' not in page
    assert '<a href="?section=tasks#tasks"' in page
    assert 'aria-current="page">Tasks</a>' in page
    everything = _get(client, case, section="all")
    assert 'id="tasks-heading"' in everything
    assert 'id="consents-heading"' in everything


def test_htmx_loads_a_section_alone_and_the_read_is_audited(world: World, case: Case) -> None:
    client = browser(world, Role.CASEWORKER)
    url = reverse("cases:case_section", args=[case.public_id, "notes"])
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="notes-heading"' in body
    event = AuditEvent.objects.filter(event_type=EventType.CASE_VIEWED).latest("sequence")
    assert event.detail["view"] == "section:notes"
    # Without htmx: the page, at the section.
    plain = client.get(url)
    assert plain.status_code == 302
    assert plain["Location"].endswith("?section=notes#notes")
    assert (
        client.get(reverse("cases:case_section", args=[case.public_id, "nothing"])).status_code
        == 404
    )


def test_a_saved_form_comes_back_to_its_section() -> None:
    case = Case(public_id="2f1c1a4e-9d6b-4bb0-8b2e-0c5c3a8d9e11")
    assert case_url(case, "measure-sop1.initial_referral").endswith(
        "?section=measures#measure-sop1.initial_referral"
    )
    assert case_url(case, "hearings").endswith("?section=proceedings#hearings")
    assert case_url(case, "tasks").endswith("?section=tasks#tasks")


def test_the_summary_says_the_reflection_period_once_not_as_a_banner(
    world: World, case: Case
) -> None:
    reflection_period_start(actor=world.actor(Role.CASE_MANAGER), case=case)
    client = browser(world, Role.CASEWORKER)
    response = client.post(
        reverse("cases:task_create", args=[case.public_id]),
        {"title": "Call the shelter", "due_on": TODAY().isoformat()},
        follow=True,
    )
    page = response.content.decode()
    assert "Call the shelter" in page
    assert page.count("No return or removal can be completed while it runs.") == 1
    messages = re.findall(r'class="messages?[ "][^>]*>(.*?)</(?:p|li|div)>', page, re.S)
    assert messages
    assert not any("No return" in text or "left" in text for text in messages)
    measures = _get(client, case, section="measures")
    assert 'id="reflection-running"' in measures
    assert not any(
        "left" in text for text in re.findall(r'class="message[^>]*>(.*?)</p>', measures, re.S)
    )
    assert measures.count("No return or removal can be completed while it runs.") == 1


def test_a_plan_that_cannot_be_activated_shows_a_disabled_button_with_the_reasons(
    world: World, case: Case
) -> None:
    plan = plan_draft(actor=world.actor(Role.CASEWORKER), case=case, goals="Safe housing.")
    page = _get(browser(world, Role.CASEWORKER), case, section="plans")
    activate = reverse("cases:plan_activate", args=[case.public_id, plan.pk])
    assert activate not in page
    assert (
        '<button type="button" disabled aria-disabled="true" aria-describedby="plan-blockers"'
        in page
    )
    assert 'id="plan-blockers"' in page


def test_the_printable_summary_is_confidential_audited_and_within_the_role(
    world: World, case: Case, tmp_path: Path, settings: Any
) -> None:
    measure_plan(actor=world.actor(Role.CASEWORKER), case=case, code="sop1.initial_referral")
    client = browser(world, Role.CASEWORKER)
    response = client.get(reverse("cases:case_summary_pdf", args=[case.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert "Ana" not in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    assert text.count("CONFIDENTIAL") >= 2  # the mark on the page and the running header
    assert case.number in text
    assert "Ana Fictiva" in text  # the caseworker sees identity
    assert "Initial referral" in text or "initial referral" in text.lower()
    assert "Formal identification" not in text  # only the measures on the case
    event = AuditEvent.objects.get(event_type=EventType.CASE_SUMMARY_EXPORTED)
    assert event.target_id == str(case.pk)
    assert "identity" in event.detail["groups"]
    assert "Ana" not in str(event.detail)
    # Outside the case's organisations: hidden, nothing printed or audited.
    outsider = browser(world, Role.CASEWORKER, org="b")
    assert outsider.get(reverse("cases:case_summary_pdf", args=[case.public_id])).status_code == 404
    assert AuditEvent.objects.filter(event_type=EventType.CASE_SUMMARY_EXPORTED).count() == 1
