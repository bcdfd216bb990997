"""``opentrm exchange_peer``: the operator's console for peer nodes (in this process)."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from joserfc.jwk import ECKey

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.exchange import crypto
from opentrm.exchange.models import OutboxMessage, Peer, PeerStatus


def _document(tmp_path: Path) -> tuple[Path, str]:
    keys: list[dict[str, Any]] = []
    for use, alg in (("sig", "ES256"), ("enc", "ECDH-ES+A256KW")):
        key = ECKey.generate_key("P-256", private=True)
        keys.append(key.as_dict(private=False, kid=key.thumbprint(), use=use, alg=alg))
    document = {
        "node_id": "fictional-ro",
        "country": "RO",
        "base_url": "https://trm.example.test",
        "keys": {"keys": keys},
        "protocol": 1,
    }
    path = tmp_path / "node.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path, crypto.jwks_fingerprint({"keys": keys})


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("exchange_peer", *args, stdout=out)
    return out.getvalue()


def test_add_confirm_ping_suspend_resume_and_list(world: World, tmp_path: Path) -> None:
    admin = world.user(Role.SYSTEM_ADMINISTRATOR).username
    path, fingerprint = _document(tmp_path)
    out = _run("add", "Fictional Romania", "--document", str(path), "--as", admin)
    assert "Pending" in out
    peer = Peer.objects.get(node_id="fictional-ro")
    assert peer.status == PeerStatus.PENDING
    assert fingerprint not in out  # pending: typed from what is read out, never printed
    with pytest.raises(CommandError, match="NOT confirmed") as mismatch:
        _run("confirm", "fictional-ro", "--fingerprint", "AAAA BBBB", "--as", admin)
    # The expected value is never printed on a mismatch (it would be copied, not compared).
    assert fingerprint.replace(" ", "") not in str(mismatch.value).replace(" ", "")
    assert fingerprint[:9] not in str(mismatch.value)
    with pytest.raises(CommandError, match="not a system administrator"):
        _run(
            "confirm",
            "fictional-ro",
            "--fingerprint",
            fingerprint,
            "--as",
            world.user(Role.CASE_MANAGER).username,
        )
    # Spaces and blocks as read out loud do not matter.
    spaced = fingerprint.replace(" ", "").lower()
    assert "active" in _run("confirm", "fictional-ro", "--fingerprint", spaced, "--as", admin)
    out = _run("ping", "fictional-ro", "--nonce", "hello", "--as", admin)
    message = OutboxMessage.objects.get()
    assert str(message.message_id) in out
    assert message.body == {"nonce": "hello"}
    assert "1 queued" in _run("list")
    _run("suspend", "fictional-ro", "--as", admin)
    with pytest.raises(CommandError, match="suspended"):
        _run("ping", "fictional-ro", "--as", admin)
    assert "Active" in _run("resume", "fictional-ro", "--as", admin)
    with pytest.raises(CommandError, match="No peer node"):
        _run("ping", "nobody", "--as", admin)
    with pytest.raises(CommandError, match="No active user"):
        _run("ping", "fictional-ro", "--as", "nobody")
