"""Delivery: the sender worker's one pass over the outbox.

:func:`deliver_due` claims the messages that are due (status queued or failed, and
``next_attempt_at`` reached, for an active peer), seals each one afresh (signed, encrypted, new
``iat``, the same message id), posts it to the peer's inbox, checks the peer's signed receipt
and only then records the message as delivered. If the worker dies between the post and that
record, the claim expires (``OPENTRM_EXCHANGE_LEASE_SECONDS``) and the message is sent again:
the receiver stores each message id once and answers a repeat with a "duplicate" receipt, which
is recorded like any other. Delivery is therefore at least once on the wire, exactly once in
the receiver's inbox.

Claiming: on PostgreSQL the due rows are read with ``SELECT … FOR UPDATE SKIP LOCKED`` so
several workers never wait on each other; on every database each row is then claimed with a
conditional ``UPDATE`` (same status and due time as read) that pushes ``next_attempt_at`` to the
end of the lease and counts the attempt. Nothing is held open while the network is used.

Failures: ``attempts`` + 1 and the next try after an exponential backoff with jitter
(``OPENTRM_EXCHANGE_RETRY_BASE_SECONDS`` 30 s doubled per attempt, at most
``OPENTRM_EXCHANGE_RETRY_CAP_SECONDS`` 1 h, each delay drawn between half and all of it); after
``OPENTRM_EXCHANGE_MAX_ATTEMPTS`` (12) attempts the message is a dead letter. Only a rejection
the peer will repeat whatever happens (``PERMANENT_CODES``: the package itself is wrong, or a
4xx without a code other than 408, 409, 425 and 429) makes it a dead letter at once; a peer
that does not know or trust this node yet, has suspended it, does not know its current key or
has rotated its own (``unknown_sender``, ``sender_suspended``, ``unknown_key``,
``decrypt_failed``), is busy (429) or failing (5xx, network) is tried again with backoff.
``last_error`` is a short code, never a response body: ``http_503``, ``timeout``,
``connection_refused``, ``connection_failed``, ``rejected:<code>``, ``bad_receipt``,
``seal_failed``.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import ssl
import statistics
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.errors import ConflictError, NotFoundError
from opentrm.exchange import clock, crypto
from opentrm.exchange.holds import held_referrals
from opentrm.exchange.models import (
    MessageType,
    OutboxMessage,
    OutboxStatus,
    Peer,
    PeerStatus,
)
from opentrm.exchange.services.retries import (
    audit_detail,
    backoff,
    claim_rows,
    lease_seconds,
    max_attempts,
    requeue,
    setting,
)

logger = logging.getLogger("opentrm.exchange")

INBOX_PATH = "/exchange/v1/inbox"
CONTENT_TYPE = "application/jose"
MAX_RESPONSE_BYTES = 256 * 1024
PAUSE_AFTER_POST_VARIABLE = "OPENTRM_EXCHANGE_TEST_PAUSE_AFTER_POST"
# Rejections that may succeed later: a replay check racing a retry (409), a busy peer (429).
RETRIED_CLIENT_ERRORS = frozenset({408, 409, 425, 429})
# Refusals that sending the same message again can never turn into a receipt: the package is
# malformed, badly signed, for another node, against its schema, too large, or dated by a clock
# beyond the allowed difference. Every other coded refusal is transient (the other node's
# administrator may confirm, resume or update this node's keys): retried with backoff.
PERMANENT_CODES = frozenset(
    {"malformed", "bad_signature", "wrong_audience", "schema_invalid", "too_large", "expired"}
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def timeout_seconds() -> float:
    return setting("OPENTRM_EXCHANGE_TIMEOUT_SECONDS", 30)


def worker_threads() -> int:
    return max(1, int(setting("OPENTRM_EXCHANGE_WORKER_THREADS", 4)))


@dataclass
class Summary:
    """What one pass did (counts only)."""

    picked: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    round_trips_ms: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.picked} picked, {self.delivered} delivered, {self.failed} failed "
            f"(will retry), {self.dead} dead"
        )


@dataclass
class _Answer:
    """What the peer's inbox answered (or the network error), with no body kept but a receipt."""

    status: int = 0
    receipt: str = ""
    error: str = ""
    permanent: bool = False


# --- claiming (the claim itself is ``retries.claim_rows``, shared with processing) ---------------


def _claim(now: datetime, limit: int) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages for this worker (see the module's docstring)."""
    due = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.QUEUED, OutboxStatus.FAILED],
        next_attempt_at__lte=now,
        peer__status=PeerStatus.ACTIVE,
    ).order_by("next_attempt_at", "id")
    claimed = claim_rows(
        due,
        match=("status", "next_attempt_at"),
        limit=limit,
        next_attempt_at=now + timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1,
        sent_at=now,
        updated_at=timezone.now(),
    )
    return list(OutboxMessage.objects.filter(pk__in=claimed).select_related("peer"))


# --- the network --------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """An inbox that redirects is misconfigured: report the 3xx, never re-post elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def _inbox_url(base_url: str) -> str | None:
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return base_url.rstrip("/") + INBOX_PATH


def _rejection_code(error: urllib.error.HTTPError) -> str:
    """The stable code of a JSON rejection ``{"code": …}``; the body itself is not kept."""
    try:
        data = json.loads(error.read(MAX_RESPONSE_BYTES).decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, str) and _CODE.match(code) else ""


def _network_error(error: BaseException) -> str:
    reason = getattr(error, "reason", error)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timeout"
    if isinstance(reason, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(reason, ConnectionResetError):
        return "connection_reset"
    if isinstance(reason, ssl.SSLError):
        return "tls_error"
    if isinstance(reason, socket.gaierror):
        return "dns_error"
    return "connection_failed"


def _receipt_from(body: bytes, content_type: str) -> str:
    text = body.decode("ascii", errors="replace").strip()
    if content_type.startswith("application/json"):
        data = json.loads(text)
        receipt = data.get("receipt") if isinstance(data, dict) else None
        return receipt if isinstance(receipt, str) else ""
    return text


def _post(url: str, token: str) -> _Answer:
    """POST the sealed package; runs in a worker thread (no database use here)."""
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by _inbox_url
        url,
        data=token.encode("ascii"),
        method="POST",
        headers={"Content-Type": CONTENT_TYPE, "Accept": f"{CONTENT_TYPE}, application/json"},
    )
    try:
        with _opener.open(request, timeout=timeout_seconds()) as response:
            body = response.read(MAX_RESPONSE_BYTES)
            answer = _Answer(status=response.status)
            try:
                answer.receipt = _receipt_from(body, response.headers.get_content_type())
            except ValueError:
                answer.error = "bad_receipt"
    except urllib.error.HTTPError as error:
        status = error.code
        answer = _Answer(status=status)
        if 400 <= status < 500:
            code = _rejection_code(error)
            answer.error = f"rejected:{code}" if code else f"http_{status}"
            answer.permanent = is_permanent(status, code)
        else:
            answer.error = f"http_{status}"
        error.close()
    except (urllib.error.URLError, OSError) as error:
        answer = _Answer(error=_network_error(error))
    except http.client.HTTPException:  # an answer that is not HTTP, or cut short
        answer = _Answer(error="bad_answer")
    _test_pause_after_post()
    return answer


def is_permanent(status: int, code: str) -> bool:
    """Whether a 4xx refusal (``code`` from its JSON, "" when none) dead-letters at once."""
    if status in RETRIED_CLIENT_ERRORS:
        return False
    return code in PERMANENT_CODES if code else True


def _test_pause_after_post() -> None:
    """Test hook: sleep between the post and the record, so a test can kill the worker there."""
    if getattr(settings, "PRODUCTION", False):
        return
    pause = os.environ.get(PAUSE_AFTER_POST_VARIABLE, "").strip()
    if pause:
        time.sleep(float(pause))


# --- recording ----------------------------------------------------------------------------------


@transaction.atomic
def _record_delivered(
    message: OutboxMessage, *, receipt: str, receipt_status: str, round_trip_ms: int, sealed: str
) -> bool:
    """Delivered: keep the receipt and the sealed package the peer receipted, and remove the
    plaintext body (retention, docs/exchange.md)."""
    updated = (
        OutboxMessage.objects.filter(pk=message.pk)
        .exclude(status=OutboxStatus.DELIVERED)
        .update(
            status=OutboxStatus.DELIVERED,
            sealed=sealed,
            body={},
            delivered_at=clock.now(),
            round_trip_ms=round_trip_ms,
            receipt=receipt,
            last_error="",
            next_attempt_at=None,
            updated_at=timezone.now(),
        )
    )
    if updated:
        record_event(
            event_type=EventType.EXCHANGE_DELIVERED,
            actor=None,
            target=message,
            detail=audit_detail(
                message, receipt_status=receipt_status, round_trip_ms=round_trip_ms
            ),
        )
    return bool(updated)


@transaction.atomic
def _record_failure(message: OutboxMessage, *, error: str, permanent: bool) -> str:
    """Schedule the next try, or make the message a dead letter; return the new status."""
    dead = permanent or message.attempts >= max_attempts()
    status = OutboxStatus.DEAD if dead else OutboxStatus.FAILED
    next_attempt_at = None if dead else clock.now() + backoff(message.attempts)
    OutboxMessage.objects.filter(pk=message.pk).exclude(status=OutboxStatus.DELIVERED).update(
        status=status,
        last_error=error[:200],
        next_attempt_at=next_attempt_at,
        updated_at=timezone.now(),
    )
    record_event(
        event_type=EventType.EXCHANGE_DEAD if dead else EventType.EXCHANGE_FAILED,
        actor=None,
        target=message,
        detail=audit_detail(message, error=error, permanent=permanent),
    )
    logger.warning(
        "exchange: message %s to peer %s attempt %s failed: %s",
        message.message_id,
        message.peer_id,
        message.attempts,
        error,
    )
    return status


def _settle(
    message: OutboxMessage, answer: _Answer, started: float, summary: Summary, sealed: str = ""
) -> None:
    """Check the receipt and record the outcome of one attempt."""
    error, permanent = answer.error, answer.permanent
    if not error:
        try:
            claims = crypto.verify_receipt(
                peer=message.peer, token=answer.receipt, message_id=message.message_id
            )
            receipt_status = str(claims.get("status", ""))
            if receipt_status not in {"stored", "duplicate"}:
                raise ValueError(receipt_status)
        except Exception:  # any failure to verify is the same answer: no valid receipt
            error, permanent = "bad_receipt", False
    if not error:
        round_trip_ms = int((time.monotonic() - started) * 1000)
        if _record_delivered(
            message,
            receipt=answer.receipt,
            receipt_status=receipt_status,
            round_trip_ms=round_trip_ms,
            sealed=sealed,
        ):
            if message.type == MessageType.KEY_ANNOUNCEMENT:
                from opentrm.exchange import continuity

                continuity.announcement_delivered(message)
            summary.delivered += 1
            summary.round_trips_ms.append(round_trip_ms)
        return
    if _record_failure(message, error=error, permanent=permanent) == OutboxStatus.DEAD:
        summary.dead += 1
    else:
        summary.failed += 1


def order_claims(message: OutboxMessage) -> dict[str, Any]:
    """``{"order": …}``: the ``seq`` and ``prev`` claims of a package in a referral's chain
    (an empty dict for a package in none)."""
    order: dict[str, Any] = {}
    if message.sequence is not None:
        order["seq"] = message.sequence
    if message.previous_id is not None:
        order["prev"] = str(message.previous_id)
    return {"order": order} if order else {}


def deliver_due(
    now: datetime | None = None, limit: int = 100, threads: int | None = None
) -> Summary:
    """Send every due message (at most ``limit``) once; return what happened.

    Sealing and recording run in the calling thread (they use the database); the posts run
    in a small thread pool (``threads``, default ``OPENTRM_EXCHANGE_WORKER_THREADS`` = 4).
    """
    summary = Summary()
    messages = _claim(now or clock.now(), limit)
    summary.picked = len(messages)
    if not messages:
        return summary
    messages = _without_held(messages, summary)
    # A key announcement is posted, and answered, before anything signed with the new key:
    # posted side by side, the peer could open the step before it knows the key (unknown_key).
    announcements = [m for m in messages if m.type == MessageType.KEY_ANNOUNCEMENT]
    others = [m for m in messages if m.type != MessageType.KEY_ANNOUNCEMENT]
    with ThreadPoolExecutor(max_workers=threads or worker_threads()) as pool:
        for batch in (announcements, others):
            _post_batch(pool, batch, summary)
    return summary


def _without_held(messages: list[OutboxMessage], summary: Summary) -> list[OutboxMessage]:
    """``messages`` but those a registered check holds (``exchange.holds``): each of those
    becomes a dead letter, unsealed and unsent."""
    held = held_referrals(message.referral_id for message in messages)
    if not held:
        return messages
    kept: list[OutboxMessage] = []
    for message in messages:
        reason = held.get(message.referral_id) if message.referral_id is not None else None
        if reason is None:
            kept.append(message)
            continue
        _record_failure(message, error=f"held:{reason}", permanent=True)
        summary.dead += 1
    return kept


def _post_batch(pool: ThreadPoolExecutor, messages: list[OutboxMessage], summary: Summary) -> None:
    """Seal each message, post them side by side, and record every answer. The signing key
    towards a peer is looked up once per batch (the announcements' batch, which may change it
    on delivery, is done before the next one starts)."""
    pending: dict[Future[_Answer], tuple[OutboxMessage, float, str]] = {}
    signing: dict[tuple[int, str], tuple[str, Any]] = {}
    for message in messages:
        started = time.monotonic()
        url = _inbox_url(message.peer.base_url)
        if url is None:
            _settle(message, _Answer(error="bad_address", permanent=True), started, summary)
            continue
        try:
            kind = (message.peer_id, message.type)
            if kind not in signing:
                signing[kind] = crypto.signing_key(message.peer, message.type)
            token = crypto.seal(
                peer=message.peer,
                signing=signing[kind],
                message_id=message.message_id,
                type=message.type,
                body=message.body,
                now=clock.now(),
                validate=False,  # checked when it was queued (outbox.enqueue)
                **order_claims(message),
            )
        except Exception as error:  # a peer without usable keys, a body the sealer refuses
            # The class name and code only: an exception's text may quote the body.
            code = getattr(error, "code", "")
            logger.error(
                "exchange: sealing message %s failed: %s %s",
                message.message_id,
                type(error).__name__,
                code,
            )
            failure = f"seal_failed:{code}" if isinstance(code, str) and code else "seal_failed"
            # A body its schema refuses is refused again next time: a dead letter at once.
            permanent = code == "schema_invalid"
            _settle(message, _Answer(error=failure[:60], permanent=permanent), started, summary)
            continue
        pending[pool.submit(_post, url, token)] = (message, started, token)
    for future in as_completed(pending):
        message, started, token = pending[future]
        _settle(message, future.result(), started, summary, sealed=token)


# --- operations: the dashboard and the dead-letter queue -----------------------------------------

ROUND_TRIP_SAMPLE = 100


@dataclass
class PeerStats:
    """One peer's line on the dashboard (counts, codes and times only)."""

    peer: Peer
    queued: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    refused: int = 0  # delivered, then refused by the peer's processing (its outcome answer)
    last_error: str = ""
    last_error_at: datetime | None = None
    median_round_trip_ms: float | None = None
    last_delivered_at: datetime | None = None


def peer_stats(actor: Actor) -> list[PeerStats]:
    """Per peer: messages by status, the last error, the median round trip of the last 100."""
    require(actor, Action.EXCHANGE_MANAGE)
    stats = {
        peer.pk: PeerStats(peer=peer) for peer in Peer.objects.order_by("country_code", "name")
    }
    counts = OutboxMessage.objects.values("peer_id", "status").annotate(n=Count("id"))
    for row in counts:  # every message has a peer (PROTECT) and one of the statuses
        setattr(stats[row["peer_id"]], row["status"], row["n"])
    refused = OutboxMessage.objects.filter(outcome="refused").order_by().values("peer_id")
    for row in refused.annotate(n=Count("id")):
        stats[row["peer_id"]].refused = row["n"]
    for line in stats.values():
        outbox = OutboxMessage.objects.filter(peer=line.peer)
        failing = outbox.exclude(last_error="").order_by("-updated_at", "-id").first()
        if failing is not None:
            line.last_error, line.last_error_at = failing.last_error, failing.updated_at
        trips = list(
            outbox.filter(status=OutboxStatus.DELIVERED, round_trip_ms__isnull=False)
            .order_by("-delivered_at", "-id")
            .values_list("round_trip_ms", "delivered_at")[:ROUND_TRIP_SAMPLE]
        )
        if trips:
            line.median_round_trip_ms = statistics.median(ms or 0 for ms, _at in trips)
            line.last_delivered_at = trips[0][1]
    return list(stats.values())


def dead_letters(actor: Actor, *, peer_id: int | None = None) -> QuerySet[OutboxMessage]:
    """The dead letters, newest first (the body is not shown anywhere: it is case data)."""
    require(actor, Action.EXCHANGE_MANAGE)
    messages = OutboxMessage.objects.filter(status=OutboxStatus.DEAD).select_related("peer")
    if peer_id is not None:
        messages = messages.filter(peer_id=peer_id)
    return messages.order_by("-updated_at", "-id")


@transaction.atomic
def retry_dead_letter(
    *, actor: Actor, message_id: uuid.UUID | str, bulk: bool = False
) -> OutboxMessage:
    """Queue a dead letter again: attempts start from zero, due now. Audits EXCHANGE_RETRIED."""
    require(actor, Action.EXCHANGE_MANAGE)
    message = (
        OutboxMessage.objects.select_for_update()
        .select_related("peer")
        .filter(message_id=message_id)
        .first()
    )
    if message is None:
        raise NotFoundError(_("No such package."))
    if message.status != OutboxStatus.DEAD:
        raise ConflictError(_("Only a dead letter can be queued again."))
    if message.peer.status != PeerStatus.ACTIVE:
        raise ValidationError(
            {"peer": _("The node is not active: resume or confirm it before retrying.")}
        )
    message.status = OutboxStatus.QUEUED
    requeue(message, actor=actor, fields=["status"], **({"bulk": True} if bulk else {}))
    return message
