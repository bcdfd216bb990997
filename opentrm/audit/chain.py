"""Hashing and verifying the audit chain."""

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from opentrm.audit.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


# The hashed fields in the order ``json.dumps(sort_keys=True)`` writes them, split around the two
# that are known only under the chain's lock (``previous_hash`` and ``sequence``).
_BEFORE_PREVIOUS = (
    "actor_id",
    "actor_label",
    "changed_fields",
    "detail",
    "event_type",
    "occurred_at",
    "organisation_id",
    "organisation_label",
)
_BEFORE_SEQUENCE = ("request_id",)
_AFTER_SEQUENCE = ("target_id", "target_type")


def _members(fields: dict[str, Any], names: tuple[str, ...]) -> str:
    """``"a":1,"b":2``: the canonical JSON of those fields without its braces."""
    chosen = {name: fields[name] for name in names}
    return json.dumps(chosen, sort_keys=True, separators=(",", ":"), ensure_ascii=False)[1:-1]


@dataclass(frozen=True)
class PreparedHash:
    """An event's canonical JSON with its place in the chain left open: everything that is
    slow (serialising ``detail``) is done before the chain's lock is taken (``prepare_hash``);
    under the lock only ``seal`` runs."""

    before_previous: str
    before_sequence: str
    after_sequence: str

    def seal(self, *, sequence: int, previous_hash: str) -> str:
        canonical = (
            f"{{{self.before_previous},"
            f'"previous_hash":{json.dumps(previous_hash)},{self.before_sequence},'
            f'"sequence":{int(sequence)},{self.after_sequence}}}'
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def prepare_hash(event: AuditEvent) -> PreparedHash:
    fields: dict[str, Any] = {
        "occurred_at": event.occurred_at.isoformat(),
        "event_type": event.event_type,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "organisation_id": event.organisation_id,
        "organisation_label": event.organisation_label,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "request_id": event.request_id,
        "changed_fields": event.changed_fields,
        "detail": event.detail,
    }
    return PreparedHash(
        _members(fields, _BEFORE_PREVIOUS),
        _members(fields, _BEFORE_SEQUENCE),
        _members(fields, _AFTER_SEQUENCE),
    )


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over every recorded field of the event and the hash of the event before it: the
    canonical JSON (sorted keys, no spaces) of sequence, occurred_at, event_type, actor_id,
    actor_label, organisation_id, organisation_label, target_type, target_id, request_id,
    changed_fields, detail and previous_hash."""
    return prepare_hash(event).seal(sequence=event.sequence, previous_hash=event.previous_hash)


MISSING = "missing (deleted)"
UNLINKED = "does not link to the event before it"
EDITED = "content does not match its hash (edited)"
# A checkpoint names a few checkpoint faults in full; the rest are counted (daily checkpoints
# after an early rewrite would otherwise print one line per day).
CHECKPOINT_FAULTS_SHOWN = 5


@dataclass(frozen=True)
class ChainProblem:
    """One fault: events ``sequence`` to ``last`` (or the chain as a whole when None)."""

    sequence: int | None
    reason: str
    last: int | None = None

    def describe(self) -> str:
        if self.sequence is None:
            return f"Audit chain broken: {self.reason}."
        if self.last is None or self.last == self.sequence:
            return f"Audit chain broken at event #{self.sequence}: {self.reason}."
        return f"Audit chain broken at events #{self.sequence}-#{self.last}: {self.reason}."


class Anchor(Protocol):
    """What a checkpoint vouches for (see ``checkpoints.Checkpoint``)."""

    @property
    def sequence(self) -> int: ...

    @property
    def hash(self) -> str: ...

    @property
    def count(self) -> int: ...

    @property
    def label(self) -> str: ...


class _Faults:
    """Collects faults, folding runs of consecutive events with the same fault into one."""

    def __init__(self) -> None:
        self._open: dict[str, list[int]] = {}
        self.found: list[ChainProblem] = []

    def add(self, first: int, last: int, reason: str) -> None:
        run = self._open.get(reason)
        if run is not None and run[1] + 1 == first:
            run[1] = last
            return
        if run is not None:
            self.found.append(ChainProblem(run[0], reason, run[1]))
        self._open[reason] = [first, last]

    def close(self) -> list[ChainProblem]:
        for reason, (first, last) in self._open.items():
            self.found.append(ChainProblem(first, reason, last))
        self._open.clear()
        return sorted(self.found, key=lambda p: (p.sequence is None, p.sequence or 0))


def verify_chain(checkpoints: Sequence[Anchor] = ()) -> list[ChainProblem]:
    """Walk the whole chain in order and return every fault (empty: intact).

    Each event must follow the one before it without a gap, link to its hash and match its own
    hash; the head row must name the newest event; and each checkpoint's event must still be
    there with the hash and the number of events before it that the checkpoint recorded. Only
    the checkpoints catch a tail cut off together with a rewritten (or deleted) head row.
    """
    faults = _Faults()
    wanted = sorted({checkpoint.sequence for checkpoint in checkpoints})
    hash_at: dict[int, str] = {}
    count_upto: dict[int, int] = {}
    pending = 0  # index into ``wanted`` of the next checkpoint sequence to count up to
    expected = 1
    previous: str | None = GENESIS_HASH  # None after a gap: the missing event's hash is unknown
    seen = 0
    last_sequence, last_hash = 0, GENESIS_HASH
    events: Iterator[AuditEvent] = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    for event in events:
        sequence = event.sequence
        while pending < len(wanted) and wanted[pending] < sequence:
            count_upto[wanted[pending]] = seen
            pending += 1
        if sequence < expected:
            faults.add(sequence, sequence, "has a sequence number the chain never gives")
        elif sequence > expected:
            faults.add(expected, sequence - 1, MISSING)
            previous = None
        if previous is not None and event.previous_hash != previous:
            faults.add(sequence, sequence, UNLINKED)
        if event_hash(event) != event.hash:
            faults.add(sequence, sequence, EDITED)
        if pending < len(wanted) and wanted[pending] == sequence:
            hash_at[sequence] = event.hash
        previous = event.hash
        expected = sequence + 1
        seen += 1
        last_sequence, last_hash = sequence, event.hash
    for sequence in wanted[pending:]:
        count_upto[sequence] = seen
    problems = faults.close()
    problems.extend(_head_problems(seen, last_sequence, last_hash))
    problems.extend(_checkpoint_problems(checkpoints, last_sequence, hash_at, count_upto))
    return problems


def _head_problems(seen: int, last_sequence: int, last_hash: str) -> list[ChainProblem]:
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        if seen:
            return [ChainProblem(None, "the chain head row is missing (deleted)")]
        return []
    if head.last_sequence > last_sequence:
        return [ChainProblem(last_sequence + 1, MISSING, head.last_sequence)]
    if head.last_sequence < last_sequence:
        return [
            ChainProblem(
                head.last_sequence + 1,
                f"after the chain head (#{head.last_sequence}): the head was set back or "
                "events were added behind its back",
                last_sequence,
            )
        ]
    if head.last_hash != last_hash:
        return [ChainProblem(last_sequence or None, "does not match the chain head (edited)")]
    return []


def _checkpoint_problems(
    checkpoints: Sequence[Anchor],
    last_sequence: int,
    hash_at: dict[int, str],
    count_upto: dict[int, int],
) -> list[ChainProblem]:
    found: list[ChainProblem] = []
    for checkpoint in checkpoints:
        sequence = checkpoint.sequence
        if sequence > last_sequence:
            found.append(
                ChainProblem(
                    last_sequence + 1,
                    f"missing (deleted): checkpoint {checkpoint.label} records the chain up to "
                    f"#{sequence} (tail cut off)",
                    sequence,
                )
            )
        elif sequence and sequence not in hash_at:
            found.append(
                ChainProblem(sequence, f"missing (deleted): checkpoint {checkpoint.label} names it")
            )
        elif sequence and hash_at[sequence] != checkpoint.hash:
            found.append(
                ChainProblem(
                    sequence,
                    f"does not match checkpoint {checkpoint.label} (the chain up to it was "
                    "rewritten)",
                )
            )
        elif count_upto.get(sequence, 0) != checkpoint.count:
            found.append(
                ChainProblem(
                    None,
                    f"checkpoint {checkpoint.label} counted {checkpoint.count} events up to "
                    f"#{sequence}, the table holds {count_upto.get(sequence, 0)}",
                )
            )
    if len(found) > CHECKPOINT_FAULTS_SHOWN:
        more = len(found) - CHECKPOINT_FAULTS_SHOWN
        found = found[:CHECKPOINT_FAULTS_SHOWN]
        found.append(ChainProblem(None, f"{more} more checkpoints disagree with the chain"))
    return found


def find_first_problem() -> ChainProblem | None:
    """The first fault of ``verify_chain()`` without checkpoints, or None if it is intact."""
    problems = verify_chain()
    return problems[0] if problems else None
