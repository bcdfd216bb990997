"""Keeping the matching index in step with the persons, and reading candidates from it.

A person is re-filed inside the transaction that wrote it: the cases services send
``cases.signals.person_changed`` after saving names and citizenships, and a travel document
saved or deleted re-files its person too. ``matching_reindex`` rebuilds everything
(``matching.rebuild``).
"""

from collections import Counter

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from opentrm.cases.models import Person, TravelDocument
from opentrm.cases.signals import person_changed
from opentrm.matching.models import MatchKey, MatchProfile
from opentrm.matching.scoring import (
    MAX_CANDIDATES,
    PersonData,
    Prepared,
    blocking_keys,
    prepare,
)


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


def key_rows(prepared: Prepared) -> list[str]:
    """The keys filed for a person, as stored (at most 64 characters), in order."""
    return sorted({key[:64] for key in blocking_keys(prepared)})


@transaction.atomic
def index_person(person: Person) -> None:
    """File one person afresh (its old keys go)."""
    prepared = prepare(person_data(person))
    MatchKey.objects.filter(person_id=person.pk).delete()
    MatchProfile.objects.update_or_create(
        person_id=person.pk, defaults={"data": prepared.to_json()}
    )
    MatchKey.objects.bulk_create(
        [MatchKey(person_id=person.pk, key=key) for key in key_rows(prepared)]
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
