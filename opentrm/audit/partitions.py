"""The audit table by month on PostgreSQL (docs/deployment.md, "The audit table by month").

``convert`` turns ``audit_auditevent`` into a table partitioned by ``occurred_at`` in one
transaction, under a lock that stops appends (reads go on): a partition per month from the oldest
event to a few months ahead, a default partition so an append never fails, the rows copied in
chain order, the append-only triggers on the new table and on every partition, and the chain
verified before anything is committed. The old table stays beside it, renamed, until the operator
drops it. ``ensure_months`` creates the months ahead (run it monthly with the other daily
commands); a month whose rows already fell into the default partition is moved out of it.

SQLite keeps one table: these functions refuse it. Nothing points at audit rows by foreign key,
and the chain (sequence, hashes) and the signed checkpoints do not change.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from psycopg import sql

TABLE = "audit_auditevent"
OLD_TABLE = "audit_auditevent_unpartitioned"
NEW_TABLE = "audit_auditevent_partitioned"
DEFAULT_PARTITION = "audit_auditevent_default"
MONTHS_AHEAD = 3

# The indexes the model declares (audit/models.py), created on the partitioned table under the
# same names, so Django's later migrations find them. Each partition gets its own copy.
_INDEXES = {
    "audit_auditevent_occurred_at_1f007848": "(occurred_at)",
    "audit_event_actor_idx": "(actor_id, occurred_at DESC)",
    "audit_event_org_idx": "(organisation_id, occurred_at DESC)",
    "audit_event_target_idx": "(target_type, target_id)",
    "audit_event_type_idx": "(event_type, occurred_at DESC)",
}


def _execute(
    cursor: CursorWrapper, template: str, params: list[int | str] | None = None, /, **names: str
) -> None:
    """Run ``template`` with ``{name}`` filled by quoted identifiers (table, index names)."""
    statement = sql.SQL(template).format(**{k: sql.Identifier(v) for k, v in names.items()})
    cursor.execute(statement, params)


class PartitionError(Exception):
    """The audit table cannot be (re)partitioned as asked; nothing was changed."""


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None: the default partition
    rows: int


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise PartitionError(
            "Partitioning the audit table needs PostgreSQL; SQLite keeps one table."
        )


def is_partitioned() -> bool:
    _require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c "
            "ON c.oid = p.partrelid WHERE c.relname = %s AND pg_table_is_visible(c.oid))",
            [TABLE],
        )
        return bool(cursor.fetchone()[0])


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _bound(month: date) -> str:
    return datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()


def _protect(cursor: CursorWrapper, table: str) -> None:
    """TRUNCATE triggers are not inherited by partitions: each one gets its own (audit 0004)."""
    _execute(
        cursor,
        "CREATE TRIGGER audit_event_refuse_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()",
        table=table,
    )


def _create_month(cursor: CursorWrapper, month: date, *, parent: str) -> None:
    name = partition_name(month)
    statement = sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})").format(
        sql.Identifier(name),
        sql.Identifier(parent),
        sql.Literal(_bound(month)),
        sql.Literal(_bound(next_month(month))),
    )
    cursor.execute(statement)
    _protect(cursor, name)


def _existing_months(cursor: CursorWrapper) -> set[date]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
        [TABLE],
    )
    months = set()
    for (name,) in cursor.fetchall():
        suffix = name.removeprefix(f"{TABLE}_y")
        if suffix != name:
            months.add(date(int(suffix[:4]), int(suffix[5:7]), 1))
    return months


def ensure_months(*, ahead: int = MONTHS_AHEAD, today: date | None = None) -> list[str]:
    """Create the partitions from this month to ``ahead`` months on; return the new ones' names.

    Rows that an append put in the default partition because their month had none are moved to
    the new month's partition in the same transaction (the default is detached meanwhile, so its
    append-only trigger, a clone of the parent's, is off for that move only)."""
    _require_postgresql()
    if not is_partitioned():
        raise PartitionError(
            "The audit table is not partitioned yet: run audit_partitions --convert."
        )
    month = month_start(today or timezone.now())
    created: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        existing = _existing_months(cursor)
        for _ in range(ahead + 1):
            if month not in existing:
                _add_month(cursor, month)
                created.append(partition_name(month))
            month = next_month(month)
    return created


def _add_month(cursor: CursorWrapper, month: date) -> None:
    start, end = _bound(month), _bound(next_month(month))
    _execute(
        cursor,
        "SELECT count(*) FROM {d} WHERE occurred_at >= %s AND occurred_at < %s",
        [start, end],
        d=DEFAULT_PARTITION,
    )
    if not cursor.fetchone()[0]:
        _create_month(cursor, month, parent=TABLE)
        return
    _execute(cursor, "LOCK TABLE {t} IN EXCLUSIVE MODE", t=TABLE)
    _execute(cursor, "ALTER TABLE {t} DETACH PARTITION {d}", t=TABLE, d=DEFAULT_PARTITION)
    _create_month(cursor, month, parent=TABLE)
    _execute(
        cursor,
        "INSERT INTO {t} SELECT * FROM {d} WHERE occurred_at >= %s AND occurred_at < %s",
        [start, end],
        t=TABLE,
        d=DEFAULT_PARTITION,
    )
    _execute(
        cursor,
        "DELETE FROM {d} WHERE occurred_at >= %s AND occurred_at < %s",
        [start, end],
        d=DEFAULT_PARTITION,
    )
    _execute(cursor, "ALTER TABLE {t} ATTACH PARTITION {d} DEFAULT", t=TABLE, d=DEFAULT_PARTITION)


def partitions() -> list[Partition]:
    """Every partition with its (estimated for large ones) row count, oldest month first."""
    _require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = %s ORDER BY c.relname",
            [TABLE],
        )
        rows = cursor.fetchall()
    found = []
    for name, estimate in rows:
        suffix = name.removeprefix(f"{TABLE}_y")
        month = date(int(suffix[:4]), int(suffix[5:7]), 1) if suffix != name else None
        found.append(Partition(name=name, month=month, rows=max(int(estimate), 0)))
    return sorted(found, key=lambda p: (p.month is None, p.month or date.min))


def convert(
    *,
    ahead: int = MONTHS_AHEAD,
    drop_old: bool = False,
    verify: Callable[[], list[str]] | None = None,
    today: date | None = None,
) -> int:
    """Partition the audit table in one transaction; return the number of events moved.

    ``verify`` (the chain check) runs on the new table before the commit: any problem it names
    rolls everything back. Appends wait for the lock meanwhile; reads of the old table go on."""
    _require_postgresql()
    if is_partitioned():
        raise PartitionError("The audit table is already partitioned by month.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [OLD_TABLE])
        if cursor.fetchone()[0] is not None:
            raise PartitionError(
                f"A table {OLD_TABLE} is left from an earlier conversion: drop it first."
            )
        _execute(cursor, "LOCK TABLE {t}, audit_auditchainhead IN EXCLUSIVE MODE", t=TABLE)
        count = _copy_into_months(cursor, ahead=ahead, today=today)
        _swap_names(cursor)
        _add_keys_and_triggers(cursor)
        _execute(cursor, "SELECT count(*) FROM {t}", t=TABLE)
        if cursor.fetchone()[0] != count:
            raise PartitionError("The copy does not hold every event: nothing was changed.")
        problems = verify() if verify is not None else []
        if problems:
            raise PartitionError(
                "The chain does not verify on the new table: " + "; ".join(problems)
            )
        if drop_old:
            _execute(cursor, "DROP TABLE {old}", old=OLD_TABLE)
    return count


def _copy_into_months(cursor: CursorWrapper, *, ahead: int, today: date | None) -> int:
    """The partitioned table beside the old one: a month from the oldest event to ``ahead``
    months on, the default partition, every row; the number of rows."""
    names = {"t": TABLE, "new": NEW_TABLE, "d": DEFAULT_PARTITION}
    _execute(
        cursor,
        "CREATE TABLE {new} (LIKE {t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        "INCLUDING IDENTITY) PARTITION BY RANGE (occurred_at)",
        **names,
    )
    _execute(cursor, "SELECT min(occurred_at), count(*), coalesce(max(id), 0) FROM {t}", **names)
    oldest, count, last_id = cursor.fetchone()
    month = month_start(oldest or today or timezone.now())
    last = month_start(today or timezone.now())
    for _ in range(ahead):
        last = next_month(last)
    while month <= last:
        _create_month(cursor, month, parent=NEW_TABLE)
        month = next_month(month)
    _execute(cursor, "CREATE TABLE {d} PARTITION OF {new} DEFAULT", **names)
    _protect(cursor, DEFAULT_PARTITION)
    _execute(cursor, "INSERT INTO {new} SELECT * FROM {t} ORDER BY sequence", **names)
    _execute(cursor, "ALTER TABLE {new} ALTER COLUMN id RESTART WITH %s", [last_id + 1], **names)
    return int(count)


def _swap_names(cursor: CursorWrapper) -> None:
    """The old table's names move aside, the new table takes them (Django finds its indexes)."""
    renames = [
        ("ALTER TABLE {a} RENAME TO {b}", TABLE, OLD_TABLE),
        ("ALTER TABLE {old} RENAME CONSTRAINT {a} TO {b}", f"{TABLE}_pkey", f"{OLD_TABLE}_pkey"),
        (
            "ALTER TABLE {old} RENAME CONSTRAINT {a} TO {b}",
            f"{TABLE}_sequence_key",
            f"{OLD_TABLE}_sequence_key",
        ),
        *[("ALTER INDEX {a} RENAME TO {b}", index, f"{index}_unpartitioned") for index in _INDEXES],
        ("ALTER SEQUENCE {a} RENAME TO {b}", f"{TABLE}_id_seq", f"{OLD_TABLE}_id_seq"),
        ("ALTER TABLE {a} RENAME TO {b}", NEW_TABLE, TABLE),
        ("ALTER SEQUENCE {a} RENAME TO {b}", f"{NEW_TABLE}_id_seq", f"{TABLE}_id_seq"),
    ]
    for template, before, after in renames:
        _execute(cursor, template, a=before, b=after, old=OLD_TABLE)


def _add_keys_and_triggers(cursor: CursorWrapper) -> None:
    # A partitioned table's keys must hold the partition column: the sequence is unique per
    # month here, and across months by the chain's own lock (and verify_audit).
    _execute(
        cursor,
        "ALTER TABLE {t} ADD CONSTRAINT {k} PRIMARY KEY (id, occurred_at)",
        t=TABLE,
        k=f"{TABLE}_pkey",
    )
    _execute(
        cursor,
        "ALTER TABLE {t} ADD CONSTRAINT {k} UNIQUE (sequence, occurred_at)",
        t=TABLE,
        k=f"{TABLE}_sequence_key",
    )
    for index, columns in _INDEXES.items():
        _execute(cursor, "CREATE INDEX {i} ON {t} " + columns, i=index, t=TABLE)
    _execute(
        cursor,
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        t=TABLE,
    )
    _protect(cursor, TABLE)
