"""Time limits and reminders at their edges: a country's own limits listed as its own, a
child's case keeps a country's own limits, a corrupt calendar with no working day still gives a
date, the reminder names the one date the receiver still has to meet, a responder without an
address is counted, and a request answered while the reminders go out is not reminded.
Fictional data only."""

from datetime import date, datetime, timedelta
from typing import Any

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import override_settings
from django.utils import timezone

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import timelines
from opentrm.referrals.tests.test_requests import adult_case, focal_point, sent_request
from opentrm.referrals.tests.test_timelines import own_identity_limits

DAY = datetime(2026, 3, 6, 15, 0, tzinfo=timezone.get_default_timezone())


def test_a_countrys_own_limits_are_listed_as_its_own(world: World) -> None:
    own_identity_limits(world)
    listed = {limits.kind: limits for limits in timelines.all_limits("RO")}
    own = listed["identity_verification"]
    assert (own.acknowledge_within, own.answer_within, own.is_default) == (1, 5, False)
    assert listed["family_check"].is_default
    # a country's own limits count as they are for a child's case (only defaults are halved)
    assert timelines.child_limits(own) == own
    assert timelines.child_limits(listed["family_check"]).answer_within < (
        listed["family_check"].answer_within
    )


def test_a_calendar_without_working_days_still_gives_a_date() -> None:
    never = timelines.Calendar(frozenset(range(1, 8)), frozenset())
    due = timelines.add_time(DAY, 3, "working_days", never)
    assert timezone.localtime(due).date() == date(2026, 3, 6) + timedelta(days=3 * 7 + 400)


def _due_soon(world: World, reference: str, **dates: Any) -> Referral:
    return Referral.objects.create(
        reference=reference,
        kind="identity_verification",
        sender_organisation=world.agency_a,
        receiver_country="RO",
        receiver_organisation=world.agency_b,
        status=ReferralStatus.SENT,
        sent_at=DAY - timedelta(days=2),
        **dates,
    )


def test_the_reminder_names_the_date_still_to_meet(world: World) -> None:
    answer_only = _due_soon(world, "REF-AL-TL-A", answer_due_at=DAY + timedelta(hours=3))
    acknowledge_only = _due_soon(world, "REF-AL-TL-B", acknowledge_due_at=DAY + timedelta(hours=2))
    result = timelines.referral_reminders_send(now=DAY)
    assert result.referrals == 2
    bodies = {
        reference: [m.body for m in mail.outbox if reference in m.subject]
        for reference in (answer_only.reference, acknowledge_only.reference)
    }
    assert all("Answer by: 2026-03-06 18:00" in body for body in bodies[answer_only.reference])
    assert all(
        "Acknowledge by: 2026-03-06 17:00" in body for body in bodies[acknowledge_only.reference]
    )


def test_a_responder_without_an_address_is_counted(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    assert referral.acknowledge_due_at is not None
    without = world.user(Role.GUARDIAN, org="b")
    User.objects.filter(pk=without.pk).update(email="")
    result = timelines.referral_reminders_send(now=referral.acknowledge_due_at)
    assert result.no_address == 1
    assert result.referrals == 1
    assert all(without.username not in address for m in mail.outbox for address in m.to)


class AnsweringBackend(EmailBackend):
    """Mail that goes out while the receiver answers the other request meanwhile (as a user
    would, on another connection, between the list of candidates and their turn)."""

    def send_messages(self, messages: Any) -> int:
        Referral.objects.filter(reference__endswith="-2").update(status=ReferralStatus.ANSWERED)
        return super().send_messages(messages)


@override_settings(EMAIL_BACKEND="opentrm.referrals.tests.test_timeline_edges.AnsweringBackend")
def test_a_request_answered_while_reminders_go_out_is_not_reminded(world: World) -> None:
    _due_soon(world, "REF-AL-TL-1", acknowledge_due_at=DAY - timedelta(hours=1))
    _due_soon(world, "REF-AL-TL-2", acknowledge_due_at=DAY + timedelta(hours=1))
    result = timelines.referral_reminders_send(now=DAY)
    assert result.referrals == 1
    assert {m.subject for m in mail.outbox} == {"OpenTRM: REF-AL-TL-1 is overdue"}
