"""What an attacker with database superuser rights (but not the checkpoint directory) can do."""

import io
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connection

from opentrm.audit.chain import GENESIS_HASH, event_hash
from opentrm.audit.models import AuditChainHead, AuditEvent

AUDIT_TABLES = ("audit_auditevent", "audit_auditchainhead")


def run_command(name: str, *args: str) -> tuple[int, str]:
    """Run a management command; its exit code and everything it wrote (stdout and stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def disable_triggers() -> None:
    """Switch off the append-only triggers (PostgreSQL), as a superuser can."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def enable_triggers() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


@contextmanager
def triggers_off() -> Iterator[None]:
    disable_triggers()
    try:
        yield
    finally:
        enable_triggers()


def tamper(sql: str, params: list[str | int] | None = None) -> None:
    """Change the audit tables behind the application's back."""
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def rehash_from(sequence: int) -> None:
    """Recompute ``previous_hash`` and ``hash`` from ``sequence`` on and move the head to the
    last event: the chain hashes up again, as a careful attacker leaves it."""
    with triggers_off():
        previous = GENESIS_HASH
        last = None
        for event in AuditEvent.objects.order_by("sequence"):
            if event.sequence >= sequence:
                event.previous_hash = previous
                event.hash = event_hash(event)
                AuditEvent.objects.filter(pk=event.pk).update(
                    previous_hash=event.previous_hash, hash=event.hash
                )
            previous = event.hash
            last = event
        AuditChainHead.objects.filter(pk=1).update(
            last_sequence=last.sequence if last else 0, last_hash=previous
        )
