"""Forwarding at its edges: only what came through the focal-point route is forwarded, the note
has a limit, and a thematic request (no case) is forwarded with nothing shared. Fictional data
only."""

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import Referral, ReferralStatus, Routing
from opentrm.referrals.services import forwarding
from opentrm.referrals.services.requests import MAX_TEXT
from opentrm.referrals.tests.test_confidential import _body
from opentrm.referrals.tests.test_requests import (
    adult_case,
    focal_point,
    fresh,
    receiver,
    sent_request,
)


def _forward(world: World, request: Referral, **options: str) -> Referral:
    current = fresh(request)
    return forwarding.referral_forward(
        actor=receiver(world),
        referral=current,
        expected_version=current.version,
        to=_body(world),
        **options,
    )


@pytest.mark.parametrize(
    ("change", "message", "status"),
    [
        # sent directly, not through the focal point
        ({"routing": Routing.DIRECT}, "reached you as the national focal point", "sent"),
        ({"status": ReferralStatus.CLOSED}, "cannot be forwarded", "closed"),
    ],
    ids=["sent-directly", "closed"],
)
def test_a_request_that_did_not_come_by_the_focal_point_or_is_closed_is_not_forwarded(
    world: World, change: dict[str, str], message: str, status: str
) -> None:
    focal_point(world)
    request = sent_request(world, adult_case(world))
    Referral.objects.filter(pk=request.pk).update(**change)
    before = Referral.objects.count()
    with pytest.raises(ValidationError) as refused:
        _forward(world, request)
    assert message in str(refused.value)
    assert Referral.objects.count() == before
    assert fresh(request).status == status


def test_a_note_over_the_limit_is_refused_on_its_field(world: World) -> None:
    focal_point(world)
    request = sent_request(world, adult_case(world))
    with pytest.raises(ValidationError) as refused:
        _forward(world, request, note="n" * (MAX_TEXT + 1))
    assert "note" in refused.value.message_dict
    assert fresh(request).status == ReferralStatus.SENT


def test_a_thematic_request_is_forwarded_with_nothing_shared(world: World) -> None:
    focal_point(world)
    request = sent_request(world, None, kind="socio_economic_risk")
    forward = _forward(world, request)
    assert fresh(request).status == ReferralStatus.FORWARDED
    assert forward.case is None
    assert fresh(forward).shared_groups == []
    assert fresh(forward).status == ReferralStatus.SENT
    assert AuditEvent.objects.filter(target_id=str(forward.pk)).exists()
