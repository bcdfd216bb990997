"""The protocol's public endpoints: the node document and the inbox (docs/exchange.md).

Neither uses a session: the node document is public, and on the inbox the package's signature
is the authentication. The inbox's work per request is bounded by the size limit, which is
checked before anything is parsed.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from opentrm.accounts.client_address import client_address
from opentrm.accounts.throttle import (
    EXCHANGE_INBOX_DOOR,
    login_failure_record,
    login_wait_seconds,
)
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.exchange import clock, crypto, keys
from opentrm.exchange.crypto import Opened, PackageRejected
from opentrm.exchange.models import InboxMessage, NodeKey
from opentrm.exchange.services import processing, rejections

logger = logging.getLogger("opentrm.exchange")

JOSE = "application/jose"


@require_GET
@cache_control(public=True, max_age=300)
def node_document(request: HttpRequest) -> HttpResponse:
    """GET /.well-known/opentrm-node.json: node id, country, address and public keys."""
    return JsonResponse(crypto.node_document())


def _reject(error: PackageRejected) -> JsonResponse:
    """Answer with the protocol's code; counted, and audited once per sender, code and hour."""
    rejections.rejection_record(
        code=error.code, peer=error.peer, message_id=error.message_id, now=clock.now()
    )
    logger.warning("exchange package rejected: %s (%s)", error.code, error.status)
    return JsonResponse({"code": error.code, "message": error.message}, status=error.status)


def _receipt(opened: Opened, status: str, own: list[NodeKey] | None = None) -> HttpResponse:
    token = crypto.sign_receipt(
        peer=opened.peer, message_id=opened.message_id, status=status, own=own
    )
    return HttpResponse(token, content_type=JOSE)


def _stored_digest(message: InboxMessage) -> str:
    if message.digest:  # kept when the body is removed (retention)
        return message.digest
    return crypto.digest(
        message_id=message.message_id,
        sender=message.peer.node_id,
        receiver=crypto.node_id(),
        type=message.type,
        body=message.body,
    )


def _again(
    opened: Opened, existing: InboxMessage, own: list[NodeKey] | None = None
) -> HttpResponse:
    """A message id seen before: the same package again (a retry) gets its receipt again; a
    different package under the same id is a replay."""
    if existing.peer_id != opened.peer.pk or _stored_digest(existing) != opened.digest:
        return _reject(
            PackageRejected(
                "replayed",
                "This message id was received before with different content.",
                peer=opened.peer,
                message_id=opened.message_id,
            )
        )
    _record_received(opened, existing, "duplicate")
    return _receipt(opened, "duplicate", own)


def _record_received(opened: Opened, message: InboxMessage, status: str) -> None:
    """Audit a package received from a peer: stored, or a duplicate of one stored before."""
    record_event(
        event_type=EventType.EXCHANGE_RECEIVED,
        actor=None,
        target=message,
        detail={
            "message_id": str(opened.message_id),
            "peer_id": opened.peer.pk,
            "type": opened.type,
            "status": status,
        },
    )


def _dispatch(message: InboxMessage) -> None:
    """Run the type's handler after the commit (on the row just stored, its peer attached: the
    handler locks and reads it again); a failure leaves the message stored and unprocessed, to
    be tried again by the worker (``processing``)."""
    processing.handle(message)


def _store(opened: Opened) -> InboxMessage | None:
    """Store the package once; None when this message id is stored already (by an earlier
    request, or a concurrent one that committed first)."""
    try:
        with transaction.atomic():
            message = InboxMessage.objects.create(
                message_id=opened.message_id,
                peer=opened.peer,
                type=opened.type,
                body=opened.body,
                signed=opened.signed,
                digest=opened.digest,
                issued_at=opened.issued_at,
                sequence=opened.sequence,
                previous_id=opened.previous_id,
            )
            _record_received(opened, message, "stored")
            transaction.on_commit(lambda: _dispatch(message))
    except IntegrityError:
        return None
    return message


def _read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The request body, or None when it is larger than ``limit`` (declared or actual)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.strip().isdigit() and int(declared) > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@csrf_exempt
@require_POST
def inbox(request: HttpRequest) -> HttpResponse:
    """POST /exchange/v1/inbox: a sealed package in, a signed receipt (JWS) out."""
    # An address whose packages keep being rejected (bad signatures, unknown peers) waits
    # before its next package is even opened (accounts/throttle.py); a peer's good deliveries
    # are never slowed, and a delivering node retries a 429 after Retry-After.
    address = client_address(request)
    wait = login_wait_seconds(username=EXCHANGE_INBOX_DOOR, address=address)
    if wait:
        response = _reject(PackageRejected("throttled", "Too many rejected packages.", 429))
        response["Retry-After"] = str(wait)
        return response
    limit = settings.OPENTRM_EXCHANGE_MAX_BYTES
    body = _read_body(request, limit)
    if body is None:
        return _reject(PackageRejected("too_large", f"The package is larger than {limit} bytes."))
    now = clock.now()
    # This node's keys, read once for the package (decryption) and its receipt (signature):
    # current at the request's start, so a key revoked or rotated before it is not used.
    own = list(keys.published(now))
    try:
        opened = crypto.open_package(body, now=now, own=own)
    except PackageRejected as error:
        login_failure_record(username=EXCHANGE_INBOX_DOOR, address=address)
        return _reject(error)
    # Stored at once: a message id received before (a retry, a replay, or a concurrent copy)
    # is refused by its unique constraint and only then read (one query less per new package).
    if _store(opened) is None:
        existing = InboxMessage.objects.select_related("peer").get(message_id=opened.message_id)
        return _again(opened, existing, own)
    return _receipt(opened, "stored", own)
