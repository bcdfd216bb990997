"""What the receiver sees of a transnational referral that has no case on this node: the groups
the foreign sender's file shared once accepted, and nothing for one that was not imported."""

import pytest

from conftest import World
from opentrm.referrals.models import Referral, ReferralStatus, TemplateInstance
from opentrm.referrals.services import importing
from opentrm.referrals.services.transnational.definition import receiver_groups
from opentrm.referrals.tests.test_import import foreign, hand_filled, importer, raw  # noqa: F401


@pytest.mark.usefixtures("foreign")
def test_an_imported_referral_shows_the_files_groups_only_once_accepted(world: World) -> None:
    referral = importing.referral_import(actor=importer(world), raw=raw(hand_filled(world)))
    assert referral.case is None
    assert receiver_groups(referral) == frozenset()
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACCEPTED)
    referral.refresh_from_db()
    assert receiver_groups(referral) == frozenset({"identity", "health"})
    TemplateInstance.objects.filter(referral=referral).delete()  # not from a file
    assert receiver_groups(referral) == frozenset()
