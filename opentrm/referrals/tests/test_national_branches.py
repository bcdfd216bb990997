"""National referrals at their edges: labels of codes the catalogue no longer knows, a disputed
age counted as a child's, no person shown for a referral with no case here, and a case the
sender does not see refused."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models.person import AgeBand, Person
from opentrm.referrals.models import Referral
from opentrm.referrals.services import national
from opentrm.referrals.tests.test_national import make_scene, send


def test_a_code_the_catalogue_does_not_know_is_shown_as_written() -> None:
    assert national.measure_label("") == ""
    assert national.measure_label("fictional-measure-99") == "fictional-measure-99"
    assert national.group_label("fictional_group") == "fictional_group"


def test_a_disputed_age_is_a_childs_whatever_the_recorded_birth_date() -> None:
    person = Person(age_disputed=True, date_of_birth=date(1980, 1, 1))
    assert national.age_band(person) == AgeBand.UNDER_18


def test_a_referral_with_no_case_here_never_names_the_person() -> None:
    assert national.offer_may_show_person(Referral(case=None)) is False


def test_a_case_the_sender_does_not_see_cannot_be_referred(world: World) -> None:
    scene = make_scene(world)
    with pytest.raises(PermissionDenied):
        send(scene, actor=world.actor(Role.CASE_MANAGER, org="b"))
    assert not Referral.objects.exists()
