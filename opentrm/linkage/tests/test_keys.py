"""The key shared with one peer node for the holder check, as the administrator manages it with
``opentrm linkage_key``: generated and printed once, set from what the peer read out, listed by
key id only, removed; every change audited by key id, never the key; refused to anyone else."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.exchange.models import Peer, PeerStatus
from opentrm.linkage.models import LinkageKey
from opentrm.linkage.services import keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer(world: World) -> Peer:
    peer: Peer = Peer.objects.create(
        node_id="ro-node",
        country_code="RO",
        name="Fictional peer node",
        base_url="https://peer.example.test",
        public_jwks={"keys": []},
        fingerprint="AAAA / BBBB",
        status=PeerStatus.ACTIVE,
    )
    return peer


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("linkage_key", *args, stdout=out)
    return out.getvalue()


def _admin() -> tuple[str, str]:
    return ("--as", f"a_{Role.SYSTEM_ADMINISTRATOR.value}")


def test_a_generated_key_is_printed_once_and_audited_by_its_id_only(
    world: World, peer: Peer
) -> None:
    printed = _run("generate", "ro-node", *_admin())
    secret = printed.split("Key: ", 1)[1].split()[0]
    stored = LinkageKey.objects.get(peer=peer)
    assert bytes(stored.secret) == keys.parse_secret(secret)
    assert f"Key id: {stored.key_id}" in printed
    event = AuditEvent.objects.get(event_type=EventType.LINKAGE_KEY_SET)
    assert event.detail == {"peer_id": peer.pk, "key_id": stored.key_id}
    assert secret not in str(event.detail)
    assert _run("list") == f"ro-node\t{stored.key_id}\n"


def test_the_key_the_peer_read_out_replaces_the_old_one_and_a_wrong_one_is_refused(
    world: World, peer: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("generate", "ro-node", *_admin())
    theirs = keys.new_secret()
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{theirs}\n"))
    _run("set", "ro-node", *_admin())
    assert bytes(LinkageKey.objects.get(peer=peer).secret) == keys.parse_secret(theirs)
    for wrong in ("not base64 at all!", "c2hvcnQ=", "ключ"):
        monkeypatch.setattr("sys.stdin", io.StringIO(wrong))
        with pytest.raises(CommandError, match="The key must be the 44 characters"):
            _run("set", "ro-node", *_admin())
    assert bytes(LinkageKey.objects.get(peer=peer).secret) == keys.parse_secret(theirs)
    assert AuditEvent.objects.filter(event_type=EventType.LINKAGE_KEY_SET).count() == 2


def test_removing_the_key_is_audited_once(world: World, peer: Peer) -> None:
    _run("generate", "ro-node", *_admin())
    assert _run("remove", "ro-node", *_admin()) == "Removed.\n"
    assert not LinkageKey.objects.exists()
    _run("remove", "ro-node", *_admin())  # nothing left to remove: nothing recorded
    assert AuditEvent.objects.filter(event_type=EventType.LINKAGE_KEY_REMOVED).count() == 1
    with pytest.raises(CommandError, match="No peer node"):
        _run("remove", "xx-node", *_admin())


def test_only_the_node_administrator_sets_or_removes_a_key(world: World, peer: Peer) -> None:
    manager = world.actor(Role.CASE_MANAGER)
    with pytest.raises(PermissionDenied):
        keys.linkage_key_set(actor=manager, peer=peer, secret=keys.new_secret())
    with pytest.raises(PermissionDenied):
        keys.linkage_key_remove(actor=manager, peer=peer)
    assert not LinkageKey.objects.exists()
    assert not AuditEvent.objects.filter(
        event_type__in=[EventType.LINKAGE_KEY_SET, EventType.LINKAGE_KEY_REMOVED]
    ).exists()
