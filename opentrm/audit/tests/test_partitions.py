"""The audit table by month on PostgreSQL (``opentrm audit_partitions``)."""

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from opentrm.audit import partitions
from opentrm.audit.chain import GENESIS_HASH, prepare_hash
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditChainHead, AuditEvent
from opentrm.audit.services import record_event
from opentrm.audit.tests.tampering import disable_triggers, enable_triggers, run_command
from opentrm.audit.verification import verify_audit_trail

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"
)
THIS_MONTH = partitions.month_start(datetime.now(UTC))


def _months_back(count: int) -> date:
    month = THIS_MONTH
    for _ in range(count):
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    return month


def _append_at(moment: datetime, label: str = "") -> AuditEvent:
    """Append one chained event dated ``moment`` (``record_event`` always dates it now)."""
    event = AuditEvent(
        occurred_at=moment,
        event_type=EventType.CASE_VIEWED.value,
        target_type="cases.case",
        target_id=label or "1",
    )
    prepared = prepare_hash(event)
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1, last_sequence=0, last_hash=GENESIS_HASH)
        event.sequence = head.last_sequence + 1
        event.previous_hash = head.last_hash
        event.hash = prepared.seal(sequence=event.sequence, previous_hash=event.previous_hash)
        event.save(force_insert=True)
        head.last_sequence, head.last_hash = event.sequence, event.hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return event


def _on(month: date, day: int = 15) -> datetime:
    return datetime(month.year, month.month, day, 12, tzinfo=UTC)


def _rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        return int(cursor.fetchone()[0])


def _chain_problems() -> list[str]:
    return [problem.describe() for problem in verify_audit_trail().problems]


@on_postgresql
@pytest.mark.django_db
def test_conversion_moves_every_event_into_its_month_and_the_chain_still_verifies() -> None:
    two_back, one_back = _months_back(2), _months_back(1)
    for month, count in ((two_back, 3), (one_back, 2)):
        for day in range(count):
            _append_at(_on(month, day + 1))
    record_event(event_type=EventType.CASE_VIEWED, actor=None, target_type="x", target_id=9)

    moved = partitions.convert(verify=_chain_problems)

    assert moved == 6
    assert partitions.is_partitioned()
    assert _rows_in(partitions.partition_name(two_back)) == 3
    assert _rows_in(partitions.partition_name(one_back)) == 2
    assert _rows_in(partitions.partition_name(THIS_MONTH)) == 1
    assert _rows_in(partitions.DEFAULT_PARTITION) == 0
    names = [p.name for p in partitions.partitions()]
    assert names[0] == partitions.partition_name(two_back)
    assert names[-1] == partitions.DEFAULT_PARTITION
    assert len(names) == 3 + partitions.MONTHS_AHEAD + 1  # two back, this month, ahead, default
    # The application appends and reads as before; the numbering goes on where it was.
    later = record_event(event_type=EventType.CASE_VIEWED, actor=None, target_type="x", target_id=1)
    assert later.sequence == 7
    assert later.pk > max(AuditEvent.objects.exclude(pk=later.pk).values_list("pk", flat=True))
    assert AuditEvent.objects.get(pk=later.pk).hash == later.hash
    assert verify_audit_trail().intact
    assert _rows_in(partitions.OLD_TABLE) == 6  # kept until the operator drops it


def _run_as_the_node(statement: sql.Composed) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # The test settings let TRUNCATE through for the suite's own cleaning; a node does not.
        cursor.execute("SET LOCAL opentrm.allow_audit_truncate = 'off'")
        cursor.execute(statement)


@on_postgresql
@pytest.mark.django_db
def test_every_partition_refuses_update_delete_and_truncate() -> None:
    _append_at(_on(_months_back(1)))
    partitions.convert(verify=_chain_problems)
    month = partitions.partition_name(_months_back(1))
    statements = [
        ("UPDATE {} SET event_type = 'forged'", partitions.TABLE),
        ("UPDATE {} SET event_type = 'forged'", month),
        ("DELETE FROM {}", partitions.TABLE),
        ("DELETE FROM {}", month),
        ("TRUNCATE {}", month),
        ("TRUNCATE {}", partitions.DEFAULT_PARTITION),
        ("TRUNCATE {}", partitions.TABLE),
    ]
    for template, table in statements:
        with pytest.raises(DatabaseError, match="append-only"):
            _run_as_the_node(sql.SQL(template).format(sql.Identifier(table)))
    assert AuditEvent.objects.get().event_type == EventType.CASE_VIEWED.value


@on_postgresql
@pytest.mark.django_db
def test_a_broken_chain_stops_the_conversion_and_changes_nothing() -> None:
    for day in (1, 2, 3):
        _append_at(_on(_months_back(1), day))
    disable_triggers()
    AuditEvent.objects.filter(sequence=2).update(target_id="forged")
    enable_triggers()

    with pytest.raises(CommandError, match=r"does not verify.*#2"):
        call_command("audit_partitions", "--convert")

    assert not partitions.is_partitioned()
    assert AuditEvent.objects.count() == 3
    assert partitions.partitions() == []


@on_postgresql
@pytest.mark.django_db
def test_converting_twice_is_refused() -> None:
    partitions.convert(verify=_chain_problems)
    with pytest.raises(CommandError, match="already partitioned"):
        call_command("audit_partitions", "--convert")


@on_postgresql
@pytest.mark.django_db
def test_a_missed_month_is_moved_out_of_the_default_partition() -> None:
    partitions.convert(ahead=0, verify=_chain_problems)
    next_month = partitions.next_month(THIS_MONTH)
    late = _append_at(_on(next_month, 2))  # its month has no partition yet: the default takes it
    assert _rows_in(partitions.DEFAULT_PARTITION) == 1

    created = partitions.ensure_months(ahead=1)

    assert created == [partitions.partition_name(next_month)]
    assert _rows_in(partitions.DEFAULT_PARTITION) == 0
    assert _rows_in(partitions.partition_name(next_month)) == 1
    assert AuditEvent.objects.get(pk=late.pk).hash == late.hash
    assert verify_audit_trail().intact
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=late.pk).update(target_id="forged")
    # Run again: nothing new to create.
    assert partitions.ensure_months(ahead=1) == []


@on_postgresql
@pytest.mark.django_db
def test_the_command_lists_the_months() -> None:
    partitions.convert(ahead=1, verify=_chain_problems)
    code, output = run_command("audit_partitions", "--ahead", "2")
    assert code == 0
    two_ahead = partitions.next_month(partitions.next_month(THIS_MONTH))
    assert f"Created {partitions.partition_name(two_ahead)}." in output
    assert THIS_MONTH.strftime("%Y-%m") in output
    assert "default" in output


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
@pytest.mark.django_db
def test_sqlite_keeps_one_table_and_says_so() -> None:
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("audit_partitions", "--convert")


def _unconvert() -> None:
    """Put the unpartitioned table back (a test that commits must leave the schema as found)."""
    old, table = partitions.OLD_TABLE, partitions.TABLE
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table} CASCADE")
        cursor.execute(f"ALTER TABLE {old} RENAME TO {table}")
        cursor.execute(f"ALTER SEQUENCE {old}_id_seq RENAME TO {table}_id_seq")
        cursor.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old}_pkey TO {table}_pkey")
        cursor.execute(
            f"ALTER TABLE {table} RENAME CONSTRAINT {old}_sequence_key TO {table}_sequence_key"
        )
        for index in partitions._INDEXES:
            cursor.execute(f"ALTER INDEX {index}_unpartitioned RENAME TO {index}")


@pytest.fixture
def partitioned_committed() -> Iterator[None]:
    # The suite's cleaning between committing tests empties the head row the migration made.
    AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
    partitions.convert(ahead=0, verify=_chain_problems)
    try:
        yield
    finally:
        _unconvert()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_across_a_month_boundary_keep_one_unbroken_chain(
    partitioned_committed: None,
) -> None:
    """Two writers, each appending 25 events that alternate between this month and the next
    (which falls in the default partition): the chain's lock still gives one gap-free sequence
    though the sequence is unique only per partition now."""
    boundary = [_on(THIS_MONTH, 28), _on(partitions.next_month(THIS_MONTH), 1)]
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for step in range(25):
                _append_at(boundary[(step + offset) % 2], label=f"{offset}-{step}")
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(offset,)) for offset in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = sorted(AuditEvent.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 51))
    assert _rows_in(partitions.DEFAULT_PARTITION) == 25
    assert verify_audit_trail().intact
