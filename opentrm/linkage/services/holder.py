"""The check between nodes "do you hold this person?" (issue 16 §6; docs/matching-linkage.md).

The asking node sends only a keyed Bloom-filter encoding (``clk``) of the person's normalised
name, birth-year band and citizenships, under the secret it shares with that one peer
(``LinkageKey``), in a signed and encrypted ``holder_query`` package. The peer encodes its own
persons with the same secret, compares, and answers in a ``holder_answer`` package: no match,
or for each match only a reference and whom to contact. It keeps nothing of the question (the
stored body is emptied once answered) and audits it; the asking node audits the question and
the answer.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case, NameKind, Person
from opentrm.directory.models import Function, Responsibility
from opentrm.exchange import outbox
from opentrm.exchange.models import InboxMessage, MessageType, Outcome, Peer, PeerStatus
from opentrm.exchange.outcomes import audit_processed
from opentrm.linkage import clk
from opentrm.linkage.models import (
    HolderQuery,
    HolderReference,
    LinkageKey,
    QueryStatus,
)
from opentrm.linkage.names import normalised_name_tokens

MAX_MATCHES = 10


def person_features(person: Person) -> clk.PersonFeatures:
    """What the encoding is made of: the person's names (nicknames and initials left out),
    birth year, citizenships."""
    names = [
        name.value
        for name in person.names.all()
        if name.kind not in (NameKind.NICKNAME, NameKind.INITIALS)
    ]
    return clk.PersonFeatures(
        name_tokens=normalised_name_tokens(names),
        birth_year=person.date_of_birth.year if person.date_of_birth else None,
        citizenships=sorted(c.country_code for c in person.citizenships.all()),
    )


def peers_to_ask() -> list[Peer]:
    """Active peers this node shares a linkage key with."""
    return list(
        Peer.objects.filter(status=PeerStatus.ACTIVE, linkage_key__isnull=False).order_by("name")
    )


def holder_query_send(*, actor: Actor, case: Case, peer: Peer) -> HolderQuery:
    """Ask ``peer`` whether it holds the person of ``case``."""
    require(actor, Action.HOLDER_QUERY, case)
    key = LinkageKey.objects.filter(peer=peer).first()
    if key is None or peer.status != PeerStatus.ACTIVE:
        raise ValidationError(
            {"peer": _("This node has no linkage key agreed with that node, or it is not active.")}
        )
    features = person_features(case.person)
    if not features.name_tokens:
        raise ValidationError(_("The person has no name to compare yet."))
    encoding = clk.encode(features, bytes(key.secret))
    assert actor.organisation_id is not None
    with transaction.atomic():
        message = outbox.enqueue(
            peer=peer,
            type=MessageType.HOLDER_QUERY,
            body={"key_id": key.key_id, "clk": clk.to_text(encoding)},
            actor=actor,
        )
        query = HolderQuery.objects.create(
            case=case,
            peer=peer,
            asked_by=actor.user,
            asked_for_id=actor.organisation_id,
            message_id=message.message_id,
        )
        record_event(
            event_type=EventType.HOLDER_QUERY_SENT,
            actor=actor,
            target=query,
            detail={"case_id": case.pk, "message_id": str(message.message_id), "peer_id": peer.pk},
        )
    return query


def _focal_point(country_id: int) -> str:
    found = (
        Responsibility.objects.filter(country_id=country_id, function=Function.NATIONAL_FOCAL_POINT)
        .select_related("organisation")
        .first()
    )
    return found.organisation.name if found is not None and found.organisation else ""


def _matches(encoding: Any, secret: bytes) -> list[Case]:
    """This node's live cases whose person's encoding meets ``encoding`` (Dice >= threshold).

    Encodes every person on the node for each question: enough for a national register of
    thousands; a register of millions would keep the encodings (per key) as an index."""
    found: list[Case] = []
    persons = Person.objects.filter(cases__deleted_at__isnull=True).distinct()
    for person in persons.prefetch_related("names", "citizenships").iterator(chunk_size=500):
        features = person_features(person)
        if features.name_tokens and clk.dice(clk.encode(features, secret), encoding) >= (
            clk.THRESHOLD
        ):
            found.extend(
                Case.objects.live()
                .filter(person=person)
                .select_related("owner_organisation", "owner_organisation__country")
            )
            if len(found) >= MAX_MATCHES:
                break
    return found[:MAX_MATCHES]


def _answer(message: InboxMessage, secret: bytes | None) -> tuple[dict[str, Any], list[Case]]:
    body = message.body
    reply: dict[str, Any] = {"message_id": str(message.message_id)}
    if secret is None:
        return {**reply, "outcome": "refused", "code": "no_key"}, []
    try:
        encoding = clk.from_text(str(body.get("clk", "")))
    except ValueError:
        return {**reply, "outcome": "refused", "code": "bad_encoding"}, []
    cases = _matches(encoding, secret)
    if not cases:
        return {**reply, "outcome": "no_match"}, []
    matches = []
    for case in cases:
        reference = HolderReference.objects.create(
            case=case, peer=message.peer, message_id=message.message_id
        )
        owner = case.owner_organisation
        matches.append(
            {
                "reference": str(reference.reference),
                "organisation": owner.name[:200],
                "country": owner.country.code.upper(),
                "focal_point": _focal_point(owner.country_id)[:200],
            }
        )
    return {**reply, "outcome": "match", "matches": matches}, cases


def _mark_processed(message: InboxMessage, *, refused: bool, code: str, **changes: Any) -> None:
    """Record ``message`` as processed (applied or refused, with ``code``) and audit it."""
    now = timezone.now()
    InboxMessage.objects.filter(pk=message.pk).update(
        processed_at=now,
        outcome=Outcome.REFUSED if refused else Outcome.APPLIED,
        outcome_code=code[:40],
        updated_at=now,
        **changes,
    )
    audit_processed(message, "refused" if refused else "applied")


def receive_holder_query(message: InboxMessage) -> None:
    """The handler of ``holder_query`` packages: compare, answer, forget the question."""
    with transaction.atomic():
        locked = InboxMessage.objects.select_for_update().select_related("peer").get(pk=message.pk)
        if locked.processed_at is not None:
            return
        key = LinkageKey.objects.filter(peer_id=locked.peer_id).first()
        secret = None
        if key is not None and key.key_id == locked.body.get("key_id"):
            secret = bytes(key.secret)
        reply, cases = _answer(locked, secret)
        if locked.peer.status == PeerStatus.ACTIVE:
            outbox.enqueue(peer=locked.peer, type=MessageType.HOLDER_ANSWER, body=reply)
        refused = reply["outcome"] == "refused"
        # The encoding is not kept: a non-match leaves nothing of the question on this node.
        _mark_processed(
            locked, refused=refused, code=str(reply.get("code") or reply["outcome"]), body={}
        )
        record_event(
            event_type=EventType.HOLDER_QUERY_ANSWERED,
            actor=None,
            target=locked,
            detail={
                "message_id": str(locked.message_id),
                "peer_id": locked.peer_id,
                "outcome": reply["outcome"],
                "matches": len(cases),
            },
        )
        for case in cases:  # the holder's case trail shows that another node asked
            record_event(
                event_type=EventType.HOLDER_QUERY_ANSWERED,
                actor=None,
                target=case,
                detail={
                    "case_id": case.pk,
                    "message_id": str(locked.message_id),
                    "peer_id": locked.peer_id,
                },
            )


def receive_holder_answer(message: InboxMessage) -> None:
    """The handler of ``holder_answer`` packages: the answer lands on the question this node
    sent to that same peer."""
    with transaction.atomic():
        locked = InboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.processed_at is not None:
            return
        body = locked.body
        query = (
            HolderQuery.objects.select_for_update()
            .filter(message_id=uuid.UUID(body["message_id"]), peer_id=locked.peer_id)
            .first()
        )
        if query is not None and query.status == QueryStatus.PENDING:
            query.status = QueryStatus(body["outcome"])
            query.answers = list(body.get("matches") or [])
            query.refusal_code = str(body.get("code") or "")[:40]
            query.answered_at = timezone.now()
            query.save(
                update_fields=["status", "answers", "refusal_code", "answered_at", "updated_at"]
            )
            record_event(
                event_type=EventType.HOLDER_ANSWER_RECEIVED,
                actor=None,
                target=query,
                detail={
                    "case_id": query.case_id,
                    "message_id": str(query.message_id),
                    "peer_id": locked.peer_id,
                    "outcome": query.status,
                    "matches": len(query.answers),
                },
            )
        _mark_processed(locked, refused=query is None, code="" if query else "unknown_message")
