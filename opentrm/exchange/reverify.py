"""Checking again, later, the signature of a package this node stored (``InboxMessage.signed``):
``opentrm exchange_verify`` runs it, so a sender's signature can be re-checked long after the
package was applied (docs/exchange.md, retention)."""

import uuid

from opentrm.exchange.crypto import PackageRejected, _verify, digest
from opentrm.exchange.models import Peer
from opentrm.exchange.refusals import _b64_json, _json


def reverify_stored(*, peer: Peer, signed: str, digest_expected: str) -> str:
    """Check again a stored package's signature (``InboxMessage.signed``) with the sender's
    published keys this node holds: "ok", "no_token" (removed, e.g. refused), or the protocol
    code of the failure ("unknown_key", "bad_signature", "malformed"; "mismatch" when the
    signed payload is not the package stored)."""
    if not signed:
        return "no_token"
    parts = signed.split(".")
    if len(parts) != 3:
        return "malformed"
    try:
        header = _b64_json(parts[0])
        payload = _verify(signed.encode("ascii"), peer=peer, use_header=header, message_id=None)
        claims = _json(payload, "The signed content")
    except PackageRejected as error:
        return error.code
    if not isinstance(claims, dict) or not isinstance(claims.get("body"), dict):
        return "malformed"
    again = digest(
        message_id=uuid.UUID(str(claims.get("jti"))),
        sender=str(claims.get("iss")),
        receiver=str(claims.get("aud")),
        type=str(claims.get("type")),
        body=claims["body"],
    )
    return "ok" if not digest_expected or again == digest_expected else "mismatch"
