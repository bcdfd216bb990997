"""The whole-index rebuild files exactly what the per-person path files, on every path."""

from datetime import date
from typing import Any

import pytest
from django.db import connection

from opentrm.cases.models import Person, PersonCitizenship, PersonName, TravelDocument
from opentrm.matching import rebuild
from opentrm.matching.index import index_person
from opentrm.matching.models import MatchKey, MatchProfile
from opentrm.matching.rebuild import index_all
from opentrm.matching.scoring import PersonData, Prepared, prepare

PEOPLE: list[dict[str, Any]] = [
    {"names": ["Đorđević Milica", "Ceca"], "born": date(1999, 3, 4), "countries": ["RS"]},
    {"names": ["Ђорђевић Милица"], "born": date(1999, 4, 3), "countries": ["RS", "ME"]},
    {"names": ["Щерева Мария"], "born": None, "countries": ["BG"], "document": "BG 123-456"},
    {"names": ["Гнатюк Юлія"], "born": date(2001, 1, 30), "countries": [], "place": "Київ"},
    {"names": ["Παπαδοπούλου Ελένη"], "born": date(1990, 12, 1), "countries": ["GR"]},
    {"names": ["Ștefănescu-Popescu Ana\tMaria"], "born": None, "countries": ["RO"]},
    {"names": ["Shkodër \\ Frashëri"], "born": date(1985, 7, 7), "place": "Tiranë\nVlorë"},
    {"names": [], "born": date(1980, 1, 1), "countries": ["TR"], "document": "TR9999"},
]


def _register() -> list[Person]:
    persons = []
    for entry in PEOPLE:
        person = Person.objects.create(
            sex="female", date_of_birth=entry["born"], place_of_birth=entry.get("place", "")
        )
        for order, value in enumerate(entry["names"]):
            PersonName.objects.create(person=person, value=value, order=order)
        for code in entry.get("countries", []):
            PersonCitizenship.objects.create(person=person, country_code=code)
        if entry.get("document"):
            TravelDocument.objects.create(person=person, type="passport", number=entry["document"])
        index_person(person)
        persons.append(person)
    return persons


def _index() -> tuple[dict[int, Any], list[tuple[int, str]]]:
    profiles = dict(MatchProfile.objects.values_list("person_id", "data"))
    keys = sorted(MatchKey.objects.values_list("person_id", "key"))
    return profiles, keys


def _schema() -> list[tuple[str, bool, bool, tuple[str, ...]]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, MatchKey._meta.db_table)
        found |= connection.introspection.get_constraints(cursor, MatchProfile._meta.db_table)
    return sorted(
        (name, bool(c["unique"]), bool(c["foreign_key"]), tuple(c["columns"]))
        for name, c in found.items()
    )


@pytest.mark.django_db
def test_it_rebuilds_the_same_profiles_and_keys_as_filing_each_person() -> None:
    persons = _register()
    filed_one_by_one = _index()
    schema = _schema()
    assert len(filed_one_by_one[0]) == len(persons)
    assert index_all(batch=3) == len(persons)
    assert _index() == filed_one_by_one
    assert _schema() == schema  # the indexes and constraints dropped for the load are back


@pytest.mark.skipif(connection.vendor != "postgresql", reason="table constraints: PostgreSQL")
@pytest.mark.django_db
def test_a_unique_constraint_of_the_index_tables_is_back_after_the_load() -> None:
    """The model's uniqueness is a unique index; a unique constraint (``unique_together``, or one
    added by the operator) is dropped for the load too and made again from its definition."""
    persons = _register()
    filed_one_by_one = _index()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own rows: checked now
        cursor.execute(
            "ALTER TABLE matching_matchkey ADD CONSTRAINT matching_matchkey_key_person "
            "UNIQUE (key, person_id)"
        )
    schema = _schema()
    assert ("matching_matchkey_key_person", True, False, ("key", "person_id")) in schema
    assert index_all(batch=2) == len(persons)
    assert _index() == filed_one_by_one
    assert _schema() == schema


@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_worker_processes_rebuild_the_same_index_and_a_failure_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _register()
    filed_one_by_one = _index()
    schema = _schema()
    assert index_all(batch=2, workers=2) == len(PEOPLE)
    assert _index() == filed_one_by_one
    assert _schema() == schema

    def broken(data: PersonData) -> Prepared:
        if data.citizenships == ("GR",):
            raise RuntimeError("a rule that fails on one person")
        return prepare(data)

    monkeypatch.setattr(rebuild, "prepare", broken)  # the forked workers inherit it
    with pytest.raises(RuntimeError):
        index_all(batch=2, workers=2)
    assert _index() == filed_one_by_one
    assert _schema() == schema
