"""A child's referral is answered sooner and marked first: "child · priority" in the outbox,
"priority" alone in the inbox (issue 14: SOP-T4, REC-102; services/priority.py)."""

from datetime import date

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.referrals.models import Referral
from opentrm.referrals.services import timelines
from opentrm.referrals.tests.test_national import Scene, fresh, make_scene, send


def _sent_for(world: World, born: date) -> tuple[Scene, Referral]:
    """The scene's referral of a person born on ``born``, sent."""
    scene = make_scene(world)
    person = scene.case.person
    person.date_of_birth = born
    person.save()
    return scene, send(scene)


def _fifteen() -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - 15)


def _answer_within(world: World, born: date, days: int) -> bool:
    """Is the referral of a person born on ``born`` due to be answered ``days`` working days
    after it was sent?"""
    referral = fresh(_sent_for(world, born)[1])
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
    _sent_for(world, _fifteen())
    client = Client()
    client.force_login(world.user(Role.CASEWORKER))
    outbox = client.get(reverse("referrals:referral_list"), {"box": "outbox"}).content.decode()
    assert "child · priority" in outbox


def _inbox_rows(client: Client) -> list[str]:
    page = client.get(reverse("referrals:referral_list"), {"box": "inbox"}).content.decode()
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row for row in body.split("<tr>") if "referral_detail" in row or "/referrals/" in row]


def test_the_inbox_marks_a_childs_referral_priority_without_saying_child_or_the_age(
    world: World,
) -> None:
    scene, _referral = _sent_for(world, _fifteen())
    client = Client()
    client.force_login(scene.receiver.user)  # has not accepted: sees the minimal offer only
    (row,) = _inbox_rows(client)
    assert ">priority</span>" in row
    assert "child" not in row.lower()
    assert "under_18" not in row.lower()
    assert "under 18" not in row.lower()


def test_the_inbox_does_not_mark_an_adults_referral(world: World) -> None:
    scene = make_scene(world)
    send(scene)
    client = Client()
    client.force_login(scene.receiver.user)
    (row,) = _inbox_rows(client)
    assert "priority" not in row
