"""The exchange's accept path in queries (issue 13: >= 50 packages/s): one referral package
posted to the inbox, stored, handled and answered, as node B does for every package of the
exchange benchmark. The number of queries is pinned (an upper bound), so that a change that
adds queries per package shows here rather than only in the benchmark."""

import importlib.util
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World
from opentrm.audit.chain import verify_chain
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Function, Responsibility
from opentrm.exchange import crypto
from opentrm.exchange.models import InboxMessage, OutboxMessage
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node
from opentrm.notifications.models import Notification
from opentrm.referrals.models import Referral

__all__ = ["foreign", "node"]

# Queries to receive one referral package on the accept path: open, store (with its audit
# event), hand it to the handler (route, read, open the referral with its template, first step
# and audit event, the notifications of the focal point's members, the outcome package and the
# processed audit events, written together) and sign the receipt; then the e-mail check of
# the notifications after the commit. 62 before issue 13's work on the accept path, 40 after
# its first round; 34 since the inbox reads this node's keys once per request (not for the
# package and again for its receipt), stores without looking for the message id first (its
# unique constraint refuses a repeat), takes the referral's number in one statement, skips the
# receiver's name lookup when the country has no child authority, and the notifications use
# the referral just stored (not read again). (The counts before 34 also counted the test's own
# sealing of the package, one read of our published keys: 39 of the 40 were the inbox's.)
MAX_QUERIES = 34


def _bench_body(number: int) -> dict[str, Any]:
    """The benchmark's package body (bench/bench_exchange.py), from RO to AL."""
    path = Path(__file__).resolve().parents[1] / "bench" / "bench_exchange.py"
    spec = importlib.util.spec_from_file_location("bench_exchange", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    body: dict[str, Any] = module.referral_body(number, sender="RO", receiver="AL")
    return body


def _body(world: World, number: int) -> dict[str, Any]:
    body = _bench_body(number)
    body["referral"]["sender_organisation"] = world.agency_b.name
    body["referral"]["receiver_organisation"] = world.agency_a.name
    return body


def _sealed(foreign: ForeignNode, body: dict[str, Any]) -> str:
    """The peer's package (sealing it reads our published keys: the peer's work, not ours)."""
    return foreign.seal(foreign.payload(message_id=uuid.uuid4(), type="referral", body=body))


def _post(token: str) -> Any:
    return Client().post(reverse("exchange:inbox"), data=token, content_type="application/jose")


def test_a_referral_package_is_received_and_opened_in_a_bounded_number_of_queries(
    world: World,
    node: OwnNode,
    foreign: ForeignNode,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    Responsibility.objects.create(
        country=world.country_a, function=Function.NATIONAL_FOCAL_POINT, organisation=world.agency_a
    )
    assert crypto.schema_errors("referral", _body(world, 1)) == []
    # The first package of a node creates its service user: not what every package costs.
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(_sealed(foreign, _body(world, 1))).status_code == 200
    notified = Notification.objects.count()
    assert notified > 0  # the focal point's members who may respond are told
    token = _sealed(foreign, _body(world, 2))
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _post(token)
    assert response.status_code == 200
    message = InboxMessage.objects.get(body__referral__reference="AL-BENCH-00002")
    assert message.processed_at is not None
    assert message.outcome_code == "created"
    assert message.referral_id is not None
    referral = Referral.objects.get(pk=message.referral_id)
    assert (referral.receiver_organisation, referral.sender_organisation) == (
        world.agency_a,
        world.agency_b,
    )
    assert Notification.objects.count() == 2 * notified
    assert OutboxMessage.objects.filter(type="outcome").count() == 2
    assert AuditEvent.objects.filter(detail__message_id=str(message.message_id)).count() >= 3
    assert verify_chain() == []
    assert len(queries) <= MAX_QUERIES, f"{len(queries)} queries to receive one package"
