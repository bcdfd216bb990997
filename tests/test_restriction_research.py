"""A person under a restriction of processing (GDPR art. 18) is in no research dataset (the
research and data-protection apps are siblings: the test that uses both lives here)."""

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.tests.factories import new_case
from opentrm.dataprotection.restriction import restriction_set
from opentrm.research.selectors import research_cases


def test_a_restricted_person_is_not_in_a_research_dataset(world: World) -> None:
    case = new_case(world, "Fictiva Restricta", role=Role.CASE_MANAGER, interpreter=False)
    country = world.country_a.pk
    assert research_cases(country).filter(pk=case.pk).exists()
    restriction_set(
        actor=world.actor(Role.CASE_MANAGER), case=case, ground="objection", reason="Objected"
    )
    assert not research_cases(country).filter(pk=case.pk).exists()
