"""Why the owner of a case shares less than it might (``Sharing.missing``), and the cap of a
referral on what a partner sees."""

import pytest

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.tests.factories import make_agreement
from opentrm.cases.access import organisation_groups, sharing_with
from opentrm.cases.models import Case, CaseParticipant
from opentrm.cases.tests.factories import new_case, record_consent

NO_CONSENT = "The person's consent to share data with this organisation is not recorded."
NO_AGREEMENT = "No agreement in force between the two organisations allows any personal data."


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva")


def _consent(world: World, case: Case) -> None:
    record_consent(
        world.actor(Role.CASE_MANAGER),
        case,
        "share_data",
        "Who will see which data, why, and the risks.",
        to=world.agency_c,
    )


def _agreement(world: World) -> None:
    make_agreement(
        world,
        others=[world.agency_c],
        flows={(world.agency_a, world.agency_c): [FieldGroup.IDENTITY, FieldGroup.ASSISTANCE]},
        sign=True,
    )


def test_with_neither_it_names_both_reasons(world: World, case: Case) -> None:
    assert sharing_with(case, world.agency_c).missing == [NO_CONSENT, NO_AGREEMENT]


def test_with_the_consent_alone_it_names_the_missing_agreement(world: World, case: Case) -> None:
    _consent(world, case)
    assert sharing_with(case, world.agency_c).missing == [NO_AGREEMENT]


def test_with_the_agreement_alone_it_names_the_missing_consent(world: World, case: Case) -> None:
    _agreement(world)
    assert sharing_with(case, world.agency_c).missing == [NO_CONSENT]


def test_with_both_it_names_no_reason(world: World, case: Case) -> None:
    _consent(world, case)
    _agreement(world)
    sharing = sharing_with(case, world.agency_c)
    assert sharing.missing == []
    assert sharing.groups == {FieldGroup.IDENTITY, FieldGroup.ASSISTANCE}


def test_a_partner_that_joined_by_referral_sees_no_more_than_it_offered(
    world: World, case: Case
) -> None:
    _consent(world, case)
    _agreement(world)
    CaseParticipant.objects.create(
        case=case, organisation=world.agency_c, shared_cap=[FieldGroup.IDENTITY.value]
    )
    assert organisation_groups(case, world.agency_c) == {FieldGroup.IDENTITY}
