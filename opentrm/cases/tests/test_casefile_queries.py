"""The whole case file (``?section=all``) in a number of queries that does not grow with its
sections' rows (issue 18: a case file of any size costs the same)."""

import re
from collections import Counter
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.cases.services.assessments import assessment_record
from opentrm.cases.services.measures import measure_plan
from opentrm.cases.services.notes import note_add
from opentrm.cases.services.registration import NameData, case_register
from opentrm.cases.services.tasks import task_create
from opentrm.cases.tests.factories import record_consent, upload_pdf
from opentrm.catalogue.loader import load_catalogue

QUERIES_CASE_PAGE = 36  # a case manager's case page, default section (issue 18)


def test_the_whole_case_file_costs_the_same_with_one_row_or_many_per_section(
    world: World,
) -> None:
    manager = world.actor(Role.CASE_MANAGER)
    case = case_register(actor=manager)
    today = timezone.localdate()
    codes = iter(measure.code for measure in load_catalogue().measures)

    def plan_a_measure() -> None:
        for code in codes:  # the next measure the catalogue lets this case have
            try:
                measure_plan(actor=manager, case=case, code=code)
            except ValidationError:
                continue
            return

    def add_rows(n: int) -> None:
        note_add(actor=manager, case=case, text=f"Note {n}.", visibility="case")
        upload_pdf(manager, case, f"Document {n}", "legal", b"%PDF-1.4 a")
        task_create(actor=manager, case=case, title=f"Task {n}", due_on=today + timedelta(n))
        assessment_record(
            actor=manager, case=case, kind="needs", assessed_on=today, needs=["medical"]
        )
        plan_a_measure()
        record_consent(manager, case, "share_data", f"Told {n}.", recipient_country="RO")

    client = browser(world, Role.CASE_MANAGER)
    url = reverse("cases:case_detail", args=[case.public_id]) + "?section=all"
    add_rows(0)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    few = [query["sql"] for query in captured.captured_queries]  # before the log moves on
    for n in range(1, 5):
        add_rows(n)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    many = [query["sql"] for query in captured.captured_queries]
    assert page.status_code == 200
    assert "Note 4." in page.content.decode()
    assert len(many) == len(few), (_grown(few, many), _grown(many, few))


def _grown(few: list[str], many: list[str]) -> list[str]:
    """The queries the bigger file ran more often (ids and values blanked)."""

    def shapes(queries: list[str]) -> Counter[str]:
        return Counter(re.sub(r"\d+|'[^']*'", "?", sql)[:300] for sql in queries)

    return list((shapes(many) - shapes(few)).elements())


def test_the_case_page_reads_the_person_and_its_links_once(world: World) -> None:
    """The person's name heads the page, the identity section lists the names and
    citizenships, the identity-resolution candidates compare them, the linked-records panel
    lists the person's links: each read once a request (issue 18; they were read up to three
    times by the parts that show them)."""
    manager = world.actor(Role.CASE_MANAGER)
    case = case_register(
        actor=manager, names=[NameData(value="Ana Fictiva")], citizenships=["RO", "MD"]
    )
    client = browser(world, Role.CASE_MANAGER)
    url = reverse("cases:case_detail", args=[case.public_id])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.status_code == 200
    assert "Ana Fictiva" in page.content.decode()

    def reads(table: str) -> int:
        return sum(
            1
            for query in captured.captured_queries
            if query["sql"].startswith("SELECT") and f'FROM "{table}"' in query["sql"]
        )

    assert reads("cases_personname") == 1
    assert reads("cases_personcitizenship") == 1
    assert reads("cases_casestatuschange") == 1
    # the panel's links, and the candidates' "not the same person" decisions (matching)
    assert reads("linkage_personlink") == 2
    assert len(captured.captured_queries) <= QUERIES_CASE_PAGE, [
        query["sql"][:120] for query in captured.captured_queries
    ]
