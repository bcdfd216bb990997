"""Case documents travel with a referral to another node, inside the encrypted package, only in
the groups the referral shares and within the size and type limits; the receiver stores them
as documents of its local case when it accepts; the minimal offer and the reason show before
it acknowledges (issue 13 §6). Both nodes in one database."""

import base64
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import CaseDocument
from opentrm.cases.services import documents
from opentrm.exchange import crypto, fieldnames
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Referral
from opentrm.referrals.services import national
from opentrm.referrals.tests.test_exchange_link import REASON, arrive, created, outbox, processed
from opentrm.referrals.tests.test_national import client_for
from opentrm.referrals.tests.test_template import create, send, setup

PDF = b"%PDF-1.4\n% fictional identity document\n%%EOF\n"
HEALTH_TEXT = b"Fictional medical letter: never to travel.\n"


def _document(world: World, case: Any, content: bytes, name: str, kind: str, group: str) -> int:
    document = documents.document_upload(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        upload=ContentFile(content, name=name),
        title=f"Fictional {name}",
        kind=kind,
        field_group=group,
    )
    return document.pk


def _sent_with_documents(world: World) -> tuple[Referral, dict[str, Any], dict[str, int]]:
    peer("RO")
    s = setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.ASSISTANCE))
    ids = {
        "identity": _document(world, s.case, PDF, "passport.pdf", "identity_document", "identity"),
        "health": _document(world, s.case, HEALTH_TEXT, "letter.txt", "medical", "health"),
        "large": _document(world, s.case, b"x" * 2048, "big.txt", "correspondence", "assistance"),
    }
    draft = create(s)
    Referral.objects.filter(pk=draft.pk).update(reason=REASON)
    with override_settings(OPENTRM_EXCHANGE_ATTACHMENT_MAX_BYTES=1024):
        referral = send(s, draft)
    (message,) = outbox("referral")
    return referral, message.body, ids


def test_only_the_documents_the_referral_shares_travel_within_the_limits(world: World) -> None:
    referral, body, ids = _sent_with_documents(world)
    assert crypto.schema_errors("referral", body) == []
    (attachment,) = body["attachments"]
    assert base64.b64decode(attachment["content"]) == PDF
    assert attachment["media_type"] == "application/pdf"
    assert attachment["field_group"] == "identity"
    assert HEALTH_TEXT.decode() not in str(body)  # health is not shared
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_DOCUMENTS_SENT)
    assert event.detail == {
        "referral": referral.reference,
        "document_ids": [ids["identity"]],
        "left": [{"document_id": ids["large"], "reason": "too_large"}],
    }


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_the_receiver_stores_them_as_case_documents_when_it_accepts(world: World) -> None:
    _referral, body, _ids = _sent_with_documents(world)
    first = arrive(peer("AL"), "referral", body)
    incoming = created(first)
    before = CaseDocument.objects.count()
    member = world.actor(Role.CASE_MANAGER, org="b")
    national.referral_accept(actor=member, referral=incoming, expected_version=incoming.version)
    incoming.refresh_from_db()
    assert incoming.case is not None
    (document,) = CaseDocument.objects.filter(case=incoming.case)
    assert CaseDocument.objects.count() == before + 1
    assert document.field_group == "identity"
    assert document.content_type == "application/pdf"
    assert document.sha256 == body["attachments"][0]["sha256"]
    assert document.organisation == world.agency_b
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    # the stored package keeps what it was, not the content
    first.refresh_from_db()
    (kept,) = first.body["attachments"]
    assert "content" not in kept
    assert kept["stored_as"] == str(document.public_id)
    assert AuditEvent.objects.filter(
        event_type=EventType.DOCUMENT_UPLOADED, detail__document_id=document.pk
    ).exists()


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_an_attachment_that_breaks_the_rules_refuses_the_package(world: World) -> None:
    _referral, body, _ids = _sent_with_documents(world)
    attachment = body["attachments"][0]
    cases = [
        {**attachment, "sha256": "0" * 64},
        {**attachment, "media_type": "image/png"},
        {**attachment, "field_group": "health"},
        {
            **attachment,
            "content": base64.b64encode(b"\x00\x01binary").decode(),
            "media_type": "text/plain",
        },
    ]
    al = peer("AL")
    for number, wrong in enumerate(cases):
        package = {**body, "referral": {**body["referral"], "reference": f"AL-X-{number}"}}
        package["attachments"] = [wrong]
        message = arrive(al, "referral", package)
        assert message.referral_id is None
        assert processed(message)["error"] == "attachment_invalid"
        assert message.body == {}


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_the_focal_point_reads_the_offer_and_reason_before_acknowledging(world: World) -> None:
    _referral, body, _ids = _sent_with_documents(world)
    incoming = created(arrive(peer("AL"), "referral", body))
    assert incoming.status == "sent"
    client = client_for(world.actor(Role.CASE_MANAGER, org="b"))
    page = client.get(reverse("referrals:referral_detail", args=[incoming.public_id]))
    offer = page.context["offer"]
    assert (offer["sex"], offer["reason"]) == ("Female", REASON)
    assert REASON in page.content.decode()
    api = client.get(reverse("api-1:referrals_detail", args=[incoming.public_id])).json()
    assert api["offer"]["sex"] == "female"
    assert api["offer"]["reason"] == REASON
    assert api["offer"]["languages"] == fieldnames.languages_in(body["offer"])
    # nothing of the documents shows before acceptance
    assert "passport.pdf" not in page.content.decode()


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_the_inbox_api_reads_the_received_offers_in_a_fixed_number_of_queries(
    world: World,
) -> None:
    original, body, _ids = _sent_with_documents(world)  # also in B's inbox: one database
    al = peer("AL")
    client = client_for(world.actor(Role.CASE_MANAGER, org="b"))
    url = reverse("api-1:referrals_list")

    def receive(numbers: range) -> None:
        for number in numbers:
            head = {**body["referral"], "reference": f"AL-Q-{number}"}
            arrive(al, "referral", {**body, "referral": head})

    def listed() -> tuple[int, list[dict[str, Any]]]:
        with CaptureQueriesContext(connection) as queries:
            items = client.get(url).json()["items"]
        return len(queries), [i for i in items if i["reference"] != original.reference]

    receive(range(1))
    client.get(url)
    one, _items = listed()
    receive(range(1, 5))
    five, items = listed()
    assert len(items) == 5
    assert five == one
    assert {(item["offer"]["sex"], item["offer"]["reason"]) for item in items} == {
        ("female", REASON)
    }
