"""Finding a case (docs/cases.md, "Finding a case")."""

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases import services
from opentrm.cases.models import AgeBand, AssistanceStatus, Case, CaseParticipant, NameKind
from opentrm.cases.services import NameData
from opentrm.core.text import search_words

URL = reverse("cases:case_list")


def _case(world: World, *names: str, org: str = "a", **fields: object) -> Case:
    return services.case_register(
        actor=world.actor(Role.CASE_MANAGER, org=org),
        names=[NameData(value=names[0])]
        + [NameData(value=alias, kind=NameKind.ALIAS) for alias in names[1:]],
        **fields,  # type: ignore[arg-type]
    )


def _link(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.public_id])


def _found(client: Client, **data: str) -> str:
    response = client.post(URL, data)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_it_folds_case_diacritics_and_serbian_cyrillic_to_one_key() -> None:
    assert search_words("Јовановић") == search_words("JOVANOVIĆ") == ["jovanovic"]
    expected = ["djordje", "dzakovic"]
    assert search_words("Đorđe Џаковић") == search_words("ђорђе dzakovic") == expected
    assert search_words("Љиљана Њ.") == ["ljiljana", "nj"]


def test_it_finds_jovanovic_by_latin_cyrillic_and_without_accents(world: World) -> None:
    wanted = _case(world, "Ana Jovanović")
    other = _case(world, "Mira Petrović")
    client = browser(world, Role.CASEWORKER)
    for typed in ("jovanovic", "Јовановић", "JOVANOVIĆ", "ana jovan", "Ана"):
        page = _found(client, name=typed)
        assert _link(wanted) in page, typed
        assert _link(other) not in page, typed


def test_it_finds_a_name_written_in_cyrillic_and_an_alias(world: World) -> None:
    wanted = _case(world, "Марија Јовановић", "Maca")
    assert _link(wanted) in _found(browser(world, Role.CASEWORKER), name="marija jovanovic")
    assert _link(wanted) in _found(browser(world, Role.CASEWORKER), name="МАЦА")


def test_it_finds_a_name_after_the_names_are_corrected(world: World) -> None:
    case = _case(world, "Ana Jovanović")
    services.person_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=case.person.version,
        names=[NameData(value="Ana Marković")],
    )
    client = browser(world, Role.CASEWORKER)
    assert _link(case) in _found(client, name="markovic")
    assert _link(case) not in _found(client, name="jovanovic")


def test_a_user_never_finds_a_case_she_may_not_see(world: World) -> None:
    elsewhere = _case(world, "Ana Jovanović", org="b")
    client = browser(world, Role.CASEWORKER)  # agency A takes no part in the case
    assert _link(elsewhere) not in _found(client, name="jovanovic")
    page = client.get(URL, {"number": elsewhere.number}).content.decode()
    assert _link(elsewhere) not in page
    # once agency A takes part in it, it is found by its number, never by the name its owner
    # may or may not share with A
    CaseParticipant.objects.create(case=elsewhere, organisation=world.agency_a)
    assert _link(elsewhere) in client.get(URL, {"number": elsewhere.number}).content.decode()
    assert _link(elsewhere) not in _found(client, name="jovanovic")
    # a role that does no case work gets no list at all
    assert browser(world, Role.DIRECTORY_EDITOR).post(URL, {"name": "jovanovic"}).status_code in {
        403,
        404,
    }


def test_a_name_search_stays_out_of_the_url_and_the_audit_trail(world: World) -> None:
    wanted = _case(world, "Ana Jovanović")
    client = browser(world, Role.CASEWORKER)
    page = _found(client, name="Jovanović", status="")
    assert _link(wanted) in page
    event = AuditEvent.objects.filter(event_type=EventType.CASE_LISTED).latest("sequence")
    assert event.actor_id == world.members_a[Role.CASEWORKER].user_id
    assert event.detail["search"] == {"name": True}
    assert event.detail["case_ids"] == [wanted.pk]
    stored = json.dumps(event.detail) + str(event.changed_fields) + event.target_id
    assert "jovanovi" not in stored.lower()
    # posted without a name, the filters go to the URL; a name in a URL is ignored
    response = client.post(URL, {"number": wanted.number[-6:], "name": ""})
    assert response.status_code == 303
    assert response["Location"] == f"{URL}?number={wanted.number[-6:]}"
    other = _case(world, "Mira Petrović")
    page = client.get(URL, {"name": "jovanovic"}).content.decode()
    assert _link(other) in page  # not filtered by the name, and the name not shown back
    assert 'value="jovanovic"' not in page  # not put back in the search form


def test_it_filters_by_status_child_period_and_manager_kept_in_the_url(world: World) -> None:
    today = timezone.localdate()
    child = _case(world, "Child", date_of_birth=today - timedelta(days=365 * 10))
    adult = _case(world, "Adult", age_band=AgeBand.OVER_18)
    Case.objects.filter(pk=adult.pk).update(
        assistance_status=AssistanceStatus.ACCEPTED, opened_on=date(2025, 1, 10)
    )
    client = browser(world, Role.CASEWORKER)

    def numbers(**query: str) -> set[str]:
        page = client.get(URL, query).content.decode()
        return {case.number for case in (child, adult) if _link(case) in page}

    assert numbers(child="child") == {child.number}
    assert numbers(child="adult") == {adult.number}
    assert numbers(status=AssistanceStatus.ACCEPTED) == {adult.number}
    assert numbers(opened_from="2025-01-01", opened_to="2025-12-31") == {adult.number}
    manager = world.members_a[Role.CASE_MANAGER].user_id
    assert numbers(manager=str(manager)) == {child.number, adult.number}
    assert numbers(manager=str(world.members_a[Role.CASEWORKER].user_id)) == set()
    page = client.get(URL, {"sort": "number"}).content.decode()
    assert page.index(_link(child)) < page.index(_link(adult))
    page = client.get(URL, {"sort": "-number"}).content.decode()
    assert page.index(_link(adult)) < page.index(_link(child))
    event = AuditEvent.objects.filter(event_type=EventType.CASE_LISTED).latest("sequence")
    assert event.detail["search"] == {"sort": "-number"}


def test_a_name_search_takes_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    for index in range(20):
        _case(world, f"Ana Jovanović {index}", age_band=AgeBand.OVER_18)
    client = browser(world, Role.CASEWORKER)
    _found(client, name="jovanovic")
    # as the unfiltered list (test_register): the filters add no query
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        page = _found(client, name="jovanovic", child="adult", sort="number")
    assert page.count("Ana Jovanović") == 20


def test_past_the_count_cap_the_list_says_more_than_and_keeps_the_next_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentrm.cases import views_search
    from opentrm.core import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    monkeypatch.setattr(views_search, "PAGE_SIZE", 2)
    for index in range(5):
        _case(world, f"Ana Jovanović {index}")
    client = browser(world, Role.CASEWORKER)
    first = client.get(URL).content.decode()
    assert "More than 2 cases" in first
    assert "Page 1 of" not in first  # no total of pages that was never counted
    assert "page=2" in first
    third = client.get(URL, {"page": "3"}).content.decode()  # counted from its own start
    assert "5 cases" in third
    assert "More than" not in third
    assert "Page 3 of 3" in third
    by_name = _found(client, name="jovanovic")
    assert "More than 2 cases" in by_name
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    # a narrowing search is counted (up to the cap); the plain list never is
    assert "5 cases" in _found(client, name="jovanovic")
    assert "More than 2 cases" in client.get(URL).content.decode()
    past = client.get(URL, {"page": "9"}).content.decode()  # a stale link: empty, counted
    assert "No cases." in past
    assert "5 cases" in past


def test_the_plain_list_reads_one_row_past_the_page_and_never_counts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opentrm.cases import views_search

    monkeypatch.setattr(views_search, "PAGE_SIZE", 2)
    for index in range(3):
        _case(world, f"Ana Jovanović {index}")
    client = browser(world, Role.CASEWORKER)
    for query in ("", "?mine=1"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL + query).status_code == 200
        sql = [entry["sql"] for entry in queries.captured_queries]
        assert not [text for text in sql if "COUNT(" in text.upper() and "cases_case" in text]
        assert [text for text in sql if '"cases_case"' in text and "LIMIT 3" in text]
