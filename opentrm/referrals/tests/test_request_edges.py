"""Requests at more edges: only the sender's organisation sends its draft, an unknown channel and
an over-long legal basis are refused on their fields at once, and the agreement recorded for a
request is the one whose flow allows what it shares. Fictional data only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.agreements.tests.factories import make_agreement
from opentrm.directory.models import AccreditationStatus, Organisation
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import requests
from opentrm.referrals.services.requests.escalation import request_escalate
from opentrm.referrals.tests.test_requests import (
    adult_case,
    draft_request,
    focal_point,
    fresh,
    receiver,
    sender,
    sent_request,
)


def test_another_organisation_does_not_send_the_senders_draft(world: World) -> None:
    focal_point(world)
    draft = draft_request(world, adult_case(world))
    with pytest.raises(PermissionDenied):
        requests.request_send(actor=receiver(world), referral=draft, expected_version=draft.version)
    assert fresh(draft).status == ReferralStatus.DRAFT


def test_an_unknown_channel_and_a_long_legal_basis_are_refused_together(world: World) -> None:
    focal_point(world)
    with pytest.raises(ValidationError) as refused:
        draft_request(
            world, adult_case(world), channel="smoke_signals", legal_basis="Art. 1 " * 100
        )
    assert {"channel", "legal_basis"} <= set(refused.value.message_dict)
    assert not Referral.objects.exists()


def test_the_agreement_recorded_is_the_one_whose_flow_allows_the_groups(world: World) -> None:
    today = timezone.localdate()
    a, b = world.agency_a.pk, world.agency_b.pk
    contact_only = make_agreement(
        world, flows={(world.agency_a, world.agency_b): [FieldGroup.CONTACT]}, sign=True
    )
    identity = make_agreement(
        world,
        flows={(world.agency_a, world.agency_b): [FieldGroup.IDENTITY]},
        sign=True,
        title="Fictional MoU on identity checks",
    )
    assert requests.governing_agreement_id(a, b, frozenset({FieldGroup.IDENTITY}), today) == (
        identity.pk
    )
    assert requests.governing_agreement_id(a, b, frozenset({FieldGroup.CONTACT}), today) == (
        contact_only.pk
    )
    assert requests.governing_agreement_id(a, b, frozenset({FieldGroup.HEALTH}), today) is None
    assert requests.governing_agreement_id(a, b, frozenset(), today) is None


def test_the_focal_point_that_forwarded_a_request_does_not_escalate_it(world: World) -> None:
    """The formal follow-up is the asking country's: the focal point's forward (sent directly
    to the competent body) is not escalated by it, and the refusal is audited."""
    from opentrm.audit.models import AuditEvent
    from opentrm.referrals.services import forwarding
    from opentrm.referrals.services.requests.escalation import request_escalate
    from opentrm.referrals.tests.test_confidential import _body

    focal_point(world)
    request = fresh(sent_request(world, adult_case(world), kind="evidence_check"))
    forward = forwarding.referral_forward(
        actor=receiver(world),
        referral=request,
        expected_version=request.version,
        to=_body(world),
    )
    with pytest.raises(PermissionDenied):
        request_escalate(
            actor=receiver(world), referral=fresh(forward), formality="mla", reason="Formal."
        )
    assert not fresh(forward).escalations.exists()
    denied = AuditEvent.objects.get(event_type="ACCESS_DENIED")
    assert denied.detail["action"] == "referral.send"


def test_a_withdrawal_reason_over_the_limit_is_refused_on_its_field(world: World) -> None:
    focal_point(world)
    request = sent_request(world, adult_case(world))
    with pytest.raises(ValidationError) as refused:
        requests.request_withdraw(
            actor=sender(world),
            referral=fresh(request),
            expected_version=fresh(request).version,
            reason="x" * (requests.MAX_TEXT + 1),
        )
    assert refused.value.message_dict == {"reason": [f"At most {requests.MAX_TEXT} characters."]}
    assert fresh(request).status == ReferralStatus.SENT


def test_no_request_is_drafted_to_a_focal_point_that_may_receive_nothing(world: World) -> None:
    """The country's focal point lost its accreditation: the draft is refused on the country,
    saying why, and nothing is written."""
    focal_point(world)
    Organisation.objects.filter(pk=world.agency_b.pk).update(
        accreditation_status=AccreditationStatus.SUSPENDED
    )
    with pytest.raises(ValidationError) as refused:
        draft_request(world, adult_case(world))
    assert refused.value.message_dict == {
        "receiver_country": ["This organisation is not accredited: nothing may be sent to it."]
    }
    assert not Referral.objects.exists()


def test_a_colleagues_escalation_made_meanwhile_refuses_the_second_draft(world: World) -> None:
    """Two colleagues escalate the same informal request: the second draft, checked before
    the first was written, is refused inside its own transaction; one formal request stays."""
    focal_point(world)
    informal = sent_request(world, adult_case(world), kind="evidence_check")
    first = request_escalate(
        actor=sender(world), referral=informal, formality="mla", reason="Formal."
    )
    with pytest.raises(ValidationError, match="already been escalated"):
        requests.request_create(
            actor=sender(world),
            kind=informal.kind,
            receiver_country=informal.receiver_country,
            case=informal.case,
            reason="Formal, again.",
            formality="mla",
            escalated_from=informal,
        )
    assert list(informal.escalations.all()) == [first]
