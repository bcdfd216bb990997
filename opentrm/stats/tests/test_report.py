"""The annual report for the national rapporteur (issue 15 §5): a PDF whose figures are the
dashboard's, protected, in the reader's language, audited with counts only."""

from __future__ import annotations

import io
import re
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import case_register
from opentrm.core.tests.pdf import pdf_text
from opentrm.stats.services.fill import fill
from opentrm.stats.tests.test_dashboard import _scene as dashboard_scene

REPORT = reverse("stats:annual_report")
DASHBOARD = reverse("stats:dashboard")
ROW = re.compile(
    r'<th scope="row">([^<]+)</th><td class="num" data-series="0">([^<]+)</td>'
    r'<td class="num" data-series="1">([^<]+)</td>'
)


def _scene(world: World) -> int:
    """This year: the dashboard's scene (23 women, 4 men, 1 of unknown sex in agency A; 12 men
    in agency C, same country); last year: 14 women. Returns this year."""
    dashboard_scene(world)
    actor = world.actor(Role.CASEWORKER)
    year = timezone.localdate().year
    for _ in range(14):
        case = case_register(actor=actor, sex="female", citizenships=["MD"])
        Case.objects.filter(pk=case.pk).update(opened_on=date(year - 1, 3, 2))
    fill(full=True)
    return year


def _client(world: World, role: Role) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def _dashboard_rows(client: Client, year: int, breakdown: str) -> list[tuple[str, str, str]]:
    page = client.get(
        DASHBOARD,
        {
            "start": f"{year}-01",
            "end": f"{year}-12",
            "country": "AL",
            "indicator": "new_cases",
            "breakdown": breakdown,
        },
    ).content.decode()
    table = page[page.index('id="breakdown-table"') :]
    return ROW.findall(table[: table.index("</table>")])


def _table_lines(text: str) -> list[str]:
    """The lines of the report's tables: a label, then figures (x or numbers) only."""
    return [
        line.strip()
        for line in text.splitlines()
        if re.fullmatch(r"\s*\S.*?(\s{2,}(x|\d+(\.\d+)?))+\s*", line)
    ]


def test_the_coordinator_gets_the_dashboard_figures_in_the_pdf(
    world: World, tmp_path: Path
) -> None:
    year = _scene(world)
    client = _client(world, Role.NATIONAL_COORDINATOR)
    response = client.get(REPORT, {"year": str(year)})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    catalog: Any = PdfReader(io.BytesIO(response.content)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # tagged (PDF/UA), like the project's other PDFs
    assert catalog["/Lang"] == "en"
    text = pdf_text(response.content, tmp_path)
    assert f"annual statistics {year}, AL" in text
    assert "not shown" in text  # the rule, stated
    flat = re.sub(r"\s+", " ", text)
    for breakdown in ("sex", "citizenship", "child"):
        rows = _dashboard_rows(client, year, breakdown)
        assert rows
        for label, current, previous in rows:
            assert f"{label} {current} {previous}" in flat, (breakdown, label)
    # the figures themselves: women 23 this year, 14 the year before; the small ones hidden
    assert re.search(r"Female\s+23\s+14", text)
    assert re.search(r"Male\s+x\s+0", text)
    assert re.search(r"Total\s+40\s+14", text)
    lines = _table_lines(text)
    assert len(lines) > 20
    small = [
        line
        for line in lines
        if set(re.findall(r"(?<![\d.])\d+(?![\d.])", line)) & {str(n) for n in range(1, 11)}
    ]
    assert small == []
    assert "Definitions" in text


def test_the_report_is_audited_with_counts_only(world: World) -> None:
    year = _scene(world)
    _client(world, Role.EVALUATOR).get(REPORT, {"year": str(year)})

    event = AuditEvent.objects.get(event_type=EventType.STATS_REPORT_EXPORTED)
    assert event.actor_id == world.user(Role.EVALUATOR).pk
    assert event.detail["year"] == year
    assert event.detail["country"] == "AL"
    assert event.detail["suppressed"] > 0
    assert set(event.detail) == {"year", "country", "language", "tables", "suppressed", "format"}


def test_a_bad_year_is_refused_with_a_message_and_nothing_audited(world: World) -> None:
    client = _client(world, Role.NATIONAL_COORDINATOR)
    for year in ("1999", str(timezone.localdate().year + 1), "abc", ""):
        response = client.get(REPORT, {"year": year}, follow=True)
        assert response.redirect_chain[-1][0] == DASHBOARD
        body = response.content.decode()
        assert "Choose a year from 2000" in body or "Enter a year as four digits." in body
    assert not AuditEvent.objects.filter(event_type=EventType.STATS_REPORT_EXPORTED).exists()


def test_the_dashboard_offers_the_report_only_to_those_who_may_have_it(world: World) -> None:
    offered = _client(world, Role.NATIONAL_COORDINATOR).get(DASHBOARD).content.decode()
    assert 'id="report-form"' in offered
    assert REPORT in offered
    statistician = _client(world, Role.STATISTICIAN).get(DASHBOARD).content.decode()
    assert 'id="report-form"' not in statistician


@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.NATIONAL_COORDINATOR, Role.EVALUATOR)]
)
def test_every_other_role_is_refused(world: World, role: Role) -> None:
    response = _client(world, role).get(REPORT, {"year": "2025"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(event_type=EventType.STATS_REPORT_EXPORTED).exists()


def test_the_command_writes_the_report_in_the_chosen_language(world: World, tmp_path: Path) -> None:
    year = _scene(world)
    output = tmp_path / "report-sr.pdf"
    out = StringIO()
    call_command(
        "annual_report",
        year=year,
        username=world.user(Role.NATIONAL_COORDINATOR).username,
        language="sr",
        output=output,
        stdout=out,
    )

    text = pdf_text(output.read_bytes(), tmp_path)
    assert "Нови случајеви" in text  # "New cases" in Serbian (Cyrillic)
    assert re.search(r"23\s+14", text)
    assert str(output) in out.getvalue()
