"""A child's referral is answered sooner and marked first in the outbox (issue 14: SOP-T4,
REC-102)."""

from datetime import date

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.referrals.services import timelines
from opentrm.referrals.tests.test_national import fresh, make_scene, send


def _answer_within(world: World, born: date, days: int) -> bool:
    """Is the referral of a person born on ``born`` due to be answered ``days`` working days
    after it was sent?"""
    scene = make_scene(world)
    person = scene.case.person
    person.date_of_birth = born
    person.save()
    referral = fresh(send(scene))
    assert referral.sent_at is not None
    calendar = timelines.calendar_for(referral.receiver_country)
    expected = timelines.add_time(referral.sent_at, days, "working_days", calendar)
    return referral.answer_due_at == expected


def test_a_childs_referral_gets_half_the_default_time_to_answer(world: World) -> None:
    today = timezone.localdate()
    assert _answer_within(world, today.replace(year=today.year - 14), 5)


def test_an_adults_referral_keeps_the_default(world: World) -> None:
    assert _answer_within(world, date(1990, 5, 1), 10)


def test_the_outbox_marks_a_childs_referral(world: World) -> None:
    scene = make_scene(world)
    person = scene.case.person
    person.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 15)
    person.save()
    send(scene)
    client = Client()
    client.force_login(world.user(Role.CASEWORKER))
    outbox = client.get(reverse("referrals:referral_list"), {"box": "outbox"}).content.decode()
    assert "child · priority" in outbox
