"""The dashboard, its exports, the aggregate API and where the roles land (issue 15 §3, §5-7)."""

from __future__ import annotations

import csv
import io

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import PASSWORD, World
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.cases.models import Case
from opentrm.cases.services import case_register
from opentrm.stats.services.fill import fill

DASHBOARD = reverse("stats:dashboard")


def _scene(world: World) -> None:
    """23 women, 4 men, 1 of unknown sex in agency A; 12 men in agency C (same country)."""
    actor = world.actor(Role.CASEWORKER)
    for sex, n in (("female", 23), ("male", 4), ("unknown", 1)):
        for _ in range(n):
            case_register(actor=actor, sex=sex, citizenships=["RO"])
    for _ in range(12):
        case = case_register(actor=actor, sex="male")
        Case.objects.filter(pk=case.pk).update(owner_organisation=world.agency_c)
    fill()


def _client(world: World, role: Role) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def test_the_statistician_sees_the_breakdown_with_small_counts_hidden(world: World) -> None:
    _scene(world)
    page = _client(world, Role.STATISTICIAN).get(DASHBOARD, {"breakdown": "sex"})

    assert page.status_code == 200
    body = page.content.decode()
    table = body[
        body.index('id="breakdown-table"') : body.index(
            "</table>", body.index('id="breakdown-table"')
        )
    ]
    # women 23 shown; the unknown sex (1) hidden, and the men (16) with it; total 40
    assert '<th scope="row">Female</th><td class="num" data-series="0">23</td>' in table
    assert '<th scope="row">Male</th><td class="num" data-series="0">x</td>' in table
    assert '<th scope="row">Unknown</th><td class="num" data-series="0">x</td>' in table
    assert '<td class="num">40</td>' in table
    assert "not shown" in body  # the rule


def test_an_organisation_filter_narrows_the_figures(world: World) -> None:
    _scene(world)
    page = _client(world, Role.NATIONAL_COORDINATOR).get(
        DASHBOARD, {"organisation": str(world.agency_c.pk), "breakdown": "total"}
    )
    body = page.content.decode()
    table = body[body.index('id="breakdown-table"') :]
    assert '<td class="num">12</td>' in table  # agency C's 12 cases, total row


def test_exports_hold_only_protected_figures_and_the_rule(world: World) -> None:
    _scene(world)
    client = _client(world, Role.EVALUATOR)

    response = client.get(DASHBOARD, {"breakdown": "sex", "export": "csv"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    figures = [cell for row in rows[1:] for cell in row[1:3] if cell.isdigit()]
    assert figures
    assert all(int(n) == 0 or int(n) > 10 for n in figures)
    assert any("Disclosure control" in row[0] for row in rows if row)

    workbook = load_workbook(
        io.BytesIO(client.get(DASHBOARD, {"breakdown": "sex", "export": "xlsx"}).content)
    )
    sheet = workbook.active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert all(v == 0 or v > 10 for v in values if isinstance(v, int))
    assert any(isinstance(v, str) and "Disclosure control" in v for v in values)


def test_the_htcds_export_uses_the_standards_names(world: World) -> None:
    _scene(world)
    response = _client(world, Role.STATISTICIAN).get(reverse("stats:htcds_export"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    fields = {row[0] for row in rows[1:] if row}
    assert {"prs_Gender", "vic_TraffickingStatus", "prs_Citizenship", "cas_Count"} <= fields
    assert ["prs_Gender", "Feminine", "23"] in [row[:3] for row in rows]
    assert ["prs_Gender", "Masculine", "x"] in [row[:3] for row in rows]
    counts = [row[2] for row in rows[1:] if len(row) > 2 and row[2].isdigit()]
    assert all(int(n) == 0 or int(n) > 10 for n in counts)


def test_case_roles_get_no_statistics(world: World) -> None:
    assert _client(world, Role.CASEWORKER).get(DASHBOARD).status_code == 403
    assert _client(world, Role.DATA_PROTECTION_OFFICER).get(DASHBOARD).status_code == 403


def test_a_bad_period_is_explained_and_the_default_shown(world: World) -> None:
    page = _client(world, Role.STATISTICIAN).get(DASHBOARD, {"start": "2026-13", "end": "x"})

    assert page.status_code == 200
    assert "Enter a month as YYYY-MM." in page.content.decode()


def test_statistician_and_evaluator_land_on_the_dashboard(world: World) -> None:
    for role in (Role.STATISTICIAN, Role.EVALUATOR):
        client = Client()
        response = client.post(
            reverse("accounts:login"),
            {"username": world.user(role).username, "password": PASSWORD},
        )
        assert response.status_code == 302
        assert response["Location"] == DASHBOARD
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": world.user(Role.CASEWORKER).username, "password": PASSWORD},
    )
    assert response["Location"] == reverse("notifications:home")


def test_the_coordinator_sees_headline_figures_at_home(world: World) -> None:
    _scene(world)
    home = _client(world, Role.NATIONAL_COORDINATOR).get(reverse("notifications:home"))
    body = home.content.decode()

    assert 'id="statistics"' in body
    assert '<td class="num" data-series="0">40</td>' in body  # new cases
    assert (
        'id="statistics"'
        not in _client(world, Role.CASEWORKER).get(reverse("notifications:home")).content.decode()
    )


def test_the_api_answers_protected_aggregates(world: World) -> None:
    _scene(world)
    _token, secret = api_token_create(actor=world.actor(Role.NATIONAL_COORDINATOR), name="s")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    answer = client.get("/api/v1/stats/table", {"breakdown": "sex"}).json()
    assert answer["total_current"] == 40
    assert {row["value"]: row["current"] for row in answer["rows"]} == {
        "female": 23,
        "male": None,
        "unknown": None,
    }
    assert "Disclosure control" in answer["rule"]

    bad = client.get("/api/v1/stats/table", {"start": "2026-13"})
    assert bad.status_code == 422
    assert client.get("/api/v1/stats/indicators").status_code == 200
    htcds = client.get("/api/v1/stats/htcds").json()
    assert all(
        row["count"] is None or row["count"] == 0 or row["count"] > 10 for row in htcds["rows"]
    )
