"""The check "do you hold this person?" in one process (issue 16 §6), with real encodings and
real packages: a case manager of this node (AL) asks a fictional peer (RO) through the pages
and the peer's answer arrives as a package it sealed; the peer's own question arrives the same
way and is answered from the persons this node holds. tests/exchange/test_holder_check.py runs
the same between two servers."""

import json
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, NameKind
from opentrm.cases.services import NameData, case_register
from opentrm.directory.models import Function, Organisation, OrganisationType, Responsibility
from opentrm.exchange import handlers
from opentrm.exchange.models import (
    InboxMessage,
    MessageType,
    OutboxMessage,
    Outcome,
    Peer,
    PeerStatus,
)
from opentrm.exchange.tests.nodes import FOREIGN_ID, ForeignNode, foreign, node
from opentrm.linkage import clk
from opentrm.linkage.models import HolderQuery, HolderReference, LinkageKey, QueryStatus
from opentrm.linkage.names import normalised_name_tokens
from opentrm.linkage.services import holder, keys

__all__ = ["foreign", "node"]

pytestmark = pytest.mark.django_db

SECRET = keys.new_secret()
LATIN = "Marija Petrović"
CYRILLIC = "Марија Петровић"
PEER_SHELTER = "Fictional Bucharest Shelter"
PEER_POINT = "Fictional Romanian National Focal Point"
OWN_POINT = "Fictional Albanian National Focal Point"

Capture = Callable[..., Any]


@pytest.fixture
def peer(world: World, foreign: ForeignNode) -> Peer:
    """The peer node (RO), with the key both administrators set."""
    registered = Peer.objects.get(node_id=FOREIGN_ID)
    keys.linkage_key_set(
        actor=world.actor(Role.SYSTEM_ADMINISTRATOR), peer=registered, secret=SECRET
    )
    return registered


def register(world: World, *names: NameData, born: date | None = None, citizen: str = "") -> Case:
    return case_register(
        actor=world.actor(Role.CASEWORKER),
        names=list(names),
        date_of_birth=born,
        citizenships=[citizen] if citizen else [],
    )


def question(name: str, year: int, citizenship: str, secret: str = SECRET) -> dict[str, Any]:
    """The body of the peer's question, encoded on the peer's side under ``secret``."""
    raw = keys.parse_secret(secret)
    features = clk.PersonFeatures(normalised_name_tokens([name]), year, [citizenship])
    return {"key_id": clk.key_id(raw), "clk": clk.to_text(clk.encode(features, raw))}


ASK_LATIN = question(LATIN, 1998, "RS")


def arrive(foreign: ForeignNode, capture: Capture, type: str, body: dict[str, Any]) -> InboxMessage:
    """A package the peer sealed, posted to this node's inbox and handled after the commit."""
    token = foreign.seal(foreign.payload(type=type, body=body))
    with capture(execute=True):
        response = Client().post(reverse("exchange:inbox"), token, content_type="application/jose")
    assert response.status_code == 200, response.content
    return InboxMessage.objects.order_by("-id").first()  # type: ignore[return-value]


def answers_sent() -> list[dict[str, Any]]:
    return [m.body for m in OutboxMessage.objects.filter(type=MessageType.HOLDER_ANSWER)]


def answered_events() -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(event_type=EventType.HOLDER_QUERY_ANSWERED).order_by("id")
    return [e.detail for e in events]


# --- a question from the peer ---------------------------------------------------------------


def test_a_peer_asking_for_a_person_held_here_learns_a_reference_and_whom_to_contact(
    world: World, foreign: ForeignNode, peer: Peer, django_capture_on_commit_callbacks: Capture
) -> None:
    point = Organisation.objects.create(
        country=world.country_a, name=OWN_POINT, type=OrganisationType.NATIONAL_COORDINATION
    )
    Responsibility.objects.create(
        country=world.country_a, function=Function.NATIONAL_FOCAL_POINT, organisation=point
    )
    held = register(world, NameData(CYRILLIC, script="Cyrl"), born=date(1997, 1, 1), citizen="RS")
    register(world, NameData("Jelena Nikolić"), born=date(1990, 7, 1), citizen="AL")
    register(world, NameData("Mara", kind=NameKind.NICKNAME))  # nothing to compare

    message = arrive(foreign, django_capture_on_commit_callbacks, "holder_query", ASK_LATIN)

    (reference,) = HolderReference.objects.all()
    assert (reference.case, reference.peer, reference.message_id) == (
        held,
        peer,
        message.message_id,
    )
    assert answers_sent() == [
        {
            "message_id": str(message.message_id),
            "outcome": "match",
            "matches": [
                {
                    "reference": str(reference.reference),
                    "organisation": world.agency_a.name,
                    "country": "AL",
                    "focal_point": OWN_POINT,
                }
            ],
        }
    ]
    # The question is forgotten; the node's trail and the held case's trail say it was asked.
    assert (message.body, message.outcome, message.outcome_code) == ({}, Outcome.APPLIED, "match")
    assert answered_events() == [
        {
            "message_id": str(message.message_id),
            "peer_id": peer.pk,
            "outcome": "match",
            "matches": 1,
        },
        {"case_id": held.pk, "message_id": str(message.message_id), "peer_id": peer.pk},
    ]
    # Handled again (a worker's retry meeting the message already handled): nothing more.
    holder.receive_holder_query(message)
    assert len(answers_sent()) == 1
    assert len(answered_events()) == 2


def test_a_question_for_a_person_not_held_here_is_answered_no_and_leaves_nothing(
    world: World, foreign: ForeignNode, peer: Peer, django_capture_on_commit_callbacks: Capture
) -> None:
    register(world, NameData("Jelena Nikolić"), born=date(1990, 7, 1), citizen="AL")
    message = arrive(foreign, django_capture_on_commit_callbacks, "holder_query", ASK_LATIN)
    assert answers_sent() == [{"message_id": str(message.message_id), "outcome": "no_match"}]
    assert not HolderReference.objects.exists()
    assert (message.body, message.outcome, message.outcome_code) == (
        {},
        Outcome.APPLIED,
        "no_match",
    )
    assert answered_events() == [
        {
            "message_id": str(message.message_id),
            "peer_id": peer.pk,
            "outcome": "no_match",
            "matches": 0,
        }
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (question(LATIN, 1998, "RS", secret=keys.new_secret()), "no_key"),  # another key
        ({"key_id": ASK_LATIN["key_id"], "clk": "A" * 172}, "bad_encoding"),  # 129 bytes
    ],
    ids=["another key", "not 1024 bits"],
)
def test_a_question_under_another_key_or_not_an_encoding_is_refused_with_a_code(
    world: World,
    foreign: ForeignNode,
    peer: Peer,
    django_capture_on_commit_callbacks: Capture,
    body: dict[str, Any],
    code: str,
) -> None:
    register(world, NameData(CYRILLIC), born=date(1998, 3, 4), citizen="RS")
    message = arrive(foreign, django_capture_on_commit_callbacks, "holder_query", body)
    assert answers_sent() == [
        {"message_id": str(message.message_id), "outcome": "refused", "code": code}
    ]
    assert (message.body, message.outcome, message.outcome_code) == ({}, Outcome.REFUSED, code)
    assert not HolderReference.objects.exists()
    assert [e["outcome"] for e in answered_events()] == ["refused"]


def test_a_question_once_the_key_is_removed_is_refused(
    world: World, foreign: ForeignNode, peer: Peer, django_capture_on_commit_callbacks: Capture
) -> None:
    register(world, NameData(CYRILLIC), born=date(1998, 3, 4), citizen="RS")
    keys.linkage_key_remove(actor=world.actor(Role.SYSTEM_ADMINISTRATOR), peer=peer)
    message = arrive(foreign, django_capture_on_commit_callbacks, "holder_query", ASK_LATIN)
    assert answers_sent() == [
        {"message_id": str(message.message_id), "outcome": "refused", "code": "no_key"}
    ]
    assert not HolderReference.objects.exists()


def test_at_most_ten_matches_are_named_and_without_a_focal_point_none_is_named(
    world: World, foreign: ForeignNode, peer: Peer, django_capture_on_commit_callbacks: Capture
) -> None:
    for _ in range(holder.MAX_MATCHES + 1):
        register(world, NameData(LATIN), born=date(1998, 3, 4), citizen="RS")
    message = arrive(foreign, django_capture_on_commit_callbacks, "holder_query", ASK_LATIN)
    (answer,) = answers_sent()
    assert answer["outcome"] == "match"
    assert len(answer["matches"]) == holder.MAX_MATCHES == HolderReference.objects.count()
    assert {m["focal_point"] for m in answer["matches"]} == {""}
    assert message.outcome == Outcome.APPLIED


def test_a_peer_suspended_before_its_question_is_handled_gets_no_answer(
    world: World, peer: Peer
) -> None:
    """Stored while the peer was active, handled (by the worker) after it was suspended."""
    register(world, NameData(LATIN), born=date(1998, 3, 4), citizen="RS")
    message = InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        peer=peer,
        type=MessageType.HOLDER_QUERY,
        body=ASK_LATIN,
        issued_at=peer.created_at,
    )
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.SUSPENDED)
    handlers.dispatch(message)
    message.refresh_from_db()
    assert answers_sent() == []
    assert (message.body, message.outcome) == ({}, Outcome.APPLIED)
    assert [e.get("outcome") for e in answered_events()] == ["match", None]


# --- this node asks the peer ------------------------------------------------------------------


def _page(client: Client, case: Case) -> str:
    response = client.get(reverse("linkage:case_links", args=[case.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_case_manager_asks_the_peer_and_reads_its_answer_on_the_case(
    world: World,
    foreign: ForeignNode,
    peer: Peer,
    login: Callable[[User], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    case = register(world, NameData(LATIN), born=date(1998, 3, 4), citizen="RS")
    # A peer without a key and a suspended peer with one are not offered.
    other = ForeignNode(node_id="opentrm-md", country="MD", base_url="https://trm.example.md")
    other.register()
    suspended = ForeignNode(node_id="opentrm-bg", country="BG", base_url="https://trm.example.bg")
    keys.linkage_key_set(
        actor=world.actor(Role.SYSTEM_ADMINISTRATOR),
        peer=suspended.register(status=PeerStatus.SUSPENDED),
        secret=keys.new_secret(),
    )
    assert holder.peers_to_ask() == [peer]
    client = login(world.user(Role.CASE_MANAGER))
    url = reverse("linkage:ask", args=[case.public_id])
    page = client.get(url).content.decode()
    assert f'<option value="{peer.pk}"' in page
    assert "Node MD" not in page
    assert client.post(url, {"peer": peer.pk}).status_code == 302

    query = HolderQuery.objects.get()
    assert (query.case, query.peer, query.status) == (case, peer, QueryStatus.PENDING)
    (sent,) = OutboxMessage.objects.filter(type=MessageType.HOLDER_QUERY)
    assert sent.message_id == query.message_id
    assert set(sent.body) == {"key_id", "clk"}  # no name, date or country travels
    assert LATIN not in json.dumps(sent.body)
    # The peer, under the same key, finds the person it holds in Cyrillic a year apart.
    theirs = question(CYRILLIC, 1997, "RS")
    assert sent.body["key_id"] == theirs["key_id"]
    assert clk.dice(clk.from_text(sent.body["clk"]), clk.from_text(theirs["clk"])) >= clk.THRESHOLD
    assert AuditEvent.objects.get(event_type=EventType.HOLDER_QUERY_SENT).detail == {
        "case_id": case.pk,
        "message_id": str(query.message_id),
        "peer_id": peer.pk,
    }
    assert "Waiting for the answer" in _page(client, case)

    reference = str(uuid.uuid4())
    match = {
        "reference": reference,
        "organisation": PEER_SHELTER,
        "country": "RO",
        "focal_point": PEER_POINT,
    }
    answer = {"message_id": str(query.message_id), "outcome": "match", "matches": [match]}
    received = arrive(foreign, django_capture_on_commit_callbacks, "holder_answer", answer)
    query.refresh_from_db()
    assert (query.status, query.answers, query.refusal_code) == (QueryStatus.MATCH, [match], "")
    assert received.outcome == Outcome.APPLIED
    page = _page(client, case)
    assert f"A possible match is held by {PEER_SHELTER} (RO) — contact their focal point." in page
    assert f"National focal point: {PEER_POINT}." in page
    assert reference in page
    assert AuditEvent.objects.get(event_type=EventType.HOLDER_ANSWER_RECEIVED).detail == {
        "case_id": case.pk,
        "message_id": str(query.message_id),
        "peer_id": peer.pk,
        "outcome": "match",
        "matches": 1,
    }

    # A second answer to the same question changes nothing; handling one again neither.
    again = {"message_id": str(query.message_id), "outcome": "no_match"}
    late = arrive(foreign, django_capture_on_commit_callbacks, "holder_answer", again)
    holder.receive_holder_answer(late)
    query.refresh_from_db()
    assert (query.status, query.answers) == (QueryStatus.MATCH, [match])
    assert late.outcome == Outcome.APPLIED
    assert AuditEvent.objects.filter(event_type=EventType.HOLDER_ANSWER_RECEIVED).count() == 1


def test_a_refusal_from_the_peer_is_recorded_with_its_code(
    world: World, foreign: ForeignNode, peer: Peer, django_capture_on_commit_callbacks: Capture
) -> None:
    case = register(world, NameData(LATIN), born=date(1998, 3, 4), citizen="RS")
    query = holder.holder_query_send(actor=world.actor(Role.CASE_MANAGER), case=case, peer=peer)
    refusal = {"message_id": str(query.message_id), "outcome": "refused", "code": "no_key"}
    arrive(foreign, django_capture_on_commit_callbacks, "holder_answer", refusal)
    query.refresh_from_db()
    assert (query.status, query.answers, query.refusal_code) == (QueryStatus.REFUSED, [], "no_key")


def test_an_answer_to_a_question_not_asked_of_that_peer_is_refused(
    world: World, foreign: ForeignNode, peer: Peer, django_capture_on_commit_callbacks: Capture
) -> None:
    """Another peer cannot answer the question this node asked the first one."""
    case = register(world, NameData(LATIN), born=date(1998, 3, 4), citizen="RS")
    query = holder.holder_query_send(actor=world.actor(Role.CASE_MANAGER), case=case, peer=peer)
    other = ForeignNode(node_id="opentrm-md", country="MD", base_url="https://trm.example.md")
    other.register()
    for sender, message_id in ((other, query.message_id), (foreign, uuid.uuid4())):
        body = {"message_id": str(message_id), "outcome": "no_match"}
        message = arrive(sender, django_capture_on_commit_callbacks, "holder_answer", body)
        assert (message.outcome, message.outcome_code) == (Outcome.REFUSED, "unknown_message")
    query.refresh_from_db()
    assert query.status == QueryStatus.PENDING
    assert not AuditEvent.objects.filter(event_type=EventType.HOLDER_ANSWER_RECEIVED).exists()


def test_asking_needs_an_active_peer_with_a_key_and_a_name_to_compare(
    world: World,
    foreign: ForeignNode,
    peer: Peer,
    login: Callable[[User], Client],
) -> None:
    manager = world.actor(Role.CASE_MANAGER)
    case = register(world, NameData(LATIN), born=date(1998, 3, 4), citizen="RS")
    LinkageKey.objects.all().delete()
    with pytest.raises(ValidationError) as caught:
        holder.holder_query_send(actor=manager, case=case, peer=peer)
    assert "no linkage key agreed with that node" in str(caught.value.message_dict["peer"])
    keys.linkage_key_set(actor=world.actor(Role.SYSTEM_ADMINISTRATOR), peer=peer, secret=SECRET)
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.SUSPENDED)
    peer.refresh_from_db()
    with pytest.raises(ValidationError, match="or it is not active"):
        holder.holder_query_send(actor=manager, case=case, peer=peer)
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.ACTIVE)

    nickname_only = register(world, NameData("Mara", kind=NameKind.NICKNAME))
    client = login(world.user(Role.CASE_MANAGER))
    response = client.post(
        reverse("linkage:ask", args=[nickname_only.public_id]), {"peer": peer.pk}
    )
    assert response.status_code == 200
    assert "The person has no name to compare yet." in response.content.decode()
    assert not HolderQuery.objects.exists()
    assert not OutboxMessage.objects.filter(type=MessageType.HOLDER_QUERY).exists()
