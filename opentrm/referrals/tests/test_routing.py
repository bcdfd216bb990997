"""Forwarding by the national focal point (issue 4 §4)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import World, make_member
from opentrm.accounts.policy import Action, FieldGroup, can
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.tests.factories import indicate_asylum
from opentrm.directory.models import Organisation
from opentrm.referrals.models import Referral, Routing
from opentrm.referrals.services import forwarding, requests
from opentrm.referrals.tests.test_requests import (
    NAME,
    adult_case,
    agreement_for,
    consent_for,
    focal_point,
    fresh,
    receiver,
    sender,
    sent_request,
)


def competent_body(world: World) -> Organisation:
    return Organisation.objects.create(country=world.country_b, name="Fictional registry RO")


def test_the_focal_point_forwards_with_only_what_the_gate_allows(world: World) -> None:
    focal_point(world)
    body = competent_body(world)
    case = adult_case(world)
    consent_for(world, case, world.agency_b)
    consent_for(world, case, body)
    agreement_for(world, [FieldGroup.IDENTITY, FieldGroup.TRAVEL])
    agreement_for(world, [FieldGroup.IDENTITY], to=body)
    original = sent_request(world, case)
    assert original.shared_groups == ["identity", "travel"]
    forward = forwarding.referral_forward(
        actor=receiver(world),
        referral=fresh(original),
        expected_version=original.version,
        to=body,
        note="For the civil registry.",
    )
    assert forward.forwarded_from_id == original.pk
    assert forward.sender_organisation == world.agency_b
    assert forward.receiver_organisation == body
    assert forward.status == "sent"
    assert forward.routing == Routing.DIRECT
    assert forward.shared_groups == ["identity"]  # travel: no agreement with the body
    assert forward.answer_due_at is not None
    assert fresh(original).status == "forwarded"
    event = AuditEvent.objects.get(event_type="REFERRAL_FORWARDED")
    assert event.detail["forwarded_to"] == forward.reference
    assert NAME not in str(event.detail)


def test_without_consent_for_the_body_nothing_personal_is_forwarded(world: World) -> None:
    focal_point(world)
    body = competent_body(world)
    case = adult_case(world)
    consent_for(world, case, world.agency_b)
    agreement_for(world, [FieldGroup.IDENTITY])
    agreement_for(world, [FieldGroup.IDENTITY], to=body)
    original = sent_request(world, case)
    forward = forwarding.referral_forward(
        actor=receiver(world), referral=fresh(original), expected_version=original.version, to=body
    )
    assert forward.shared_groups == []


def test_the_sender_sees_the_answer_of_the_competent_body(world: World, client: Client) -> None:
    focal_point(world)
    body = competent_body(world)
    officer = make_member(body, Role.CASEWORKER, "registry_officer")
    original = sent_request(world, adult_case(world))
    forward = forwarding.referral_forward(
        actor=receiver(world), referral=fresh(original), expected_version=original.version, to=body
    )
    from opentrm.accounts.policy import Actor

    requests.request_answer(
        actor=Actor(user=officer.user, membership=officer),
        referral=fresh(forward),
        expected_version=forward.version,
        answer="Identity confirmed in the registry.",
    )
    client.force_login(world.user(Role.CASEWORKER))
    page = client.get(reverse("referrals:referral_detail", args=[original.public_id]))
    assert "Identity confirmed in the registry." in page.content.decode()


@pytest.mark.parametrize("target", ["own", "abroad", "inactive"])
def test_a_forward_goes_to_another_active_body_of_the_country(world: World, target: str) -> None:
    focal_point(world)
    original = sent_request(world, adult_case(world))
    to = {
        "own": world.agency_b,
        "abroad": world.agency_c,
        "inactive": Organisation.objects.create(
            country=world.country_b, name="Closed body", is_active=False
        ),
    }[target]
    with pytest.raises(ValidationError) as error:
        forwarding.referral_forward(
            actor=receiver(world),
            referral=fresh(original),
            expected_version=original.version,
            to=to,
        )
    assert "to" in error.value.message_dict
    assert Referral.objects.count() == 1


def test_only_the_receiving_focal_point_forwards(world: World) -> None:
    focal_point(world)
    body = competent_body(world)
    original = sent_request(world, adult_case(world))
    with pytest.raises(PermissionDenied):
        forwarding.referral_forward(
            actor=sender(world),
            referral=fresh(original),
            expected_version=original.version,
            to=body,
        )
    assert not can(sender(world), Action.REFERRAL_FORWARD, fresh(original))
    assert can(receiver(world), Action.REFERRAL_FORWARD, fresh(original))


def test_a_direct_request_is_not_forwarded(world: World) -> None:
    from opentrm.referrals.models import WorkingCalendar

    focal_point(world)
    WorkingCalendar.objects.create(country=world.country_a, allow_direct_routes=True)
    referral = requests.request_create(
        actor=sender(world),
        case=adult_case(world),
        kind="family_check",
        receiver_country="RO",
        intended=world.agency_b,
        reason="x",
    )
    referral = requests.request_send(
        actor=sender(world),
        referral=referral,
        expected_version=referral.version,
        accept_partial=True,
    )
    with pytest.raises(ValidationError):
        forwarding.referral_forward(
            actor=receiver(world),
            referral=fresh(referral),
            expected_version=referral.version,
            to=competent_body(world),
        )


def test_asylum_blocks_the_forward_too(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from opentrm.cases.services import case_register
    from opentrm.cases.services.child import OriginContactBlockedError

    focal_point(world)
    body = competent_body(world)
    case = case_register(
        actor=sender(world),
        date_of_birth=timezone.localdate() - timedelta(days=365 * 12),
        citizenships=["RO"],
    )
    original = sent_request(world, case)
    indicate_asylum(world, case)
    with pytest.raises(OriginContactBlockedError):
        forwarding.referral_forward(
            actor=receiver(world),
            referral=fresh(original),
            expected_version=original.version,
            to=body,
        )
    assert fresh(original).status == "sent"


def test_the_forward_page(world: World, client: Client) -> None:
    focal_point(world)
    body = competent_body(world)
    original = sent_request(world, adult_case(world))
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    url = reverse("referrals:referral_forward", args=[original.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": original.version, "to": body.pk})
    assert response.status_code == 302
    assert fresh(original).status == "forwarded"
    client.force_login(world.user(Role.CASEWORKER))
    assert client.get(url).status_code == 403
