"""Interoperability: an independent JOSE implementation (jwcrypto) reads our packages given only
the published node documents, and we read packages it produces."""

import json
import uuid
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from jwcrypto import jwe as jc_jwe
from jwcrypto import jwk as jc_jwk
from jwcrypto import jws as jc_jws

from opentrm.exchange import crypto
from opentrm.exchange.models import KeyUse
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node

__all__ = ["foreign", "node"]


def published_document() -> dict[str, Any]:
    response = Client().get(reverse("node_document"))
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_jwcrypto_verifies_and_decrypts_a_sealed_package(node: OwnNode) -> None:
    """The receiver here is this node itself (registered as its own peer); jwcrypto gets the
    published JWKS, and for decryption the receiver's private key read from its key file."""
    peer = node.self_peer()
    message_id = uuid.uuid4()
    body = {"reference": "TRM-7", "status": "accepted", "at": "2026-01-05T10:00:00Z"}
    token = crypto.seal(peer=peer, message_id=message_id, type="status_update", body=body)

    document = published_document()
    published = jc_jwk.JWKSet.from_json(json.dumps(document["keys"]))

    envelope = jc_jwe.JWE()
    envelope.deserialize(token)
    outer = envelope.jose_header
    assert (outer["alg"], outer["enc"]) == ("ECDH-ES+A256KW", "A256GCM")
    assert published.get_key(outer["kid"]) is not None  # encrypted to a published key
    private = jc_jwk.JWK(**node.private_jwk(outer["kid"]))
    envelope.decrypt(private)
    inner_token = envelope.payload.decode()

    signed = jc_jws.JWS()
    signed.deserialize(inner_token)
    inner = signed.jose_header
    assert inner["typ"] == "opentrm-package+jws"
    signing_key = published.get_key(inner["kid"])
    assert signing_key is not None
    assert signing_key.get("use") == KeyUse.SIGNING
    signed.verify(signing_key, alg="ES256")
    payload = json.loads(signed.payload)
    assert payload["jti"] == str(message_id)
    assert (payload["iss"], payload["aud"], payload["v"]) == ("opentrm-al", "opentrm-al", 1)
    assert payload["type"] == "status_update"
    assert payload["body"] == body


def test_a_package_made_by_jwcrypto_is_accepted_and_the_receipt_verifies_there(
    node: OwnNode, foreign: ForeignNode
) -> None:
    document = published_document()
    published = jc_jwk.JWKSet.from_json(json.dumps(document["keys"]))
    encryption = next(k for k in published if k.get("use") == "enc")
    sender_key = jc_jwk.JWK(**foreign.sig.as_dict(private=True))
    message_id = uuid.uuid4()
    payload = {
        "v": 1,
        "jti": str(message_id),
        "iss": foreign.node_id,
        "aud": document["node_id"],
        "iat": int(timezone.now().timestamp()),
        "type": "ping",
        "body": {"nonce": "jwcrypto"},
    }
    signed = jc_jws.JWS(json.dumps(payload).encode())
    signed.add_signature(
        sender_key,
        alg="ES256",
        protected=json.dumps(
            {"alg": "ES256", "kid": foreign.sig.thumbprint(), "typ": "opentrm-package+jws"}
        ),
    )
    envelope = jc_jwe.JWE(
        signed.serialize(compact=True).encode(),
        protected=json.dumps(
            {
                "alg": "ECDH-ES+A256KW",
                "enc": "A256GCM",
                "kid": encryption.get("kid"),
                "cty": "opentrm-package+jws",
            }
        ),
    )
    envelope.add_recipient(encryption)
    response = Client().post(
        reverse("exchange:inbox"),
        data=envelope.serialize(compact=True).encode(),
        content_type="application/jose",
    )
    assert response.status_code == 200, response.content

    receipt = jc_jws.JWS()
    receipt.deserialize(response.content.decode())
    key = published.get_key(receipt.jose_header["kid"])
    receipt.verify(key, alg="ES256")
    claims = json.loads(receipt.payload)
    assert claims == {
        "jti": str(message_id),
        "iss": "opentrm-al",
        "aud": foreign.node_id,
        "received_at": claims["received_at"],
        "status": "stored",
    }
