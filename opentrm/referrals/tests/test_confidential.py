"""SOP-P14 / DP-21: a sender marks a referral or request confidential; it is not forwarded
(issue 14). The one override: a person in immediate danger, with a written reason."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Organisation
from opentrm.referrals.models import Referral
from opentrm.referrals.services import forwarding
from opentrm.referrals.services.confidentiality import (
    ConfidentialRefusedError,
    referral_mark_confidential,
)
from opentrm.referrals.tests.test_requests import (
    adult_case,
    focal_point,
    fresh,
    receiver,
    sender,
    sent_request,
)

REFUSAL = "The sender marked this confidential: it may not be forwarded"


def _body(world: World) -> Organisation:
    return Organisation.objects.create(country=world.country_b, name="Fictional registry RO")


def _confidential_request(
    world: World, kind: str = "identity_verification", urgency: str = "routine"
) -> Referral:
    focal_point(world)
    request = sent_request(world, adult_case(world), kind=kind, urgency=urgency)
    return referral_mark_confidential(
        actor=sender(world),
        referral=fresh(request),
        expected_version=request.version,
        confidential=True,
    )


def test_the_sender_marks_a_request_confidential_and_it_is_audited(world: World) -> None:
    request = _confidential_request(world)
    assert fresh(request).confidential is True
    event = AuditEvent.objects.get(event_type="REFERRAL_CONFIDENTIALITY_CHANGED")
    assert event.detail == {"referral": request.reference, "confidential": True}


def test_only_the_sender_marks_it(world: World) -> None:
    focal_point(world)
    request = sent_request(world, adult_case(world))
    with pytest.raises(PermissionDenied):
        referral_mark_confidential(
            actor=receiver(world),
            referral=fresh(request),
            expected_version=request.version,
            confidential=True,
        )
    assert fresh(request).confidential is False


def test_a_confidential_request_is_not_forwarded_and_the_refusal_is_audited(
    world: World,
) -> None:
    request = _confidential_request(world)
    body = _body(world)
    with pytest.raises(ConfidentialRefusedError) as refused:
        forwarding.referral_forward(
            actor=receiver(world),
            referral=fresh(request),
            expected_version=fresh(request).version,
            to=body,
        )
    assert REFUSAL in refused.value.message
    assert fresh(request).status == "sent"
    assert not Referral.objects.filter(forwarded_from=request).exists()
    event = AuditEvent.objects.get(event_type="GUARD_BLOCKED")
    assert event.detail["guard"] == "SOP-P14"
    assert event.detail["step"] == "forward"
    assert event.organisation_id == world.agency_b.pk


def test_a_reason_does_not_open_a_routine_confidential_request(world: World) -> None:
    request = _confidential_request(world)
    with pytest.raises(ConfidentialRefusedError):
        forwarding.referral_forward(
            actor=receiver(world),
            referral=fresh(request),
            expected_version=fresh(request).version,
            to=_body(world),
            danger_reason="I think it is better.",
        )


def test_immediate_danger_with_a_reason_forwards_and_the_override_is_audited(
    world: World,
) -> None:
    request = _confidential_request(world, kind="immediate_danger", urgency="immediate")
    forward = forwarding.referral_forward(
        actor=receiver(world),
        referral=fresh(request),
        expected_version=fresh(request).version,
        to=_body(world),
        danger_reason="Threats against the person this week; the registry must act today.",
    )
    assert forward.confidential is True  # the forward stays confidential
    assert "Threats against the person" in forward.reason
    event = AuditEvent.objects.get(event_type="GUARD_OVERRIDDEN")
    assert event.detail["guard"] == "SOP-P14"
    assert event.detail["forwarded_to"] == forward.reference
    assert "Threats" not in str(event.detail)


def test_the_forward_page_explains_the_refusal(world: World, client: Client) -> None:
    request = _confidential_request(world)
    body = _body(world)
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    url = reverse("referrals:referral_forward", args=[request.public_id])
    page = client.get(url).content.decode()
    assert 'id="confidential-note"' in page
    response = client.post(url, {"version": fresh(request).version, "to": body.pk})
    assert REFUSAL in response.content.decode()
    assert fresh(request).status == "sent"


def test_the_sender_marks_it_from_the_referral_page(world: World, client: Client) -> None:
    focal_point(world)
    request = sent_request(world, adult_case(world))
    client.force_login(world.user(Role.CASEWORKER))
    detail = reverse("referrals:referral_detail", args=[request.public_id])
    assert "Mark confidential" in client.get(detail).content.decode()
    client.post(
        reverse("referrals:referral_confidential", args=[request.public_id]),
        {"version": request.version, "confidential": "on"},
    )
    assert fresh(request).confidential is True
    assert "No longer confidential" in client.get(detail).content.decode()
