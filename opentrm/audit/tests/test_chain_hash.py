"""The hash sealed under the chain's lock is the one the verifier recomputes (issue 18: the
critical section holds only the sequence and the previous hash)."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opentrm.audit.chain import GENESIS_HASH, event_hash, prepare_hash
from opentrm.audit.models import AuditEvent


def _reference(event: AuditEvent) -> str:
    """The chain's hash as first written: one canonical JSON of all the fields."""
    payload: dict[str, Any] = {
        "sequence": event.sequence,
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
        "previous_hash": event.previous_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_text = st.text(max_size=20)
_detail = st.dictionaries(
    _text, st.one_of(st.integers(), _text, st.lists(st.integers(), max_size=3)), max_size=4
)


@settings(max_examples=200, deadline=None)
@given(
    sequence=st.integers(min_value=1, max_value=2**62),
    label=_text,
    organisation_id=st.none() | st.integers(min_value=1, max_value=10**9),
    detail=_detail,
    fields=st.lists(_text, max_size=3),
)
def test_the_prepared_hash_sealed_later_is_the_hash_of_the_whole_event(
    sequence: int,
    label: str,
    organisation_id: int | None,
    detail: dict[str, Any],
    fields: list[str],
) -> None:
    event = AuditEvent(
        sequence=sequence,
        occurred_at=datetime(2026, 12, 6, 4, 20, 1, 123456, tzinfo=UTC),
        event_type="case.read",
        actor_id=organisation_id,
        actor_label=label,
        organisation_id=organisation_id,
        organisation_label=label[::-1],
        target_type="cases.case",
        target_id=label,
        request_id="r-1",
        changed_fields=sorted(fields),
        detail=detail,
        previous_hash=GENESIS_HASH,
    )
    prepared = prepare_hash(event)
    assert event_hash(event) == _reference(event)
    assert prepared.seal(sequence=sequence, previous_hash=GENESIS_HASH) == _reference(event)


@pytest.mark.django_db
def test_recorded_events_still_verify(world: Any) -> None:
    from opentrm.audit.events import EventType
    from opentrm.audit.services import record_event
    from opentrm.audit.verification import verify_audit_trail

    for index in range(3):
        record_event(event_type=EventType.CASE_LISTED, actor=None, detail={"count": index})
    assert AuditEvent.objects.count() >= 3
    assert verify_audit_trail().intact
