"""Keeping the matching index in step with the persons, and reading candidates from it.

A person is re-filed inside the transaction that wrote it: the cases services send
``cases.signals.person_changed`` after saving names and citizenships, and a travel document
saved or deleted re-files its person too. ``matching_reindex`` rebuilds everything.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from opentrm.cases.models import Person, PersonCitizenship, PersonName, TravelDocument
from opentrm.cases.signals import person_changed
from opentrm.matching.models import MatchKey, MatchProfile
from opentrm.matching.scoring import (
    MAX_CANDIDATES,
    PersonData,
    Prepared,
    blocking_keys,
    prepare,
)

BATCH = 5000


def person_data(person: Person) -> PersonData:
    """What the matcher compares of ``person`` (names, citizenships and documents prefetched
    or fetched here)."""
    return PersonData(
        names=tuple(name.value for name in person.names.all()),
        sex=person.sex,
        date_of_birth=person.date_of_birth,
        citizenships=tuple(c.country_code for c in person.citizenships.all()),
        place_of_birth=person.place_of_birth,
        documents=tuple(d.number for d in person.documents.all() if d.number),
    )


def _rows(person_id: int, prepared: Prepared) -> tuple[MatchProfile, list[MatchKey]]:
    return (
        MatchProfile(person_id=person_id, data=prepared.to_json()),
        [MatchKey(person_id=person_id, key=key[:64]) for key in sorted(blocking_keys(prepared))],
    )


@transaction.atomic
def index_person(person: Person) -> None:
    """File one person afresh (its old keys go)."""
    profile, keys = _rows(person.pk, prepare(person_data(person)))
    MatchKey.objects.filter(person_id=person.pk).delete()
    MatchProfile.objects.update_or_create(person_id=person.pk, defaults={"data": profile.data})
    MatchKey.objects.bulk_create(keys)


def _batch_data(ids: Sequence[int]) -> list[tuple[int, PersonData]]:
    """The matcher's view of the persons ``ids``, read as plain values (no model instances:
    the rebuild of a register of a million persons reads each row once)."""
    names: dict[int, list[str]] = defaultdict(list)
    for person_id, value in (
        PersonName.objects.filter(person_id__in=ids)
        .order_by("person_id", "order", "id")
        .values_list("person_id", "value")
    ):
        names[person_id].append(value)
    countries: dict[int, list[str]] = defaultdict(list)
    for person_id, code in PersonCitizenship.objects.filter(person_id__in=ids).values_list(
        "person_id", "country_code"
    ):
        countries[person_id].append(code)
    documents: dict[int, list[str]] = defaultdict(list)
    for person_id, number in TravelDocument.objects.filter(
        person_id__in=ids, number__gt=""
    ).values_list("person_id", "number"):
        documents[person_id].append(number)
    return [
        (
            pk,
            PersonData(
                names=tuple(names[pk]),
                sex=sex,
                date_of_birth=born,
                citizenships=tuple(countries[pk]),
                place_of_birth=place,
                documents=tuple(documents[pk]),
            ),
        )
        for pk, sex, born, place in Person.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "sex", "date_of_birth", "place_of_birth")
    ]


def index_all(*, batch: int = BATCH) -> int:
    """Rebuild the whole index, ``batch`` persons per transaction; the number filed."""
    MatchKey.objects.all().delete()
    MatchProfile.objects.all().delete()
    count = 0
    last = 0
    while True:
        ids = list(
            Person.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return count
        with transaction.atomic():
            index_prepared((pk, prepare(data)) for pk, data in _batch_data(ids))
        count += len(ids)
        last = ids[-1]


def index_prepared(people: Iterable[tuple[int, Prepared]]) -> None:
    """File persons that have no index rows yet (the rebuild, the benchmark's bulk load). On
    PostgreSQL the rows go in with COPY, much faster than INSERTs for a million persons."""
    profiles: list[tuple[int, str]] = []
    keys: list[tuple[int, str]] = []
    for person_id, prepared in people:
        profiles.append((person_id, json.dumps(prepared.to_json(), separators=(",", ":"))))
        keys.extend((person_id, key[:64]) for key in sorted(blocking_keys(prepared)))
    if connection.vendor == "postgresql":
        now = timezone.now()
        with connection.cursor() as cursor:
            with cursor.copy(
                f"COPY {MatchProfile._meta.db_table} (person_id, data, indexed_at) FROM STDIN"
            ) as copy:
                for person_id, data in profiles:
                    copy.write_row((person_id, data, now))
            with cursor.copy(f"COPY {MatchKey._meta.db_table} (person_id, key) FROM STDIN") as copy:
                for row in keys:
                    copy.write_row(row)
        return
    MatchProfile.objects.bulk_create(
        [MatchProfile(person_id=pk, data=json.loads(data)) for pk, data in profiles],
        batch_size=BATCH,
    )
    MatchKey.objects.bulk_create(
        [MatchKey(person_id=pk, key=key) for pk, key in keys], batch_size=BATCH * 4
    )


def candidates(query: Prepared, *, exclude: int | None = None) -> list[tuple[int, Prepared]]:
    """The persons sharing a blocking key with ``query``, those sharing most first, at most
    ``MAX_CANDIDATES``, with their normalised forms."""
    keys = sorted(key[:64] for key in blocking_keys(query))
    if not keys:
        return []
    hits = Counter(MatchKey.objects.filter(key__in=keys).values_list("person_id", flat=True))
    hits.pop(exclude, None)  # type: ignore[arg-type]
    ids = [person_id for person_id, _count in hits.most_common(MAX_CANDIDATES)]
    profiles = MatchProfile.objects.filter(person_id__in=ids).values_list("person_id", "data")
    return [(person_id, Prepared.from_json(data)) for person_id, data in profiles]


def _on_person_changed(sender: object, person: Person, **kwargs: object) -> None:
    index_person(person)


def _on_document(sender: object, instance: TravelDocument, **kwargs: object) -> None:
    person = Person.objects.filter(pk=instance.person_id).first()
    if person is not None:
        index_person(person)


def connect() -> None:
    person_changed.connect(_on_person_changed, dispatch_uid="matching.index")
    post_save.connect(_on_document, sender=TravelDocument, dispatch_uid="matching.document_saved")
    post_delete.connect(
        _on_document, sender=TravelDocument, dispatch_uid="matching.document_deleted"
    )
