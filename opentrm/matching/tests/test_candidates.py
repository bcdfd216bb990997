"""Candidate search: ranking, explanation, need to know, audit, and the index kept in step."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases import services
from opentrm.cases.models import Case, Sex, TravelDocument
from opentrm.cases.tests.factories import new_case
from opentrm.matching.explain import explain
from opentrm.matching.models import MatchKey, MatchProfile
from opentrm.matching.scoring import PersonData, compare, prepare
from opentrm.matching.services import find_candidates

CHECK = reverse("matching:person_check")


def _case(world: World, name: str, **fields: object) -> Case:
    return new_case(world, name, role=Role.CASE_MANAGER, interpreter=False, **fields)


def _explained(query: PersonData, candidate: PersonData) -> list[str]:
    with translation.override("en"):
        return explain(compare(prepare(query), prepare(candidate)).evidence)


def test_the_explanation_names_what_agreed_and_what_did_not() -> None:
    sentences = _explained(
        PersonData(names=("Dordevic Milica",), date_of_birth=date(1999, 3, 4), sex="female"),
        PersonData(names=("Милица Ђорђевић",), date_of_birth=date(1999, 4, 3), sex="male"),
    )
    assert sentences[0] == (
        "The names agree once written in the same alphabet and spelling: “Dordevic Milica” "
        "and “Милица Ђорђевић”. The names are in a different order (given and family name "
        "swapped)."
    )
    assert (
        "The dates of birth agree with day and month swapped (1999-03-04 and 1999-04-03)."
        in sentences
    )
    assert sentences[-1] == "The sex differs."


def test_the_explanation_tells_a_nickname_a_missing_middle_name_and_an_estimated_age() -> None:
    sentences = _explained(
        PersonData(names=("Ceca Marković",), estimated_age=25, age_on=date(2026, 1, 1)),
        PersonData(names=("Svetlana Ana Marković",), date_of_birth=date(2000, 5, 1)),
    )
    assert sentences[0].startswith("The names agree, one given as a short form (nickname)")
    assert sentences[0].endswith("(a middle name or a second family name).")
    assert sentences[1] == "The years of birth fit an estimated age (1998-2003 and 2000-05-01)."


def test_a_document_number_is_strong_evidence() -> None:
    with_document = compare(
        prepare(PersonData(names=("Ana Kovač",), documents=("AB 123-456",))),
        prepare(PersonData(names=("Ana Kovac",), documents=("ab123456",))),
    )
    without = compare(
        prepare(PersonData(names=("Ana Kovač",))), prepare(PersonData(names=("Ana Kovac",)))
    )
    assert with_document.score >= without.score + 8


def test_registration_files_the_person_and_a_change_refiles_it(world: World) -> None:
    case = _case(world, "Marija Petrović", date_of_birth=date(2001, 2, 3))
    keys = set(MatchKey.objects.filter(person=case.person).values_list("key", flat=True))
    assert "b:2001-02-03" in keys
    services.person_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=case.person.version,
        identity={"date_of_birth": date(2001, 2, 4)},
    )
    keys = set(MatchKey.objects.filter(person=case.person).values_list("key", flat=True))
    assert "b:2001-02-04" in keys
    assert "b:2001-02-03" not in keys
    TravelDocument.objects.create(person=case.person, type="passport", number="X1234567")
    assert MatchKey.objects.filter(person=case.person, key="d:X1234567").exists()


def test_own_candidate_is_shown_with_its_case_and_explanation(world: World) -> None:
    held = _case(world, "Đorđević Jelena", date_of_birth=date(1998, 7, 9), sex=Sex.FEMALE)
    _case(world, "Jelena Nikolić", date_of_birth=date(1970, 1, 1))
    found = find_candidates(
        PersonData(names=("Јелена Ђорђевић",), date_of_birth=date(1998, 7, 9)),
        world.actor(Role.CASEWORKER),
        via="check",
    )
    assert [candidate.case for candidate in found] == [held]
    assert found[0].names == ("Đorđević Jelena",)
    assert found[0].strong
    event = AuditEvent.objects.get(event_type=EventType.MATCH_SEARCHED)
    assert event.detail["shown_case_ids"] == [held.pk]
    assert "Jelena" not in str(event.detail)


def test_an_outsider_learns_only_the_holders_name_and_both_sides_are_audited(world: World) -> None:
    held = _case(world, "Ana Jovanović", date_of_birth=date(1995, 1, 2))
    client = browser(world, Role.CASEWORKER, org="b")
    page = client.post(
        CHECK, {"names": "Ана Јовановић", "sex": "unknown", "date_of_birth": "1995-01-02"}
    ).content.decode()
    assert world.agency_a.name in page
    assert "contact their focal point" in page
    assert "Јовановић" not in page.split("</form>")[1]  # the query is echoed only in the form
    assert "Jovanović" not in page
    assert held.number not in page
    assert str(held.public_id) not in page
    searched = AuditEvent.objects.get(event_type=EventType.MATCH_SEARCHED)
    assert searched.organisation_id == world.agency_b.pk
    assert searched.detail["held_by_organisation_ids"] == [world.agency_a.pk]
    reported = AuditEvent.objects.get(event_type=EventType.MATCH_REPORTED)
    assert reported.target_id == str(held.pk)
    assert reported.organisation_id == world.agency_b.pk


def test_the_case_page_shows_possible_records_of_the_same_person(world: World) -> None:
    first = _case(world, "Petar Marković", date_of_birth=date(1990, 12, 1))
    second = _case(world, "Пера Марковић", date_of_birth=date(1990, 1, 12))
    client = browser(world, Role.CASE_MANAGER)
    page = client.get(reverse("cases:case_detail", args=[second.public_id])).content.decode()
    assert "Possible records of the same person" in page
    assert reverse("cases:case_detail", args=[first.public_id]) in page
    assert "one given as a short form (nickname)" in page
    lone = _case(world, "Zorana Ilić")
    page = client.get(reverse("cases:case_detail", args=[lone.public_id])).content.decode()
    assert "Possible records of the same person" not in page


def test_a_deleted_case_is_no_candidate(world: World) -> None:
    case = _case(world, "Ivana Kostić", date_of_birth=date(2000, 1, 1))
    Case.objects.filter(pk=case.pk).soft_delete(by=None, reason="test")
    found = find_candidates(
        PersonData(names=("Ivana Kostic",), date_of_birth=date(2000, 1, 1)),
        world.actor(Role.CASEWORKER),
    )
    assert found == []


def test_bad_input_is_refused_with_a_message_and_nothing_searched(world: World) -> None:
    client = browser(world, Role.CASEWORKER)
    response = client.post(CHECK, {"names": "Ana", "sex": "unknown", "citizenship": "Serbia"})
    assert "Give two-letter country codes" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type=EventType.MATCH_SEARCHED).exists()


@pytest.mark.parametrize("role", [Role.INTERPRETER, Role.STATISTICIAN])
def test_roles_that_register_no_cases_cannot_check(world: World, role: Role) -> None:
    assert browser(world, role).get(CHECK).status_code == 403


def test_the_reindex_command_rebuilds_the_index(world: World) -> None:
    case = _case(world, "Марија Стојановић", date_of_birth=date(1993, 5, 6), citizenships=["RS"])
    MatchKey.objects.all().delete()
    MatchProfile.objects.all().delete()
    query = PersonData(names=("Marija Stojanovic",), birth_year=1993)
    assert find_candidates(query, world.actor(Role.CASEWORKER)) == []
    out = StringIO()
    call_command("matching_reindex", stdout=out)
    assert out.getvalue().startswith("1 persons indexed")
    found = find_candidates(query, world.actor(Role.CASEWORKER))
    assert [candidate.case for candidate in found] == [case]
    assert "The years of birth agree (1993 and 1993-05-06)." in found[0].explanation


def test_a_participant_not_shown_the_identity_learns_only_the_holder(world: World) -> None:
    from conftest import make_member
    from opentrm.accounts.policy import Actor
    from opentrm.cases.services.participants import participant_add

    held = _case(world, "Ana Jovanović", date_of_birth=date(1995, 1, 2))
    participant_add(actor=world.actor(Role.CASE_MANAGER), case=held, organisation=world.agency_c)
    member = make_member(world.agency_c, Role.CASEWORKER, "c_caseworker")
    found = find_candidates(
        PersonData(names=("Ана Јовановић",), date_of_birth=date(1995, 1, 2)),
        Actor(user=member.user, membership=member),
        via="check",
    )
    assert len(found) == 1
    assert found[0].case is None
    assert found[0].names == ()
    assert [holder.name for holder in found[0].holders] == [world.agency_a.name]


def test_the_case_page_audits_a_search_only_when_it_showed_something(world: World) -> None:
    lone = _case(world, "Zorana Ilić", date_of_birth=date(1980, 5, 5))
    query = PersonData(names=("Zorana Ilić",), date_of_birth=date(1980, 5, 5))
    actor = world.actor(Role.CASE_MANAGER)
    assert find_candidates(query, actor, exclude_person_id=lone.person_id, via="case") == []
    assert not AuditEvent.objects.filter(event_type=EventType.MATCH_SEARCHED).exists()
    assert find_candidates(query, actor, exclude_person_id=lone.person_id, via="check") == []
    assert AuditEvent.objects.filter(event_type=EventType.MATCH_SEARCHED).count() == 1


def test_only_the_best_candidates_up_to_the_limit_are_shown_and_audited(world: World) -> None:
    best = _case(world, "Đorđević Jelena", date_of_birth=date(1998, 7, 9), sex=Sex.FEMALE)
    _case(world, "Đorđević Jelena", date_of_birth=date(1998, 9, 7))
    found = find_candidates(
        PersonData(names=("Јелена Ђорђевић",), date_of_birth=date(1998, 7, 9)),
        world.actor(Role.CASEWORKER),
        limit=1,
        via="check",
    )
    assert [candidate.case for candidate in found] == [best]
    event = AuditEvent.objects.get(event_type=EventType.MATCH_SEARCHED)
    assert event.detail["shown_case_ids"] == [best.pk]


def test_a_person_with_two_cases_is_one_candidate_shown_with_the_newest_case(
    world: World,
) -> None:
    """The register allows several cases of one person (a case is a foreign key to its person):
    the person is proposed once, with the latest case the searcher may open."""
    older = _case(world, "Milica Stanković", date_of_birth=date(1999, 4, 5))
    newer = _case(world, "Milica Stanković", date_of_birth=date(1999, 4, 5))
    Case.objects.filter(pk=newer.pk).update(person=older.person)  # both cases of one person
    found = find_candidates(
        PersonData(names=("Милица Станковић",), date_of_birth=date(1999, 4, 5)),
        world.actor(Role.CASEWORKER),
        via="check",
    )
    assert [candidate.case for candidate in found] == [newer]
    event = AuditEvent.objects.get(event_type=EventType.MATCH_SEARCHED)
    assert event.detail["shown_case_ids"] == [newer.pk]
