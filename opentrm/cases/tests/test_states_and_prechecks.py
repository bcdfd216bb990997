"""Who counts as a child when an age assessment has spoken, read once per page; a user with no
organisation never identifies formally; the people attending a hearing filed under a group that
is no longer one are shown to nobody; the registration and measure prechecks' refusals."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, Actor, can
from opentrm.accounts.roles import Role
from opentrm.cases import states
from opentrm.cases.access import hide_hearing_participants
from opentrm.cases.models import AgeBand, Case, ChildSafeguards, Hearing
from opentrm.cases.services.measures import measure_errors
from opentrm.cases.services.registration import Notification, registration_errors
from opentrm.cases.tests.factories import new_case
from opentrm.cases.tests.proceedings import adult_case, schedule_interview


def _assessed(case: Case, result: str) -> Case:
    ChildSafeguards.objects.create(case=case, age_assessment_result=result)
    return case


def test_an_age_assessment_decides_who_is_a_child_over_the_age_band(world: World) -> None:
    today = timezone.localdate()
    child = new_case(world, age_band=AgeBand.UNDER_18)
    adult = new_case(world, age_band=AgeBand.OVER_18)
    assessed_adult = _assessed(new_case(world, age_band=AgeBand.UNDER_18), "adult")
    assessed_child = _assessed(new_case(world, age_band=AgeBand.UNKNOWN), "child")
    cases = [child, adult, assessed_adult, assessed_child]

    assert states.child_case_ids([c.pk for c in cases], today) == {child.pk, assessed_child.pk}
    assert states.child_case_ids([], today) == set()
    assert [states.is_child_case(c, today) for c in cases] == [True, False, False, True]


def test_the_child_safeguards_are_read_once_for_a_read_only_page(
    world: World, django_assert_num_queries: Callable[..., Any]
) -> None:
    case = _assessed(new_case(world, age_band=AgeBand.UNDER_18), "adult")
    with django_assert_num_queries(1):
        states.remember_child_safeguards(case)
        states.remember_child_safeguards(case)  # already read: no second query
        assert states.child_safeguards(case) is not None
    assert states.remembers_child_safeguards(case)
    assert not states.is_child_case(case, timezone.localdate())


def test_a_user_of_no_organisation_never_identifies_formally(world: World) -> None:
    case = new_case(world)
    nobody = Actor(user=User.objects.create_user(username="no_membership"), membership=None)

    assert not can(nobody, Action.IDENTIFICATION_FORMAL, case)


def test_the_registration_precheck_names_a_referrer_and_channel_not_on_the_lists() -> None:
    notification = Notification(referrer_type="a_little_bird", channel="carrier_pigeon")

    assert registration_errors(date_of_birth=None, notification=notification) == {
        "referrer_type": ["Choose who referred the person from the list."],
        "channel": ["Choose the channel from the list."],
    }


def test_the_measure_precheck_checks_no_dates_without_a_known_status(world: World) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    values = {"started_on": tomorrow, "completed_on": tomorrow}

    assert measure_errors({"status": "", **values}) == {}
    assert measure_errors({"status": "in_progress", **values}) == {
        "started_on": ["The start date is in the future."],
        "completed_on": ["Only a measure that is done has a completion date."],
    }


def test_people_attending_filed_under_a_group_that_is_no_longer_one_are_shown_to_nobody(
    world: World,
) -> None:
    """A hearing whose people attending were filed under a field group that no longer exists
    (a row older than a change of the groups): nobody reads them, not even the owner."""
    case = adult_case(world)
    kept = schedule_interview(world, case, participants="Inspector Fictiva")
    retired = schedule_interview(world, case, participants="Judge Fictiva")
    Hearing.objects.filter(pk=retired.pk).update(participants_group="retired_group")
    hearings = list(Hearing.objects.filter(case=case).order_by("pk"))

    shown = hide_hearing_participants(world.actor(Role.CASE_MANAGER), case, hearings)

    assert [h.participants for h in shown] == ["Inspector Fictiva", ""]
    assert Hearing.objects.get(pk=retired.pk).participants == "Judge Fictiva"  # not saved
    assert kept.pk == shown[0].pk
