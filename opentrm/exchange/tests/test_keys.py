"""Node keys: init_node, files outside the database, rotation with an overlap, the node document."""

import base64
import hashlib
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from opentrm.audit.models import AuditEvent
from opentrm.exchange import crypto, keys
from opentrm.exchange.crypto import PackageRejected
from opentrm.exchange.models import KeyUse, NodeKey
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node

__all__ = ["foreign", "node"]


def test_init_node_writes_private_keys_as_files_and_public_halves_as_rows(node: OwnNode) -> None:
    rows = list(NodeKey.objects.all())
    assert sorted(row.use for row in rows) == ["enc", "sig"]
    assert stat.S_IMODE(node.key_dir.stat().st_mode) == 0o700
    for row in rows:
        assert "d" not in row.public_jwk
        assert row.kid == keys.private_key(row.kid).thumbprint()
        path = node.key_dir / f"{row.kid}.jwk.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert "d" in node.private_jwk(row.kid)
        assert row.active
        assert row.retire_after is None
    event = AuditEvent.objects.get(event_type="EXCHANGE_KEY_ROTATED")
    assert event.detail["retired_kids"] == []


def test_init_node_refuses_to_overwrite_keys(node: OwnNode) -> None:
    with pytest.raises(CommandError, match="--rotate"):
        call_command("init_node")
    assert NodeKey.objects.count() == 2


def test_the_command_prints_what_to_read_out_to_a_peer(
    db: None, settings: SettingsWrapper, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.OPENTRM_KEY_DIR = tmp_path / "keys"  # type: ignore[operator]
    settings.OPENTRM_NODE_ID = "opentrm-al"
    settings.OPENTRM_NODE_COUNTRY = "AL"
    call_command("init_node")
    out = capsys.readouterr().out
    assert "opentrm-al" in out
    assert "AL" in out
    assert crypto.fingerprint() in out
    sig = NodeKey.objects.get(use="sig")
    enc = NodeKey.objects.get(use="enc")
    # Short and human-friendly: 8 groups of 4 base32 characters (160 bits of a SHA-256 over
    # both keys' thumbprints), not the 86 base64url characters of the thumbprints.
    groups = crypto.fingerprint().split(" ")
    assert len(groups) == 8
    assert all(len(g) == 4 for g in groups)
    assert all(set(g) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for g in groups)
    digest = hashlib.sha256(f"{sig.kid}.{enc.kid}".encode()).digest()
    assert "".join(groups) == base64.b32encode(digest).decode()[:32]


def test_init_node_on_a_database_not_migrated_says_to_migrate_first(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "OPENTRM_HOME", "OPENTRM_KEY_DIR")
    }
    env.update(
        OPENTRM_ENV="development",
        OPENTRM_HOME=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        OPENTRM_NODE_ID="opentrm-al",
        OPENTRM_NODE_COUNTRY="AL",
        PYTHONPATH=str(Path(__file__).resolve().parents[3]),
    )
    done = subprocess.run(
        [sys.executable, "-m", "opentrm", "init_node"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "run `opentrm migrate` first" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "keys").exists() or not any((tmp_path / "keys").iterdir())


def test_rotation_keeps_the_old_keys_published_for_the_overlap(
    node: OwnNode, settings: SettingsWrapper
) -> None:
    settings.OPENTRM_EXCHANGE_KEY_OVERLAP_DAYS = 30
    old = {row.use: row.kid for row in NodeKey.objects.all()}
    old_fingerprint = crypto.fingerprint()
    call_command("init_node", "--rotate")
    assert crypto.fingerprint() != old_fingerprint
    published = [jwk["kid"] for jwk in crypto.public_jwks()["keys"]]
    assert len(published) == 4
    new = {row.use: row.kid for row in NodeKey.objects.filter(active=True)}
    assert published[:2] == [new["enc"], new["sig"]]  # the current keys come first
    assert set(old.values()) <= set(published)
    later = timezone.now() + timedelta(days=31)
    assert {jwk["kid"] for jwk in crypto.public_jwks(later)["keys"]} == set(new.values())
    event = AuditEvent.objects.filter(event_type="EXCHANGE_KEY_ROTATED").latest("sequence")
    assert sorted(event.detail["retired_kids"]) == sorted(old.values())


def test_a_package_sealed_to_the_old_key_opens_during_the_overlap_not_after(
    node: OwnNode, foreign: ForeignNode
) -> None:
    package = foreign.seal(foreign.payload())  # sealed to the key the peer knows: the old one
    keys.init_node(rotate=True)
    assert crypto.open_package(package).peer.node_id == foreign.node_id
    after = timezone.now() + timedelta(days=31)
    with pytest.raises(PackageRejected) as caught:
        crypto.open_package(package, now=after)
    assert caught.value.code == "decrypt_failed"


def test_a_package_signed_with_our_old_key_is_accepted_by_a_peer_during_the_overlap(
    node: OwnNode,
) -> None:
    peer = node.self_peer()  # the peer's copy of our keys, taken before the rotation
    keys.init_node(rotate=True)
    peer.public_jwks = crypto.public_jwks()  # it updated our keys: both are published
    peer.save()
    package = crypto.seal(peer=peer, message_id=__import__("uuid").uuid4(), type="ping", body={})
    assert crypto.open_package(package).type == "ping"


def test_the_node_document_is_public_and_holds_public_keys_only(node: OwnNode) -> None:
    response = Client().get(reverse("node_document"))
    assert response.status_code == 200
    document = response.json()
    assert document["node_id"] == "opentrm-al"
    assert document["country"] == "AL"
    assert document["base_url"] == "https://trm.example.al"
    assert document["protocol"] == 1
    assert {jwk["use"] for jwk in document["keys"]["keys"]} == {"sig", "enc"}
    for jwk in document["keys"]["keys"]:
        assert "d" not in jwk
    assert crypto.jwks_fingerprint(document["keys"]) == crypto.fingerprint()


def test_without_keys_the_document_lists_none_and_sealing_is_refused(
    db: None, settings: SettingsWrapper, tmp_path: object
) -> None:
    settings.OPENTRM_KEY_DIR = tmp_path
    assert Client().get(reverse("node_document")).json()["keys"] == {"keys": []}
    with pytest.raises(keys.NodeNotInitialised):
        keys.active_key(KeyUse.SIGNING)
    other = ForeignNode().register()
    with pytest.raises(crypto.ExchangeNotReady):
        crypto.seal(peer=other, message_id=__import__("uuid").uuid4(), type="ping", body={})
