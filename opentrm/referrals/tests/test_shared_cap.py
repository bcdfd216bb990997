"""A receiver that joined by a referral sees at most what that referral offered."""

from conftest import World
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.agreements.tests.factories import make_agreement
from opentrm.cases.access import visible_groups
from opentrm.cases.models import Case
from opentrm.cases.tests.factories import record_consent
from opentrm.referrals.models import Referral
from opentrm.referrals.services import national
from opentrm.referrals.tests.test_national import NAMES, case_url, client_for, make_scene, send


def _accept(receiver: Actor, referral: Referral) -> Referral:
    return national.referral_accept(
        actor=receiver, referral=referral, expected_version=referral.version
    )


def test_a_minimal_offer_stays_minimal_when_consent_and_agreement_come_later(world: World) -> None:
    scene = make_scene(world, consent=False, agreement=False)
    referral = send(scene)
    assert referral.shared_groups == []
    _accept(scene.receiver, referral)

    # Later the person consents and the two organisations sign an agreement covering identity.
    record_consent(scene.sender, scene.case, "share_data", "Later consent.", to=scene.shelter)
    make_agreement(
        world,
        others=[scene.shelter],
        flows={(world.agency_a, scene.shelter): [FieldGroup.IDENTITY]},
        sign=True,
    )

    case = Case.objects.get(pk=scene.case.pk)
    assert visible_groups(scene.receiver, case) == frozenset()
    page = client_for(scene.receiver).get(case_url(case)).content.decode()
    assert NAMES[0] not in page


def test_what_the_referral_offered_is_shown_while_consent_and_agreement_last(
    world: World,
) -> None:
    scene = make_scene(world, groups=(FieldGroup.IDENTITY,))
    referral = send(scene)
    assert referral.shared_groups == ["identity"]
    _accept(scene.receiver, referral)
    case = Case.objects.get(pk=scene.case.pk)
    assert FieldGroup.IDENTITY in visible_groups(scene.receiver, case)
    assert NAMES[0] in client_for(scene.receiver).get(case_url(case)).content.decode()
