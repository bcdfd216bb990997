"""The anonymous feedback of assisted persons: codes, the public form (no login, nothing kept
about the sender, rate-limited), and aggregates with small counts suppressed."""

import csv
import io
from collections.abc import Iterator
from datetime import date

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Organisation
from opentrm.monitoring import feedback
from opentrm.monitoring.feedback import Cell, feedback_aggregates, suppress
from opentrm.monitoring.models import FeedbackCode, FeedbackResponse

CODE_HOLDERS = {
    Role.CASE_MANAGER,
    Role.CASEWORKER,
    Role.POLICE_INVESTIGATOR,
    Role.PROSECUTOR,
    Role.GUARDIAN,
}


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _code(world: World, org: str = "a") -> FeedbackCode:
    return feedback.feedback_code_issue(actor=world.actor(Role.CASEWORKER, org=org))


def _answers(organisation: Organisation, month: date, n: int, **answers: object) -> None:
    FeedbackResponse.objects.bulk_create(
        FeedbackResponse(organisation=organisation, month=month, **answers) for _ in range(n)
    )


# --- codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_only_the_roles_that_assist_persons_hand_out_a_code(world: World, role: Role) -> None:
    actor = world.actor(role)
    if role in CODE_HOLDERS:
        code = feedback.feedback_code_issue(actor=actor)
        assert code.organisation_id == world.agency_a.pk
    else:
        with pytest.raises(PermissionDenied):
            feedback.feedback_code_issue(actor=actor)


def test_a_new_code_replaces_the_old_one(world: World) -> None:
    old = _code(world)
    new = _code(world)
    assert len(new.code) == feedback.CODE_LENGTH
    assert set(new.code) <= set(feedback.ALPHABET)
    assert feedback.code_for_answering(old.code) is None
    assert feedback.code_for_answering(new.code.lower()) == new  # typed in small letters
    shown = feedback.display_code(new.code)
    assert feedback.code_for_answering(f" {shown} ") == new  # with its dash and spaces
    page = Client()
    page.force_login(world.user(Role.CASEWORKER))
    assert shown.encode() in page.get(reverse("monitoring:feedback_code")).content


def test_the_code_of_a_deactivated_organisation_stops_working(world: World) -> None:
    code = _code(world)
    Organisation.objects.filter(pk=world.agency_a.pk).update(is_active=False)
    assert feedback.code_for_answering(code.code) is None


# --- the public form --------------------------------------------------------------------------


def test_a_person_answers_without_logging_in_and_nothing_identifies_them(world: World) -> None:
    code = _code(world)
    events_before = AuditEvent.objects.count()
    client = Client(HTTP_USER_AGENT="Fictional Phone 1.0", REMOTE_ADDR="198.51.100.7")
    start = client.get(reverse("feedback:start"), {"code": feedback.display_code(code.code)})
    assert start.status_code == 302
    form = client.get(start["Location"])
    assert form.status_code == 200
    assert world.agency_a.name.encode() in form.content
    response = client.post(
        start["Location"],
        {"satisfaction": "4", "felt_safe": "yes", "understood": "partly"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:thanks")

    answer = FeedbackResponse.objects.get()
    assert answer.organisation_id == world.agency_a.pk
    assert answer.month.day == 1  # the month only, no day and no time
    assert (answer.satisfaction, answer.felt_safe, answer.understood, answer.would_recommend) == (
        4,
        "yes",
        "partly",
        "",
    )
    # What a row can hold at all: no account, case, code, address, browser or time.
    assert {f.name for f in FeedbackResponse._meta.get_fields()} == {
        "id",
        "organisation",
        "month",
        "satisfaction",
        "felt_safe",
        "understood",
        "would_recommend",
    }
    assert AuditEvent.objects.count() == events_before  # no event dates the answer
    assert not Session.objects.exists()  # no session was opened for the sender
    assert set(client.cookies) <= {"csrftoken"}


def test_an_empty_answer_is_refused(world: World) -> None:
    code = _code(world)
    response = Client().post(reverse("feedback:answer", args=[code.code]), {})
    assert response.status_code == 400
    assert b"Answer at least one question." in response.content
    assert not FeedbackResponse.objects.exists()


def test_a_bad_answer_is_refused(world: World) -> None:
    code = _code(world)
    response = Client().post(
        reverse("feedback:answer", args=[code.code]), {"satisfaction": "9", "felt_safe": "yes"}
    )
    assert response.status_code == 400
    assert not FeedbackResponse.objects.exists()


def test_an_unknown_code_is_refused(world: World) -> None:
    _code(world)
    response = Client().get(reverse("feedback:start"), {"code": "AAAA-AAAA"})
    assert response.status_code == 404
    assert b"This code is not valid." in response.content
    assert Client().post(reverse("feedback:answer", args=["AAAAAAAA"]), {}).status_code == 404
    assert not FeedbackResponse.objects.exists()


@override_settings(OPENTRM_FEEDBACK_PER_CODE_PER_HOUR=3)
def test_answers_for_one_code_are_limited_per_hour(world: World) -> None:
    code = _code(world)
    url = reverse("feedback:answer", args=[code.code])
    statuses = [Client().post(url, {"felt_safe": "yes"}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert FeedbackResponse.objects.count() == 3
    other = _code(world, org="b")  # another organisation's code still works
    assert Client().post(reverse("feedback:answer", args=[other.code]), {"felt_safe": "no"})[
        "Location"
    ] == reverse("feedback:thanks")


@override_settings(OPENTRM_FEEDBACK_PER_NODE_PER_HOUR=2)
def test_guessing_codes_is_limited_per_hour(world: World) -> None:
    statuses = [
        Client().get(reverse("feedback:start"), {"code": f"AAAA-AAA{n}"}).status_code
        for n in range(2, 5)
    ]
    assert statuses == [404, 404, 429]


def test_the_form_is_offered_in_the_persons_language(world: World) -> None:
    code = _code(world)
    client = Client()
    client.post(reverse("set_language"), {"language": "sq", "next": "/"})
    page = client.get(reverse("feedback:answer", args=[code.code]))
    assert b'<html lang="sq">' in page.content


# --- aggregates -------------------------------------------------------------------------------


def test_it_suppresses_counts_from_one_to_the_threshold_and_shows_zero() -> None:
    cells = [Cell(0), Cell(1), Cell(10), Cell(11), Cell(30)]
    suppress(cells, Cell(52), 10)
    assert [c.value for c in cells] == [0, None, None, 11, 30]


def test_a_single_hidden_count_takes_a_second_one_with_it() -> None:
    cells = [Cell(3), Cell(20), Cell(12), Cell(0)]
    suppress(cells, Cell(35), 10)
    # 3 alone hidden would be 35 - 20 - 12 - 0: the smallest other count (12) goes too.
    assert [c.value for c in cells] == [None, 20, None, 0]


def test_a_small_total_hides_the_whole_row() -> None:
    cells = [Cell(4), Cell(0), Cell(3)]
    total = Cell(7, suppressed=True)
    suppress(cells, total, 10)
    assert [c.value for c in cells] == [None, 0, None]


def test_aggregates_by_period_and_organisation_never_show_a_small_count(world: World) -> None:
    _answers(world.agency_a, date(2026, 1, 1), 14, satisfaction=5, felt_safe="yes")
    _answers(world.agency_a, date(2026, 2, 1), 6, satisfaction=2, felt_safe="no")
    _answers(world.agency_a, date(2026, 4, 1), 3, satisfaction=4)
    _answers(world.agency_c, date(2026, 1, 1), 2, satisfaction=1)
    rows = feedback_aggregates(
        organisations=[world.agency_a, world.agency_c], period="quarter", by_organisation=True
    )
    by_key = {(row.period, row.organisation_id): row for row in rows}
    q1 = by_key[("2026-Q1", world.agency_a.pk)]
    assert q1.answers.value == 20
    satisfaction = dict(q1.questions[0].cells)
    # 14 very happy and 6 unhappy: the 6 is hidden, and with it the 14 (else 20 - 14 = 6).
    assert satisfaction["Very happy"].value is None
    assert satisfaction["Unhappy"].value is None
    assert satisfaction["Happy"].value == 0
    assert by_key[("2026-Q2", world.agency_a.pk)].answers.value is None
    assert by_key[("2026-Q1", world.agency_c.pk)].answers.value is None
    for row in rows:
        counts = [row.answers.value] + [
            cell.value for question in row.questions for _label, cell in question.cells
        ]
        assert not [value for value in counts if value is not None and 0 < value <= 10]


def test_aggregates_of_all_organisations_together_by_year(world: World) -> None:
    _answers(world.agency_a, date(2026, 1, 1), 8, would_recommend="yes")
    _answers(world.agency_c, date(2026, 11, 1), 8, would_recommend="yes")
    _answers(world.agency_b, date(2026, 11, 1), 50, would_recommend="no")  # not asked for
    [row] = feedback_aggregates(
        organisations=[world.agency_a, world.agency_c], period="year", by_organisation=False
    )
    assert (row.period, row.organisation_id, row.answers.value) == ("2026", None, 16)
    recommend = dict(row.questions[3].cells)
    assert recommend["Yes"].value == 16
    assert recommend["No"].value == 0
    assert row.questions[0].cells[-1][1].value == 16  # nobody answered the first question
    assert feedback_aggregates(organisations=[world.agency_a], threshold=5)[0].answers.value == 8


def test_aggregates_within_dates(world: World) -> None:
    _answers(world.agency_a, date(2026, 1, 1), 12, felt_safe="yes")
    _answers(world.agency_a, date(2026, 3, 1), 12, felt_safe="yes")
    rows = feedback_aggregates(
        organisations=[world.agency_a],
        period="month",
        date_from=date(2026, 2, 15),
        date_to=date(2026, 3, 31),
    )
    assert [(row.period, row.answers.value) for row in rows] == [("2026-03", 12)]


@pytest.mark.parametrize("role", list(Role))
def test_only_coordinators_statisticians_and_evaluators_see_the_report(
    world: World, role: Role
) -> None:
    client = Client()
    client.force_login(world.user(role))
    readers = {Role.NATIONAL_COORDINATOR, Role.STATISTICIAN, Role.EVALUATOR}
    expected = 200 if role in readers else 403
    assert client.get(reverse("monitoring:feedback_report")).status_code == expected


def test_the_report_and_its_export_hold_no_small_count(world: World) -> None:
    _answers(world.agency_a, date(2026, 5, 1), 13, satisfaction=5, understood="yes")
    _answers(world.agency_a, date(2026, 5, 1), 2, satisfaction=1, understood="no")
    _answers(world.agency_b, date(2026, 5, 1), 40, satisfaction=3)  # another country
    client = Client()
    client.force_login(world.user(Role.STATISTICIAN))
    page = client.get(reverse("monitoring:feedback_report"), {"period": "month"})
    assert b"2026-05" in page.content
    assert world.agency_b.name.encode() not in page.content
    exported = client.get(
        reverse("monitoring:feedback_report"), {"period": "month", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert "Counts from 1 to 10 are not shown" in rows[0][0]
    counts = [row[4] for row in rows[2:]]
    assert counts[0] == "15"  # the answers of the month
    assert not [c for c in counts if c != "—" and 0 < int(c) <= 10]
    assert "—" in counts
    api = client.get("/api/v1/monitoring/feedback", {"period": "month"}).json()
    assert api[0]["answers"] == 15
    values = [c["count"] for q in api[0]["questions"] for c in q["counts"]]
    assert None in values
    assert not [v for v in values if v is not None and 0 < v <= 10]
