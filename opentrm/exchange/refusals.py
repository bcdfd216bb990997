"""The protocol's refusals and the first checks of a package's parts, before a JOSE library
reads them (used by ``crypto``, which re-exports them)."""

import base64
import binascii
import json
import uuid
from typing import Any

from joserfc.errors import JoseError

from opentrm.core.input import json_too_deep
from opentrm.exchange.models import Peer

STATUS_OF_CODE: dict[str, int] = {
    "too_large": 413,
    "malformed": 400,
    "unknown_key": 401,
    "revoked_key": 401,
    "expired_key": 401,
    "unknown_sender": 401,
    "sender_suspended": 403,
    "bad_signature": 401,
    "decrypt_failed": 400,
    "wrong_audience": 400,
    "expired": 400,
    "replayed": 409,
    "schema_invalid": 422,
}


class PackageRejected(Exception):  # noqa: N818 - the name the protocol code uses
    """A package (or receipt) refused with one of the protocol's codes. ``message`` is plain
    English for the other node's administrator and never holds package content. ``peer`` and
    ``message_id`` are set when known, for the audit trail."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int | None = None,
        *,
        peer: Peer | None = None,
        message_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS_OF_CODE.get(code, 400)
        self.peer = peer
        self.message_id = message_id


def _json(data: bytes, what: str, **known: Any) -> Any:
    """Parse JSON from a package, its nesting checked first (``MAX_JSON_DEPTH``): a deeply
    nested text costs the parser time and stack, and nobody has proven who sent it yet."""
    if json_too_deep(data):
        raise PackageRejected("malformed", f"{what} is nested too deeply.", **known)
    try:
        return json.loads(data)
    except (ValueError, UnicodeError, RecursionError):
        raise PackageRejected("malformed", f"{what} is not JSON.", **known) from None


def _b64_json(segment: str) -> dict[str, Any]:
    try:
        padded = segment + "=" * (-len(segment) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (ValueError, UnicodeError, binascii.Error):
        raise PackageRejected("malformed", "A header is not base64url-encoded JSON.") from None
    value = _json(decoded, "A header")
    if not isinstance(value, dict):
        raise PackageRejected("malformed", "A header is not a JSON object.")
    return value


STRING_HEADERS = ("alg", "enc", "kid", "typ", "cty", "zip", "apu", "apv", "iv", "tag")
JOSE_ERRORS = (
    JoseError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    OverflowError,
)


def _check_header(header: dict[str, Any], **known: Any) -> None:
    """Refuse a header whose registered fields have the wrong JSON type, or that asks for
    critical extensions (the protocol defines none), before a JOSE library reads it."""
    if "crit" in header:
        raise PackageRejected("malformed", "Critical header extensions are not supported.", **known)
    for name in STRING_HEADERS:
        if name in header and not isinstance(header[name], str):
            raise PackageRejected("malformed", f"The header field {name} is not a string.", **known)
    if "epk" in header and not isinstance(header["epk"], dict):
        raise PackageRejected("malformed", "The header field epk is not an object.", **known)
