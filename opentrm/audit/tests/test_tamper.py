"""A randomized tamper test (issue 9): 1,000 trials, each one tamper of a checkpointed chain.

The attacker has database superuser rights (triggers off) but neither the checkpoint directory
nor the signing key. The chain is built once; each trial rewrites the table inside a savepoint
rolled back afterwards, so every trial starts from the same fresh chain. Replay one trial with
``OPENTRM_TAMPER_SEED=<seed>``.

Out of scope, because no chain can see it: events added or removed *after* the newest
checkpoint by someone who also moves the head row (docs/audit.md, "What is not detected"). So
every tamper here touches an event the checkpoint covers, or leaves the head row behind.
"""

import os
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from opentrm.audit.chain import GENESIS_HASH, event_hash
from opentrm.audit.checkpoints import checkpoint_write
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditChainHead, AuditEvent
from opentrm.audit.services import record_event
from opentrm.audit.tests.tampering import disable_triggers
from opentrm.audit.verification import verify_audit_trail

pytestmark = pytest.mark.django_db

TRIALS = 1000
BASE_SEED = 20261204
EVENTS = 40
CHECKPOINTED = 30  # the checkpoint covers events #1-#30; #31-#40 came after it

Row = dict[str, Any]
FIELDS = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname != "id"]
CONTENT = [f for f in FIELDS if f not in ("sequence", "previous_hash", "hash")]


def _new_value(rng: random.Random, row: Row, field: str) -> Any:
    """A value for ``field`` that differs from the row's."""
    old = row[field]
    if field == "occurred_at":
        return old + timedelta(seconds=rng.randint(1, 10**6))
    if field in ("actor_id", "organisation_id"):
        return (old or 0) + rng.randint(1, 1000)
    if field == "changed_fields":
        return [*old, f"forged{rng.randint(0, 99)}"]
    if field == "detail":
        return {**old, "forged": rng.randint(0, 10**6)}
    if field in ("previous_hash", "hash"):
        return f"{rng.getrandbits(256):064x}"
    return f"{old}-forged{rng.randint(0, 99)}"[:64]


def _renumber(rows: list[Row]) -> None:
    for number, row in enumerate(rows, start=1):
        row["sequence"] = number


def _rehash(rows: list[Row], start: int = 0) -> None:
    previous = rows[start - 1]["hash"] if start else GENESIS_HASH
    for row in rows[start:]:
        row["previous_hash"] = previous
        row["hash"] = previous = event_hash(AuditEvent(**row))


class Trial:
    """One tamper applied to a copy of the base chain: the rows and head the table will hold."""

    def __init__(self, base: list[Row], rng: random.Random) -> None:
        self.rng = rng
        self.base = base
        # Shallow copies: a tamper replaces values (JSON ones too), it never mutates them.
        self.rows = [dict(row) for row in base]
        self.head: tuple[int, str] | None = (base[-1]["sequence"], base[-1]["hash"])
        self.what = ""

    def _finish(self, first_changed: int, *, renumber: bool, may_rehash: bool = True) -> None:
        """The careful attacker renumbers, rehashes and moves the head; the careless one
        leaves some of it. Which, is up to the dice."""
        if renumber:
            _renumber(self.rows)
        smart = may_rehash and self.rng.random() < 0.5
        if smart:
            _rehash(self.rows, first_changed)
        self.what += ", rehashed" if smart else ", not rehashed"
        self._head(follow=smart or self.rng.random() < 0.3)

    def _head(self, *, follow: bool) -> None:
        if self.rng.random() < 0.2:
            self.head = None
            self.what += ", head row deleted"
        elif follow:
            last = self.rows[-1] if self.rows else None
            self.head = (last["sequence"], last["hash"]) if last else (0, GENESIS_HASH)
            self.what += ", head moved to the new last event"

    def update(self) -> None:
        index = self.rng.randrange(CHECKPOINTED)
        field = self.rng.choice([*CONTENT, "previous_hash", "hash"])
        self.rows[index][field] = _new_value(self.rng, self.rows[index], field)
        self.what = f"update {field} of #{index + 1}"
        # Rehashing would put a forged hash back as it was: no tamper left to detect.
        self._finish(index, renumber=False, may_rehash=field not in ("previous_hash", "hash"))

    def delete(self) -> None:
        index = self.rng.randrange(CHECKPOINTED)
        del self.rows[index]
        renumber = self.rng.random() < 0.5
        self.what = f"delete #{index + 1}" + (", renumbered" if renumber else "")
        self._finish(index, renumber=renumber)

    def insert(self) -> None:
        index = self.rng.randrange(CHECKPOINTED)
        forged = dict(self.rng.choice(self.rows))
        for field in ("event_type", "target_id", "occurred_at"):
            forged[field] = _new_value(self.rng, forged, field)
        self.rows.insert(index, forged)
        self.what = f"insert a forged event before #{index + 1}"
        self._finish(index, renumber=True)  # sequence numbers are unique

    def swap(self) -> None:
        first = self.rng.randrange(CHECKPOINTED)
        second = self.rng.choice([i for i in range(len(self.rows)) if i != first])
        a, b = self.rows[first], self.rows[second]
        for field in CONTENT:
            a[field], b[field] = b[field], a[field]
        self.what = f"swap the content of #{first + 1} and #{second + 1}"
        self._finish(min(first, second), renumber=False)

    def truncate(self) -> None:
        cut = self.rng.randint(1, EVENTS)
        del self.rows[EVENTS - cut :]
        self.what = f"delete the newest {cut} events"
        self._head(follow=False)

    def rewrite_head(self) -> None:
        cut = self.rng.randint(EVENTS - CHECKPOINTED + 1, EVENTS)
        del self.rows[EVENTS - cut :]
        self.what = f"delete the newest {cut} events"
        self._head(follow=True)

    KINDS: tuple[str, ...] = ("update", "delete", "insert", "swap", "truncate", "rewrite_head")

    def apply(self) -> str:
        kind = self.rng.choice(self.KINDS)
        tamper: Callable[[], None] = getattr(self, kind)
        tamper()
        return kind

    def write(self) -> None:
        """Make the table hold the tampered rows, as a superuser can: the rows that differ from
        the base chain are deleted and inserted again (fast: usually a few rows)."""
        old = {row["sequence"]: row for row in self.base}
        new = {row["sequence"]: row for row in self.rows}
        gone = [sequence for sequence, row in old.items() if new.get(sequence) != row]
        AuditEvent.objects.filter(sequence__in=gone).delete()
        AuditEvent.objects.bulk_create(
            AuditEvent(**row) for sequence, row in new.items() if old.get(sequence) != row
        )
        if self.head is None:
            AuditChainHead.objects.all().delete()
        elif self.head != (self.base[-1]["sequence"], self.base[-1]["hash"]):
            AuditChainHead.objects.filter(pk=1).update(
                last_sequence=self.head[0], last_hash=self.head[1]
            )


def _seeds() -> list[int]:
    replay = os.environ.get("OPENTRM_TAMPER_SEED")
    if replay:
        return [int(replay)]
    return [BASE_SEED + trial for trial in range(TRIALS)]


def test_it_detects_every_random_tamper_of_a_checkpointed_chain(checkpoint_dirs: Path) -> None:
    for n in range(EVENTS):
        record_event(
            event_type=EventType.ORGANISATION_CHANGED,
            actor=None,
            target_type="directory.organisation",
            target_id=n,  # every event differs, so a swap always changes something
            changed_fields=["city"],
            detail={"n": n},
        )
        if n + 1 == CHECKPOINTED:
            checkpoint_write()
    base: list[Row] = [
        {field: getattr(event, field) for field in FIELDS}
        for event in AuditEvent.objects.order_by("sequence")
    ]
    assert verify_audit_trail().intact
    disable_triggers()  # inside the test's transaction: undone when it rolls back

    kinds: Counter[str] = Counter()
    for seed in _seeds():
        trial = Trial(base, random.Random(seed))
        kinds[trial.apply()] += 1
        with transaction.atomic():
            trial.write()
            report = verify_audit_trail()
            transaction.set_rollback(True)
        assert not report.intact, f"seed {seed}: {trial.what} went undetected"

    assert verify_audit_trail().intact  # every trial was rolled back
    if len(kinds) > 1:
        assert set(kinds) == set(Trial.KINDS), kinds
