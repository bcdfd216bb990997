"""Packages: seal and open, every rejection code, receipts, and the published schemas."""

import base64
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from joserfc.jwk import ECKey
from pytest_django.fixtures import Settings as SettingsWrapper

from opentrm.exchange import crypto
from opentrm.exchange.crypto import PackageRejected
from opentrm.exchange.models import MessageType, Peer, PeerStatus
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node

__all__ = ["foreign", "node"]

DOCS = Path(__file__).resolve().parents[3] / "docs" / "exchange"
SCHEMAS = Path(crypto.__file__).resolve().parent / "schemas"

REFERRAL_BODY: dict[str, Any] = {
    "referral": {
        "reference": "TRM-2026-00042",
        "kind": "transnational",
        "urgency": "urgent",
        "sender_organisation": "Fictional Shelter Tirana",
        "sender_country": "AL",
        "receiver_organisation": "Fictional Focal Point Bucharest",
        "receiver_country": "RO",
        "template_profile": {"country": "AL", "version": 2},
        "template_version": 1,
        "consent_ref": "consent-17",
        "agreement_id": "42",
    },
    "format": 2,
    "sections": {
        "s1_1": {
            "prs_Gender": "Feminine",
            "prs_Birthdate": "1999-04-01",
            "prs_Citizenship": ["RO"],
            "opentrm_name": {"text": "Ana Exemplu", "lang": "ro"},
        },
        "s1_2": {"vic_TypeOfExploitation": {"codes": ["ForcedLabour"], "other": None}},
        "s6_2": {"opentrm_housing": {"offered": True, "accepted": False}},
        "s8": {"opentrm_return.origin": {"institution": "Fictional Agency"}},
    },
    "withheld": ["s3_2.opentrm_medical_history"],
}


def test_seal_then_open_gives_back_the_message(node: OwnNode) -> None:
    peer = node.self_peer()
    message_id = uuid.uuid4()
    token = crypto.seal(peer=peer, message_id=message_id, type="referral", body=REFERRAL_BODY)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "ECDH-ES+A256KW"
    assert header["enc"] == "A256GCM"
    assert header["cty"] == "opentrm-package+jws"
    opened = crypto.open_package(token)
    assert opened.peer == peer
    assert opened.message_id == message_id
    assert opened.type == "referral"
    assert opened.body == REFERRAL_BODY
    assert abs((timezone.now() - opened.issued_at).total_seconds()) < 5
    assert opened.digest == crypto.digest(
        message_id=message_id,
        sender="opentrm-al",
        receiver="opentrm-al",
        type="referral",
        body=REFERRAL_BODY,
    )


def test_a_package_sealed_again_later_has_the_same_digest(node: OwnNode) -> None:
    peer = node.self_peer()
    message_id = uuid.uuid4()
    first = crypto.seal(peer=peer, message_id=message_id, type="ping", body={})
    later = timezone.now() + timedelta(seconds=90)
    second = crypto.seal(peer=peer, message_id=message_id, type="ping", body={}, now=later)
    assert first != second
    assert crypto.open_package(first).digest == crypto.open_package(second, now=later).digest


def test_seal_refuses_a_body_that_breaks_its_schema(node: OwnNode) -> None:
    peer = node.self_peer()
    with pytest.raises(PackageRejected) as caught:
        crypto.seal(peer=peer, message_id=uuid.uuid4(), type="ping", body={"name": "x"})
    assert caught.value.code == "schema_invalid"
    assert "x" not in caught.value.message.replace("additionalProperties", "")


def _flip(token: str) -> str:
    parts = token.split(".")
    ciphertext = bytearray(base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)))
    ciphertext[len(ciphertext) // 2] ^= 0x01
    parts[3] = base64.urlsafe_b64encode(bytes(ciphertext)).rstrip(b"=").decode()
    return ".".join(parts)


Case = Callable[[ForeignNode], str]

CASES: dict[str, tuple[Case, str, int]] = {
    "garbage": (lambda f: "not a package", "malformed", 400),
    "flipped byte": (lambda f: _flip(f.seal(f.payload())), "decrypt_failed", 400),
    "signed by another key with the peer's key id": (
        lambda f: f.seal(
            f.payload(), signing_key=ECKey.generate_key("P-256"), kid=f.sig.thumbprint()
        ),
        "bad_signature",
        401,
    ),
    "unknown sender key": (
        lambda f: f.seal(f.payload(), signing_key=ECKey.generate_key("P-256")),
        "unknown_key",
        401,
    ),
    "unknown sender": (
        lambda f: ForeignNode(node_id="opentrm-xx").seal(
            ForeignNode(node_id="opentrm-xx").payload()
        ),
        "unknown_sender",
        401,
    ),
    "another audience": (lambda f: f.seal(f.payload(aud="opentrm-rs")), "wrong_audience", 400),
    "expired": (
        lambda f: f.seal(f.payload(iat=timezone.now() - timedelta(seconds=610))),
        "expired",
        400,
    ),
    "future beyond the skew": (
        lambda f: f.seal(f.payload(iat=timezone.now() + timedelta(seconds=310))),
        "expired",
        400,
    ),
    "body breaks its schema": (
        lambda f: f.seal(f.payload(type="status_update", body={"status": "sent"})),
        "schema_invalid",
        422,
    ),
    "envelope breaks its schema": (
        lambda f: f.seal({**f.payload(), "v": 2}),
        "schema_invalid",
        422,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_fault_is_rejected_with_its_code(
    node: OwnNode, foreign: ForeignNode, case: str
) -> None:
    build, code, status = CASES[case]
    with pytest.raises(PackageRejected) as caught:
        crypto.open_package(build(foreign))
    assert (caught.value.code, caught.value.status) == (code, status)


def test_a_package_within_the_clock_skew_is_accepted(node: OwnNode, foreign: ForeignNode) -> None:
    package = foreign.seal(foreign.payload(iat=timezone.now() + timedelta(seconds=240)))
    assert crypto.open_package(package).type == "ping"


def test_the_windows_follow_the_settings(
    node: OwnNode, foreign: ForeignNode, settings: SettingsWrapper
) -> None:
    settings.OPENTRM_EXCHANGE_MAX_AGE_SECONDS = 60
    package = foreign.seal(foreign.payload(iat=timezone.now() - timedelta(seconds=120)))
    with pytest.raises(PackageRejected, match="expired"):
        crypto.open_package(package)


@pytest.mark.parametrize(
    ("status", "code", "http"),
    [(PeerStatus.SUSPENDED, "sender_suspended", 403), (PeerStatus.PENDING, "unknown_sender", 401)],
)
def test_a_sender_not_active_is_rejected(node: OwnNode, status: str, code: str, http: int) -> None:
    other = ForeignNode()
    peer = other.register(status=status)
    with pytest.raises(PackageRejected) as caught:
        crypto.open_package(other.seal(other.payload()))
    assert (caught.value.code, caught.value.status, caught.value.peer) == (code, http, peer)


def test_receipts_are_signed_and_checked(node: OwnNode) -> None:
    peer = node.self_peer()
    message_id = uuid.uuid4()
    receipt = crypto.sign_receipt(peer=peer, message_id=message_id, status="stored")
    claims = crypto.verify_receipt(peer=peer, token=receipt, message_id=message_id)
    assert claims["status"] == "stored"
    assert claims["iss"] == claims["aud"] == "opentrm-al"
    with pytest.raises(PackageRejected):
        crypto.verify_receipt(peer=peer, token=receipt, message_id=uuid.uuid4())
    forged = receipt[:-4] + ("AAAA" if not receipt.endswith("AAAA") else "BBBB")
    with pytest.raises(PackageRejected) as caught:
        crypto.verify_receipt(peer=peer, token=forged, message_id=message_id)
    assert caught.value.code == "bad_signature"
    with pytest.raises(PackageRejected):
        crypto.verify_receipt(peer=peer, token="nonsense", message_id=message_id)


def test_a_receipt_from_another_node_is_refused(node: OwnNode, foreign: ForeignNode) -> None:
    own_receipt = crypto.sign_receipt(
        peer=node.self_peer(), message_id=uuid.uuid4(), status="stored"
    )
    with pytest.raises(PackageRejected) as caught:
        crypto.verify_receipt(
            peer=Peer.objects.get(node_id=foreign.node_id),
            token=own_receipt,
            message_id=uuid.uuid4(),
        )
    assert caught.value.code == "unknown_key"


# --- schemas ------------------------------------------------------------------------------------


def test_the_published_schemas_are_the_ones_the_code_uses() -> None:
    canonical = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
    published = sorted(p.name for p in DOCS.glob("*.schema.json"))
    assert canonical == published
    assert canonical == sorted(
        f"{name}-v1.schema.json" for name in ["package", *MessageType.values]
    )
    for name in canonical:
        assert (SCHEMAS / name).read_text() == (DOCS / name).read_text(), name


def test_a_referral_body_validates_and_a_wrong_one_does_not() -> None:
    assert crypto.schema_errors("referral", REFERRAL_BODY) == []
    wrong = json.loads(json.dumps(REFERRAL_BODY))
    wrong["sections"]["s1_1"]["prs_Gender"] = 3
    wrong["referral"]["receiver_country"] = "Romania"
    errors = crypto.schema_errors("referral", wrong)
    assert len(errors) == 2
    assert all("Romania" not in error for error in errors)
