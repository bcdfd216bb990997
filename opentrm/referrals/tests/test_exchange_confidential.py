"""What the sender decided about a referral or request travels with its package (issue 14):
the confidential mark (SOP-P14 / DP-21: the receiver's copy is not forwarded either) and a
request's formality, legal basis, channel and the informal request a formal one follows up
(REC-22); and whether it is a child's case, marked "priority" only in the receiver's inbox
(SOP-T4, REC-102). Both nodes simulated in one database, as in test_exchange_link.py."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Organisation
from opentrm.exchange import crypto
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Formality, Referral, RequestChannel
from opentrm.referrals.services import forwarding, requests
from opentrm.referrals.services.confidentiality import (
    ConfidentialRefusedError,
    referral_mark_confidential,
)
from opentrm.referrals.services.requests.escalation import request_escalate
from opentrm.referrals.tests import test_template as tpl
from opentrm.referrals.tests.test_exchange_link import arrive, created, outbox
from opentrm.referrals.tests.test_exchange_requests import identity_case
from opentrm.referrals.tests.test_requests import (
    adult_case,
    child_case,
    draft_request,
    focal_point,
    fresh,
    receiver,
    sender,
    sent_request,
)

LEGAL_BASIS = "Fictional bilateral police cooperation agreement, Art. 7"


def _confidential(actor: Any, referral: Referral) -> Referral:
    referral = fresh(referral)
    return referral_mark_confidential(
        actor=actor, referral=referral, expected_version=referral.version, confidential=True
    )


def _send(world: World, draft: Referral) -> Referral:
    draft = fresh(draft)
    return requests.request_send(
        actor=sender(world), referral=draft, expected_version=draft.version, accept_partial=True
    )


def _forward_refused(world: World, copy: Referral) -> None:
    body = Organisation.objects.create(country=world.country_b, name="Fictional registry RO")
    with pytest.raises(ConfidentialRefusedError):
        forwarding.referral_forward(
            actor=receiver(world), referral=copy, expected_version=copy.version, to=body
        )
    assert not Referral.objects.filter(forwarded_from=copy).exists()
    event = AuditEvent.objects.get(event_type="GUARD_BLOCKED")
    assert event.detail["guard"] == "SOP-P14"


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_confidential_request_is_confidential_on_the_receiving_node_and_not_forwarded(
    world: World,
) -> None:
    peer("RO")
    draft = draft_request(world, identity_case(world))
    _send(world, _confidential(sender(world), draft))
    (message,) = outbox("request")
    assert crypto.schema_errors("request", message.body) == []
    assert message.body["request"]["opentrm_confidential"] is True
    assert message.body["request"]["opentrm_priority"] is False  # an adult

    copy = created(arrive(peer("AL"), "request", message.body))
    assert copy.confidential is True
    _forward_refused(world, copy)
    # only the sender lifts the mark: not the receiver of the copy
    with pytest.raises(PermissionDenied):
        referral_mark_confidential(
            actor=receiver(world), referral=copy, expected_version=copy.version, confidential=False
        )
    assert fresh(copy).confidential is True


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_confidential_referral_travels_marked_and_an_ordinary_one_does_not(
    world: World,
) -> None:
    peer("RO")
    s = tpl.setup(world)
    referral = tpl.create(s)
    tpl.send(s, _confidential(tpl.sender(world), referral))
    (message,) = outbox("referral")
    assert crypto.schema_errors("referral", message.body) == []
    assert message.body["referral"]["opentrm_confidential"] is True
    al = peer("AL")
    copy = created(arrive(al, "referral", message.body))
    assert copy.confidential is True
    # a package of a node that does not carry the mark yet: an ordinary referral
    head = {k: v for k, v in message.body["referral"].items() if k != "opentrm_confidential"}
    older = dict(message.body, referral=dict(head, reference="REF-AL-2026-999999"))
    assert created(arrive(al, "referral", older)).confidential is False


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_formality_legal_basis_channel_and_escalation_reach_the_receivers_request(
    world: World, client: Client
) -> None:
    peer("RO")
    focal_point(world)
    informal = draft_request(
        world,
        adult_case(world),
        kind="evidence_check",
        reason="Is the fictional witness statement on file?",
        legal_basis=LEGAL_BASIS,
        channel=RequestChannel.LIAISON_OFFICER,
    )
    informal = _send(world, informal)
    formal = request_escalate(
        actor=sender(world), referral=informal, formality=Formality.MLA, reason="Formally."
    )
    formal = _send(world, formal)
    first, second = outbox("request")
    for message in (first, second):
        assert crypto.schema_errors("request", message.body) == []
    assert first.body["request"]["opentrm_formality"] == "informal"
    assert first.body["request"]["opentrm_channel"] == "liaison_officer"
    assert first.body["request"]["opentrm_legal_basis"] == LEGAL_BASIS
    assert "opentrm_escalation_of" not in first.body["request"]
    assert second.body["request"]["opentrm_escalation_of"] == informal.reference

    al = peer("AL")
    informal_copy = created(arrive(al, "request", first.body))
    formal_copy = created(arrive(al, "request", second.body))
    assert (informal_copy.formality, informal_copy.channel, informal_copy.legal_basis) == (
        Formality.INFORMAL,
        RequestChannel.LIAISON_OFFICER,
        LEGAL_BASIS,
    )
    assert formal_copy.formality == Formality.MLA
    assert formal_copy.channel == RequestChannel.CENTRAL_AUTHORITY
    assert formal_copy.legal_basis == formal.legal_basis
    # the link points at the receiver's own copy of the informal request
    assert formal_copy.escalated_from == informal_copy

    client.force_login(receiver(world).user)
    page = client.get(reverse("referrals:referral_detail", args=[formal_copy.public_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mutual legal assistance request" in text
    assert "Central authority (Ministry of Justice)" in text
    assert informal_copy.reference in text
    assert informal.reference not in text.replace(informal_copy.reference, "")


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_childs_request_arrives_marked_priority_in_the_receivers_inbox_never_child(
    world: World, client: Client
) -> None:
    peer("RO")
    focal_point(world)
    sent_request(world, child_case(world))
    (message,) = outbox("request")
    assert crypto.schema_errors("request", message.body) == []
    assert message.body["request"]["opentrm_priority"] is True
    copy = created(arrive(peer("AL"), "request", message.body))
    assert copy.case is None  # nothing of the person here before acknowledgement

    client.force_login(receiver(world).user)
    page = client.get(reverse("referrals:referral_list"), {"box": "inbox"}).content.decode()
    row = next(r for r in page.split("<tr>") if copy.reference in r)
    assert ">priority</span>" in row
    assert "child" not in row.lower()
