"""Refusals of a transnational request the earlier tests leave out: each names the field, writes
nothing and no audit event."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import World
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import AccreditationStatus, Organisation
from opentrm.referrals.models import Referral, ReferralKind, ReferralStatus
from opentrm.referrals.services import requests
from opentrm.referrals.tests import test_requests as tr

S = ReferralStatus


def draft(world: World, **changes: Any) -> Referral:
    values: dict[str, Any] = {
        "case": None,
        "kind": "socio_economic_risk",
        "receiver_country": "RO",
        "reason": "Check.",
    }
    return requests.request_create(actor=tr.sender(world), **(values | changes))


@pytest.mark.parametrize("status", [AccreditationStatus.PENDING, AccreditationStatus.SUSPENDED])
def test_nothing_is_sent_to_an_organisation_that_is_not_accredited(
    world: World, status: str
) -> None:
    tr.focal_point(world)
    case = tr.adult_case(world)
    Organisation.objects.filter(pk=world.agency_b.pk).update(accreditation_status=status)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        draft(world, case=case, intended=Organisation.objects.get(pk=world.agency_b.pk))
    assert error.value.message_dict["intended"] == [
        "This organisation is not accredited: nothing may be sent to it."
    ]
    with pytest.raises(ValidationError) as error:  # nor routed to it as the focal point
        draft(world, case=case, kind="family_check")
    assert "receiver_country" in error.value.message_dict
    assert not Referral.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_draft_whose_receiver_left_the_directory_is_not_sent(world: World) -> None:
    tr.focal_point(world)
    referral = draft(world)
    Organisation.objects.filter(pk=world.agency_b.pk).update(is_active=False)
    referral = tr.fresh(referral)
    with pytest.raises(ValidationError) as error:
        requests.request_send(
            actor=tr.sender(world), referral=referral, expected_version=referral.version
        )
    assert error.value.messages == ["This organisation is no longer active in the directory."]
    assert tr.fresh(referral).status == S.DRAFT


def test_a_sent_request_is_not_sent_again_and_only_the_sender_withdraws_it(world: World) -> None:
    tr.focal_point(world)
    referral = tr.fresh(tr.sent_request(world, None, kind="socio_economic_risk"))
    with pytest.raises(ValidationError) as error:
        requests.request_send(
            actor=tr.sender(world), referral=referral, expected_version=referral.version
        )
    assert error.value.messages == ["This request has already been sent."]
    with pytest.raises(PermissionDenied):
        requests.request_withdraw(
            actor=tr.receiver(world),
            referral=referral,
            expected_version=referral.version,
            reason="Not mine.",
        )
    with pytest.raises(ValidationError) as error:
        requests.request_withdraw(
            actor=tr.sender(world), referral=referral, expected_version=referral.version, reason=" "
        )
    assert error.value.message_dict["reason"] == ["Give the reason for withdrawing."]
    assert tr.fresh(referral).status == S.SENT
    requests.request_withdraw(
        actor=tr.sender(world),
        referral=referral,
        expected_version=referral.version,
        reason="Resolved locally.",
    )
    assert tr.fresh(referral).status == S.WITHDRAWN


def test_a_referral_is_not_handled_as_a_request(world: World) -> None:
    tr.focal_point(world)
    referral = tr.fresh(tr.sent_request(world, None, kind="socio_economic_risk"))
    Referral.objects.filter(pk=referral.pk).update(kind=ReferralKind.NATIONAL)
    referral = tr.fresh(referral)
    with pytest.raises(ValidationError) as error:
        requests.request_withdraw(
            actor=tr.sender(world), referral=referral, expected_version=referral.version, reason="x"
        )
    assert error.value.messages == ["This is not a transnational request."]
