"""Rebuilding the whole matching index (``matching_reindex``, after a restore, an import or a
change of the normalisation rules), fast enough for a register of a million persons.

On PostgreSQL the rebuild is one transaction:

1. lock the index tables (and the persons against writes, so that a person written meanwhile
   waits and then files itself, and no lock is taken in the opposite order), empty them, and
   drop their secondary indexes and constraints (kept as their definitions);
2. read the persons in ranges of primary keys and turn each range into the text of two COPYs:
   in worker processes (each with its own connection: the persons are locked against writes
   only, not reads) when the register is large, so that reading and normalising use every
   core while this process and the database server write;
3. COPY the profiles and the keys, then create the indexes and constraints again from their
   definitions: one sort per index instead of a B-tree insertion per key. The foreign keys
   stay (checked row by row): dropping one would lock the persons against every reader.

Outside a transaction the tables are vacuumed afterwards, so that a search reads the key
index alone at once. Searches wait for the rebuild (they see the old index until it commits:
never a half-built one); so does registering or changing a person. If the rebuild fails,
nothing changed.

Elsewhere (SQLite: development and tests) the rebuild files batch after batch with
``bulk_create``. Both paths file exactly what ``index.index_person`` files for each person
(a test compares them).
"""

import json
import multiprocessing
import multiprocessing.pool
import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from opentrm.cases.models import Person, PersonCitizenship, PersonName, TravelDocument
from opentrm.matching.index import key_rows
from opentrm.matching.models import MatchKey, MatchProfile
from opentrm.matching.scoring import PersonData, Prepared, prepare

BATCH = 5000
# Below this many persons the work stays in this process: forking costs more than it saves.
PARALLEL_FROM = 50_000

Range = tuple[int, int]
# The constraints dropped for the load: unique ones (and their indexes). Not the foreign keys:
# dropping one locks the persons' table against every reader until the rebuild commits.
DROPPED_CONSTRAINTS = ("u",)


def profile_json(prepared: Prepared) -> str:
    return json.dumps(prepared.to_json(), separators=(",", ":"), ensure_ascii=False)


def _ranges(ids: Sequence[int], batch: int) -> list[Range]:
    return [(ids[i], ids[min(i + batch, len(ids)) - 1]) for i in range(0, len(ids), batch)]


def persons_in(first: int, last: int) -> list[tuple[int, PersonData]]:
    """The matcher's view of the persons with primary keys from ``first`` to ``last``, read as
    plain values (no model instances: a rebuild reads a million persons)."""
    span = {"person_id__gte": first, "person_id__lte": last}
    names: dict[int, list[str]] = defaultdict(list)
    for person_id, value in (
        PersonName.objects.filter(**span)
        .order_by("person_id", "order", "id")
        .values_list("person_id", "value")
    ):
        names[person_id].append(value)
    countries: dict[int, list[str]] = defaultdict(list)
    for person_id, code in (
        PersonCitizenship.objects.filter(**span)
        .order_by("person_id", "id")
        .values_list("person_id", "country_code")
    ):
        countries[person_id].append(code)
    documents: dict[int, list[str]] = defaultdict(list)
    for person_id, number in (
        TravelDocument.objects.filter(**span, number__gt="")
        .order_by("person_id", "id")
        .values_list("person_id", "number")
    ):
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
        for pk, sex, born, place in Person.objects.filter(pk__range=(first, last))
        .order_by("pk")
        .values_list("pk", "sex", "date_of_birth", "place_of_birth")
    ]


def _copy_field(text: str) -> str:
    """A value in COPY's text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(people: list[tuple[int, PersonData]], stamp: str) -> tuple[str, str, int]:
    """The COPY text of the profiles and of the keys of ``people``."""
    profiles: list[str] = []
    keys: list[str] = []
    for person_id, data in people:
        prepared = prepare(data)
        pk = str(person_id)
        profiles.append(f"{pk}\t{_copy_field(profile_json(prepared))}\t{stamp}\n")
        keys.extend(f"{pk}\t{_copy_field(key)}\n" for key in key_rows(prepared))
    return "".join(profiles), "".join(keys), len(people)


@contextmanager
def _secondary_indexes_dropped(cursor: CursorWrapper, tables: Sequence[str]) -> Iterator[None]:
    """Drop the tables' indexes and constraints other than the primary key; create them again
    from their own definitions on the way out (nothing is restored on an error: the
    transaction rolls back)."""
    constraints: list[tuple[str, str, str]] = []
    indexes: list[tuple[str, str]] = []
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = ANY(%s) ORDER BY conname",
            [table, list(DROPPED_CONSTRAINTS)],
        )
        constraints.extend((table, name, definition) for name, definition in cursor.fetchall())
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))"
            "::regclass) ORDER BY i.indexname",
            [table],
        )
        indexes.extend(cursor.fetchall())
    quote = connection.ops.quote_name
    for table, name, _definition in constraints:
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    for _name, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in constraints:
        cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def _ranges_of_persons(batch: int) -> list[Range]:
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    return _ranges(ids, batch)


def quote_table(model: type[Person] | type[MatchKey] | type[MatchProfile]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _read_copy_text(job: tuple[Range, str]) -> tuple[str, str, int]:
    """In a worker, with its own connection: read and normalise one range of persons."""
    span, stamp = job
    with transaction.atomic():  # one snapshot for the four reads
        return _copy_text(persons_in(*span), stamp)


def _copy_texts(
    spans: list[Range], stamp: str, pool: multiprocessing.pool.Pool | None
) -> Iterator[tuple[str, str, int]]:
    """The COPY texts, range after range: read and normalised by the ``pool``'s workers while
    this process writes, or here."""
    if pool is None:
        return (_copy_text(persons_in(*span), stamp) for span in spans)
    return pool.imap(_read_copy_text, [(span, stamp) for span in spans])


@contextmanager
def _workers(count: int) -> Iterator[multiprocessing.pool.Pool | None]:
    """``count`` worker processes (none for one), forked while this process holds no
    connection, so that each opens its own."""
    if count <= 1:
        yield None
        return
    connection.close()
    with multiprocessing.get_context("fork").Pool(count) as pool:
        yield pool


def _index_all_postgresql(*, batch: int, workers: int) -> int:
    profiles, keys = quote_table(MatchProfile), quote_table(MatchKey)
    stamp = timezone.now().isoformat()
    count = 0
    with _workers(workers) as pool, transaction.atomic(), connection.cursor() as cursor:
        # Writers of persons wait (they would wait for the index anyway), taking no lock this
        # rebuild needs after them.
        cursor.execute(f"LOCK TABLE {quote_table(Person)} IN SHARE ROW EXCLUSIVE MODE")
        # The foreign keys checked row by row, not queued to the commit (an index cannot be
        # created on a table with checks pending).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"LOCK TABLE {profiles}, {keys} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"TRUNCATE {keys}, {profiles}")
        spans = _ranges_of_persons(batch)
        tables = [MatchProfile._meta.db_table, MatchKey._meta.db_table]
        with _secondary_indexes_dropped(cursor, tables):
            for profile_text, key_text, filed in _copy_texts(spans, stamp, pool):
                with cursor.copy(f"COPY {profiles} (person_id, data, indexed_at) FROM STDIN") as c:
                    c.write(profile_text)
                with cursor.copy(f"COPY {keys} (person_id, key) FROM STDIN") as c:
                    c.write(key_text)
                count += filed
        cursor.execute(f"ANALYZE {profiles}, {keys}")
    return count


def _index_all_batched(*, batch: int) -> int:
    MatchKey.objects.all().delete()
    MatchProfile.objects.all().delete()
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    now: datetime = timezone.now()
    for first, last in _ranges(ids, batch):
        with transaction.atomic():
            profiles: list[MatchProfile] = []
            keys: list[MatchKey] = []
            for person_id, data in persons_in(first, last):
                prepared = prepare(data)
                profiles.append(
                    MatchProfile(person_id=person_id, data=prepared.to_json(), indexed_at=now)
                )
                keys.extend(MatchKey(person_id=person_id, key=key) for key in key_rows(prepared))
            MatchProfile.objects.bulk_create(profiles, batch_size=BATCH)
            MatchKey.objects.bulk_create(keys, batch_size=BATCH * 4)
    return len(ids)


def index_all(*, batch: int = BATCH, workers: int | None = None) -> int:
    """Rebuild the whole index; the number of persons filed. ``workers``: processes that read
    and normalise the persons on PostgreSQL (default: one per core for a large register; only
    outside a transaction, since they read what is committed)."""
    if connection.vendor != "postgresql":
        return _index_all_batched(batch=batch)
    if workers is None:
        large = Person.objects.count() >= PARALLEL_FROM
        workers = (os.cpu_count() or 1) if large else 1
    if connection.in_atomic_block:
        return _index_all_postgresql(batch=batch, workers=1)
    count = _index_all_postgresql(batch=batch, workers=workers)
    # Marks the new rows visible to all (the visibility map): a search then reads the key
    # index alone (index-only scan), without a heap page per key; autovacuum would, later.
    with connection.cursor() as cursor:
        tables = f"{quote_table(MatchKey)}, {quote_table(MatchProfile)}"
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
    return count
