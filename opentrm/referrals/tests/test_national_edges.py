"""National referrals at more edges: the agreement that governs a referral is the one that lets
data flow to the receiver, a case deleted meanwhile is not referred, and a draft has nothing to
withdraw. Fictional data only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.agreements.tests.factories import make_agreement
from opentrm.cases.models import Case
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import national
from opentrm.referrals.tests.test_national import make_scene, send


def test_the_governing_agreement_is_the_one_that_lets_data_flow(world: World) -> None:
    scene = make_scene(world, agreement=False)
    make_agreement(
        world, others=[scene.shelter], flows={}, sign=True, title="Fictional MoU, no flows"
    )
    flowing = make_agreement(
        world,
        others=[scene.shelter],
        flows={(world.agency_a, scene.shelter): [FieldGroup.IDENTITY]},
        sign=True,
    )
    assert national.governing_agreement(scene.case, scene.shelter) == flowing
    referral = send(scene)
    assert referral.agreement_id == flowing.pk


def test_a_case_deleted_meanwhile_is_not_referred(world: World) -> None:
    scene = make_scene(world)
    Case.objects.filter(pk=scene.case.pk).update(deleted_at=timezone.now())
    with pytest.raises(PermissionDenied):
        send(scene)  # the page was opened before the deletion: the case object is stale
    assert not Referral.objects.exists()


def test_a_draft_has_nothing_to_withdraw(world: World) -> None:
    from opentrm.referrals.tests.test_template import create, sender, setup

    draft = create(setup(world))
    assert draft.status == ReferralStatus.DRAFT
    with pytest.raises(ValidationError) as refused:
        national.referral_withdraw(
            actor=sender(world),
            referral=draft,
            expected_version=draft.version,
            reason="Sent to the wrong country.",
        )
    assert "nothing to withdraw" in str(refused.value)
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT
