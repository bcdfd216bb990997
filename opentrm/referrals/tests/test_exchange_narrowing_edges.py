"""A consent withdrawal narrows the received copies of a request and a referral's attachments:
the request's fields kept for the page and in the stored package go, and so do the attachments
of the groups no longer shared (audited by code, never by value). Fictional data only."""

import copy
from typing import Any

from django.test import override_settings

from conftest import World
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.exchange.models import InboxMessage, Peer
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.services import importing
from opentrm.referrals.tests.test_exchange_attachments import _sent_with_documents
from opentrm.referrals.tests.test_exchange_link import arrive, created
from opentrm.referrals.tests.test_exchange_requests import received, sent_with_package


def _withdrawal(al: Peer, head: dict[str, Any], groups: tuple[str, ...] = ()) -> InboxMessage:
    return arrive(
        al,
        "consent_withdrawal",
        {
            "reference": head["reference"],
            "consent_ref": head["consent_ref"],
            "withdrawn_at": "2026-01-02T10:00:00Z",
            "purposes": ["share_data"],
            "shared_groups": list(groups),
        },
    )


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_withdrawal_narrows_a_received_requests_fields(world: World) -> None:
    _original, body, al, first = received(world)
    incoming = created(first)
    before = importing.imported_of(incoming)
    assert before is not None
    assert before["data"]  # the request's fields of the shared groups
    _withdrawal(al, body["request"])
    after = importing.imported_of(incoming)
    assert after is not None
    assert after["data"] == {}
    first.refresh_from_db()
    assert not any(first.body.get("sections", {}).values())
    narrowed = AuditEvent.objects.get(event_type=EventType.REFERRAL_COPIES_NARROWED)
    assert set(before["data"]) <= set(narrowed.detail["fields_removed"])
    assert narrowed.detail["packages_narrowed"] == [str(first.message_id)]


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_withdrawal_removes_the_attachments_of_the_groups_no_longer_shared(
    world: World,
) -> None:
    _referral, body, _ids = _sent_with_documents(world)
    al = peer("AL")
    first = arrive(al, "referral", body)
    assert first.body["attachments"]
    _withdrawal(al, body["referral"])
    first.refresh_from_db()
    assert first.body["attachments"] == []
    narrowed = AuditEvent.objects.get(event_type=EventType.REFERRAL_COPIES_NARROWED)
    assert "attachment.identity" in narrowed.detail["fields_removed"]


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_withdrawal_keeps_the_attachments_of_the_groups_still_shared(world: World) -> None:
    _referral, body, _ids = _sent_with_documents(world)  # shares identity and assistance
    al = peer("AL")
    first = arrive(al, "referral", body)
    identity_documents = first.body["attachments"]
    assert [item["field_group"] for item in identity_documents] == ["identity"]
    _withdrawal(al, body["referral"], groups=("identity",))
    first.refresh_from_db()
    assert first.body["attachments"] == identity_documents
    narrowed = AuditEvent.objects.get(event_type=EventType.REFERRAL_COPIES_NARROWED)
    assert not any(code.startswith("attachment.") for code in narrowed.detail["fields_removed"])


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_withdrawal_keeps_a_requests_fields_of_the_groups_still_shared(world: World) -> None:
    """A request sharing identity and travel; the consent left for identity only: the names
    stay on the page, the travel document's field goes (audited by its code)."""
    _original, message = sent_with_package(world)
    body = copy.deepcopy(message.body)
    body["request"]["shared_groups"] = ["identity", "travel"]
    body["sections"]["s1_1"]["opentrm_travel_document_comments"] = "Fictional FX0007777"
    al = peer("AL")
    incoming = created(arrive(al, "request", body))
    before = importing.imported_of(incoming)
    assert before is not None
    assert {"names", "documents"} <= set(before["data"])
    _withdrawal(al, body["request"], groups=("identity",))
    after = importing.imported_of(incoming)
    assert after is not None
    assert "names" in after["data"]
    assert "documents" not in after["data"]
    narrowed = AuditEvent.objects.get(event_type=EventType.REFERRAL_COPIES_NARROWED)
    assert "documents" in narrowed.detail["fields_removed"]
    assert "names" not in narrowed.detail["fields_removed"]
