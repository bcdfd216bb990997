"""The secret one peer node and this node share for the holder check (docs/matching-linkage.md,
"Keys"): set and removed by a system administrator of the node, audited by its key id only."""

from __future__ import annotations

import base64
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.exchange.models import Peer
from opentrm.linkage import clk
from opentrm.linkage.models import LinkageKey

SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh secret, as the administrators read it out (URL-safe base64 of 32 bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def parse_secret(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != SECRET_BYTES:
        raise ValidationError(_("The key must be the 44 characters the other node printed."))
    return raw


def linkage_key_set(*, actor: Actor, peer: Peer, secret: str) -> LinkageKey:
    """Share ``secret`` with ``peer`` (replacing any earlier one)."""
    require(actor, Action.EXCHANGE_MANAGE)
    raw = parse_secret(secret)
    with transaction.atomic():
        key, _created = LinkageKey.objects.update_or_create(
            peer=peer, defaults={"secret": raw, "key_id": clk.key_id(raw)}
        )
        record_event(
            event_type=EventType.LINKAGE_KEY_SET,
            actor=actor,
            target=peer,
            detail={"peer_id": peer.pk, "key_id": key.key_id},
        )
    return key


def linkage_key_remove(*, actor: Actor, peer: Peer) -> None:
    require(actor, Action.EXCHANGE_MANAGE)
    with transaction.atomic():
        removed, _rows = LinkageKey.objects.filter(peer=peer).delete()
        if removed:
            record_event(
                event_type=EventType.LINKAGE_KEY_REMOVED,
                actor=actor,
                target=peer,
                detail={"peer_id": peer.pk},
            )
