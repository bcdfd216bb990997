"""The node's signing key for audit checkpoints (docs/audit.md, ADR 0004).

The audit app imports no domain app, so it cannot reach the node's keys itself: this provider
is registered with it from ``ExchangeConfig.ready``.
"""

import re

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey

from opentrm.exchange import keys
from opentrm.exchange.models import KeyUse, NodeKey

# A kid is an RFC 7638 thumbprint (base64url); anything else never reaches a file path.
_KID = re.compile(r"[A-Za-z0-9_-]{20,128}")


class NodeCheckpointKeys:
    def current(self) -> tuple[str, ECKey | OKPKey] | None:
        """The active signing key; None before ``opentrm init_node``. A key row whose private
        file is missing raises FileNotFoundError: that is for the operator to see."""
        try:
            key = keys.active_key(KeyUse.SIGNING)
        except keys.NodeNotInitialised:
            return None
        return key.kid, keys.private_key(key.kid)

    def verification_key(self, kid: str) -> ECKey | OKPKey | None:
        """The key file if it is still there, else the published public half (also of a retired
        key); a signing key whose thumbprint is ``kid``, or None."""
        if not _KID.fullmatch(kid):
            return None
        try:
            own = keys.private_key(kid)
        except (OSError, ValueError, JoseError):
            pass
        else:
            if own.get("use") == KeyUse.SIGNING.value and own.thumbprint() == kid:
                return own
        row = NodeKey.objects.filter(kid=kid, use=KeyUse.SIGNING).first()
        if row is None:
            return None
        try:
            public = ECKey.import_key(dict(row.public_jwk))
        except (ValueError, JoseError):
            return None
        return public if public.thumbprint() == kid else None
