"""Attachments between nodes at their edges: a document of a type no longer allowed stays home
(audited as left, no attachment in the package), base64 content cut short refuses the
package, and on acceptance an attachment already stored or one the receiver cannot store
stays in the package while the others become documents. Fictional data only."""

import base64
import copy

from django.test import override_settings

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import CaseDocument
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Referral
from opentrm.referrals.services import national
from opentrm.referrals.tests.test_exchange_attachments import (
    PDF,
    _document,
    _sent_with_documents,
)
from opentrm.referrals.tests.test_exchange_link import arrive, created, outbox, processed
from opentrm.referrals.tests.test_template import create, send, setup


def test_a_document_of_a_type_no_longer_allowed_stays_home(world: World) -> None:
    peer("RO")
    s = setup(world, groups=(FieldGroup.IDENTITY,))
    old = _document(world, s.case, PDF, "passport.pdf", "identity_document", "identity")
    CaseDocument.objects.filter(pk=old).update(content_type="application/msword")
    send(s, create(s))
    (message,) = outbox("referral")
    assert "attachments" not in message.body
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_DOCUMENTS_SENT)
    assert event.detail["document_ids"] == []
    assert event.detail["left"] == [{"document_id": old, "reason": "type"}]


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_content_cut_short_refuses_the_package(world: World) -> None:
    _referral, body, _ids = _sent_with_documents(world)
    package = copy.deepcopy(body)
    package["attachments"][0]["content"] = "abc"  # base64 letters, but cut short
    message = arrive(peer("AL"), "referral", package)
    assert message.referral_id is None
    assert processed(message)["error"] == "attachment_invalid"


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_what_cannot_be_stored_on_acceptance_stays_in_the_package(world: World) -> None:
    _referral, body, _ids = _sent_with_documents(world)
    first = arrive(peer("AL"), "referral", body)
    incoming = created(first)
    good = first.body["attachments"][0]
    stored_before = {key: value for key, value in good.items() if key != "content"}
    unstorable = {**good, "field_group": "no_such_group", "name": "odd.pdf"}
    first.body = {**first.body, "attachments": [good, stored_before, unstorable]}
    first.save(update_fields=["body"])
    member = world.actor(Role.CASE_MANAGER, org="b")
    national.referral_accept(actor=member, referral=incoming, expected_version=incoming.version)
    incoming = Referral.objects.get(pk=incoming.pk)
    assert incoming.case is not None
    (document,) = CaseDocument.objects.filter(case=incoming.case)
    first.refresh_from_db()
    kept = first.body["attachments"]
    assert kept[0]["stored_as"] == str(document.public_id)
    assert kept[1] == stored_before
    assert kept[2] == unstorable  # content kept: it was not stored
    assert base64.b64decode(kept[2]["content"]) == PDF
