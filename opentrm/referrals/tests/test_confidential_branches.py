"""The confidential mark at its edges: another organisation that may send referrals still may not
mark someone else's, and a person in immediate danger is forwarded only with a reason that fits."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.referrals.models import Referral
from opentrm.referrals.services import forwarding
from opentrm.referrals.services.confidentiality import (
    MAX_REASON,
    ConfidentialRefusedError,
    referral_mark_confidential,
)
from opentrm.referrals.tests.test_confidential import _body, _confidential_request
from opentrm.referrals.tests.test_requests import (
    adult_case,
    focal_point,
    fresh,
    receiver,
    sent_request,
)


def test_a_member_who_may_send_referrals_may_not_mark_another_organisations(world: World) -> None:
    focal_point(world)
    request = sent_request(world, adult_case(world))
    with pytest.raises(PermissionDenied):
        referral_mark_confidential(
            actor=world.actor(Role.CASE_MANAGER, org="b"),
            referral=fresh(request),
            expected_version=request.version,
            confidential=True,
        )
    assert fresh(request).confidential is False


def test_immediate_danger_is_forwarded_only_with_a_reason_that_fits(world: World) -> None:
    request = _confidential_request(world, kind="immediate_danger", urgency="immediate")
    before = Referral.objects.count()
    registry = _body(world)
    for reason, refusal in (
        ("", ConfidentialRefusedError),
        ("x" * (MAX_REASON + 1), ValidationError),
    ):
        with pytest.raises(refusal) as refused:
            forwarding.referral_forward(
                actor=receiver(world),
                referral=fresh(request),
                expected_version=fresh(request).version,
                to=registry,
                danger_reason=reason,
            )
        if refusal is ConfidentialRefusedError:
            assert "write why" in str(refused.value)  # the way out is named
    assert Referral.objects.count() == before  # nothing forwarded
