"""Test support: this node with keys in a temporary directory, and fictional other nodes.

Import the fixtures into a test module: ``from opentrm.exchange.tests.nodes import node``.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from joserfc.jwk import ECKey
from pytest_django.fixtures import Settings as SettingsWrapper

from opentrm.exchange import crypto, keys
from opentrm.exchange.models import KeyUse, Peer, PeerStatus

OWN_ID = "opentrm-al"
FOREIGN_ID = "opentrm-ro"


def _pair(use: KeyUse) -> ECKey:
    return ECKey.generate_key("P-256", private=True)


def public(key: ECKey, use: KeyUse) -> dict[str, Any]:
    alg = keys.SIGNING_ALG if use == KeyUse.SIGNING else keys.KEY_WRAP_ALG
    return key.as_dict(private=False, kid=key.thumbprint(), use=use.value, alg=alg)


@dataclass
class ForeignNode:
    """A fictional other country's node: its keys live in memory only."""

    node_id: str = FOREIGN_ID
    country: str = "RO"
    base_url: str = "https://trm.example.ro"
    sig: ECKey = field(default_factory=lambda: _pair(KeyUse.SIGNING))
    enc: ECKey = field(default_factory=lambda: _pair(KeyUse.ENCRYPTION))

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public(self.sig, KeyUse.SIGNING), public(self.enc, KeyUse.ENCRYPTION)]}

    def document(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "country": self.country,
            "base_url": self.base_url,
            "keys": self.jwks(),
            "protocol": 1,
        }

    def register(self, status: str = PeerStatus.ACTIVE) -> Peer:
        return Peer.objects.create(
            node_id=self.node_id,
            country_code=self.country,
            name=f"Node {self.country}",
            base_url=self.base_url,
            public_jwks=self.jwks(),
            fingerprint=crypto.jwks_fingerprint(self.jwks()),
            status=status,
            confirmed_at=timezone.now() if status == PeerStatus.ACTIVE else None,
        )

    def payload(
        self,
        *,
        message_id: uuid.UUID | None = None,
        type: str = "ping",
        body: dict[str, Any] | None = None,
        iat: datetime | None = None,
        aud: str = OWN_ID,
    ) -> dict[str, Any]:
        return {
            "v": 1,
            "jti": str(message_id or uuid.uuid4()),
            "iss": self.node_id,
            "aud": aud,
            "iat": int((iat or timezone.now()).timestamp()),
            "type": type,
            "body": {"nonce": "n"} if body is None else body,
        }

    def seal(
        self, payload: dict[str, Any], *, signing_key: ECKey | None = None, kid: str = ""
    ) -> str:
        """A package from this node to ours (signed with ``signing_key`` if given)."""
        key = signing_key or self.sig
        return crypto.seal_payload(
            payload,
            signing_kid=kid or key.thumbprint(),
            signing_key=key,
            encryption_jwk=crypto._first_key_of_use(crypto.public_jwks(), KeyUse.ENCRYPTION) or {},
        )


@dataclass
class OwnNode:
    key_dir: Path

    def self_peer(self) -> Peer:
        """This node registered as its own peer: ``seal`` to it can be opened here."""
        jwks = crypto.public_jwks()
        return Peer.objects.create(
            node_id=OWN_ID,
            country_code="AL",
            name="Self",
            base_url="https://trm.example.al",
            public_jwks=jwks,
            fingerprint=crypto.jwks_fingerprint(jwks),
            status=PeerStatus.ACTIVE,
            confirmed_at=timezone.now(),
        )

    def private_jwk(self, kid: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.key_dir / f"{kid}.jwk.json").read_text())
        return data


@pytest.fixture
def node(db: None, settings: SettingsWrapper, tmp_path: Path) -> OwnNode:
    """This node ("opentrm-al", AL) with fresh keys in a temporary key directory."""
    settings.OPENTRM_NODE_ID = OWN_ID
    settings.OPENTRM_NODE_COUNTRY = "AL"
    settings.OPENTRM_BASE_URL = "https://trm.example.al"
    settings.OPENTRM_KEY_DIR = tmp_path / "keys"
    keys.init_node()
    return OwnNode(key_dir=tmp_path / "keys")


@pytest.fixture
def foreign(node: OwnNode) -> ForeignNode:
    """A fictional peer (opentrm-ro), registered and confirmed."""
    other = ForeignNode()
    other.register()
    return other
