"""Every Table 9 request kind as data, and escalating an informal request into a formal one
(issue 14 part C: OTH-21/22/30, ACT-76, REC-22)."""

import json
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import OrganisationType
from opentrm.referrals.models import Formality, Referral, ReferralKind, RequestChannel
from opentrm.referrals.services import requests, timelines
from opentrm.referrals.services.requests.escalation import request_escalate
from opentrm.referrals.services.requests.kinds import KINDS
from opentrm.referrals.tests.test_requests import (
    adult_case,
    draft_request,
    focal_point,
    receiver,
    sender,
    sent_request,
)

# Table 9 (reference §11.4) and the other requests named in OTH-21, by their codes here.
TABLE_9 = {
    "info_person", "info_suspects", "info_services", "info_protection_history",
    "info_legislation", "info_contacts", "info_reliability",
    "identity_verification", "evidence_check", "family_check", "safety_check",
    "document_issuance",
    "evidence_taking", "statement_taking", "search_examination", "proceeds_tracing",
    "avr_national", "avr_foreign", "offender_transfer",
}  # fmt: skip
OTH_21 = {
    "immediate_danger", "socio_economic_risk", "missing_person", "residence_info",
    "judicial_documents", "extradition", "confiscation", "proceedings_transfer",
}  # fmt: skip


def test_every_request_kind_of_table_9_and_oth_21_is_data() -> None:
    kinds = {kind.value for kind in ReferralKind.requests()}

    assert kinds == TABLE_9 | OTH_21 == set(KINDS)
    for kind in KINDS.values():
        assert kind.formalities, kind.code
        assert set(kind.formalities) <= set(Formality.values)
        assert kind.bodies, kind.code
        assert set(kind.bodies) <= set(OrganisationType.values)
        assert set(kind.fields) <= set(requests.FIELDS)
        # a kind about offenders or places carries nothing of the person, except the two
        # thematic kinds that may also be about one person (issue 4)
        if kind.thematic and kind.code not in {"safety_check", "socio_economic_risk"}:
            assert kind.fields == (), kind.code


def test_a_kind_without_a_country_setting_gets_its_own_time_limits(world: World) -> None:
    evidence = timelines.limits_for("RO", "evidence_taking")
    danger = timelines.limits_for("RO", "immediate_danger")

    assert (evidence.answer_within, evidence.answer_unit) == (30, "working_days")
    assert (danger.acknowledge_within, danger.acknowledge_unit) == (2, "hours")


def test_a_new_request_takes_the_kinds_formality_and_legal_basis(world: World) -> None:
    focal_point(world)
    referral = requests.request_create(
        actor=sender(world), kind="extradition", receiver_country="RO", reason="Extradite X1."
    )

    assert referral.formality == Formality.FORMAL
    assert "European Convention on Extradition" in referral.legal_basis
    assert referral.case is None  # about an offender: no data of the person assisted


def test_it_refuses_a_formality_the_kind_does_not_take(world: World) -> None:
    focal_point(world)
    with pytest.raises(ValidationError) as refused:
        requests.request_create(
            actor=sender(world),
            kind="info_services",
            receiver_country="RO",
            reason="Which shelters?",
            formality=Formality.ROGATORY,
        )
    assert "formality" in refused.value.message_dict
    assert not Referral.objects.exists()


def _informal_evidence_request(world: World) -> Referral:
    focal_point(world)
    return sent_request(world, adult_case(world), kind="evidence_check")


def test_escalation_drafts_a_formal_request_linked_both_ways_and_audited(world: World) -> None:
    informal = _informal_evidence_request(world)

    formal = request_escalate(
        actor=sender(world),
        referral=informal,
        formality=Formality.MLA,
        reason="Formal request: the evidence as usable in court.",
    )

    assert formal.status == "draft"
    assert formal.escalated_from == informal
    assert list(informal.escalations.all()) == [formal]
    assert (formal.kind, formal.case, formal.receiver_country) == (
        informal.kind,
        informal.case,
        informal.receiver_country,
    )
    assert formal.channel == RequestChannel.CENTRAL_AUTHORITY
    assert "UNTOC Art. 18" in formal.legal_basis
    informal.refresh_from_db()
    assert informal.status == "sent"  # keeps its own status
    event = AuditEvent.objects.get(event_type="REQUEST_ESCALATED")
    assert event.detail["escalated_from"] == informal.reference
    assert "court" not in json.dumps(event.detail)  # the text asked stays out of the trail


def test_it_escalates_once(world: World) -> None:
    informal = _informal_evidence_request(world)
    request_escalate(actor=sender(world), referral=informal, formality="mla", reason="Formal.")

    with pytest.raises(ValidationError, match="already been escalated"):
        request_escalate(actor=sender(world), referral=informal, formality="mla", reason="Again.")


@pytest.mark.parametrize(
    ("kind", "formality", "message"),
    [
        ("info_services", "formal", "no formal follow-up"),
        ("evidence_check", "formal", "formal kind of request this kind takes"),
    ],
)
def test_it_refuses_an_escalation_the_kind_does_not_take(
    world: World, kind: str, formality: str, message: str
) -> None:
    focal_point(world)
    case = None if KINDS[kind].thematic else adult_case(world)
    informal = sent_request(world, case, kind=kind)

    with pytest.raises(ValidationError, match=message):
        request_escalate(actor=sender(world), referral=informal, formality=formality, reason="F.")
    assert not informal.escalations.exists()


def test_a_draft_or_a_formal_request_is_not_escalated(world: World) -> None:
    focal_point(world)
    draft = draft_request(world, adult_case(world), kind="evidence_check", reason="Check.")
    with pytest.raises(ValidationError, match="Send the informal request first"):
        request_escalate(actor=sender(world), referral=draft, formality="mla", reason="F.")

    draft.formality = Formality.MLA
    with pytest.raises(ValidationError, match="Only an informal request"):
        request_escalate(actor=sender(world), referral=draft, formality="rogatory", reason="F.")


def test_only_the_sender_escalates(world: World) -> None:
    informal = _informal_evidence_request(world)

    with pytest.raises(PermissionDenied):
        request_escalate(actor=receiver(world), referral=informal, formality="mla", reason="F.")
    with pytest.raises(PermissionDenied):
        request_escalate(
            actor=world.actor(Role.INTERPRETER), referral=informal, formality="mla", reason="F."
        )
    assert not informal.escalations.exists()


def test_the_sender_escalates_on_the_request_page_and_sees_the_link(
    world: World, login: Callable[[User], Client]
) -> None:
    informal = _informal_evidence_request(world)
    client = login(world.user(Role.CASEWORKER))
    page = client.get(reverse("referrals:referral_detail", args=[informal.public_id]))
    assert "Escalate to a formal request" in page.content.decode()

    response = client.post(
        reverse("referrals:request_escalate", args=[informal.public_id]),
        {"formality": "rogatory", "channel": "central_authority", "reason": "Letter rogatory."},
        follow=True,
    )

    formal = informal.escalations.get()
    html = response.content.decode()
    assert formal.formality == Formality.ROGATORY
    assert "Follows up the informal request" in html
    assert informal.reference in html
    page = client.get(reverse("referrals:referral_detail", args=[informal.public_id]))
    assert formal.reference in page.content.decode()
    assert "Escalate to a formal request" not in page.content.decode()


def test_the_api_lists_the_kinds_and_escalates(world: World) -> None:
    informal = _informal_evidence_request(world)
    client = api(world, Role.CASEWORKER)

    kinds = client.get("/api/v1/referrals/request-kinds").json()
    evidence = next(kind for kind in kinds if kind["code"] == "evidence_check")
    assert evidence["escalates_to"] == ["mla", "rogatory"]
    assert len(kinds) == len(TABLE_9 | OTH_21)

    response = client.post(
        f"/api/v1/referrals/{informal.public_id}/request/escalate",
        json.dumps({"formality": "mla", "reason": "Formal."}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["escalated_from"] == informal.reference
    assert response.json()["formality"] == "mla"
    again = client.get(f"/api/v1/referrals/{informal.public_id}/request").json()
    assert again["escalations"] == [response.json()["reference"]]

    refused = api(world, Role.CASEWORKER, org="b").post(
        f"/api/v1/referrals/{informal.public_id}/request/escalate",
        json.dumps({"formality": "mla", "reason": "Formal."}),
        content_type="application/json",
    )
    assert refused.status_code in (403, 404)
