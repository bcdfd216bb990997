"""Feedback after return overdue (SOP-IV-6): flagged, reminded once a day, cleared by a report."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.referrals.models import FollowUpReport, Referral, ReferralEvent
from opentrm.referrals.services.feedback import (
    feedback_overdue,
    feedback_overdue_q,
    feedback_reminders_send,
)


def _returned(world: World, days_ago: int) -> Referral:
    referral = Referral.objects.create(
        reference=f"REF-AL-FB-{days_ago}",
        kind="transnational",
        sender_organisation=world.agency_a,
        receiver_country="RO",
        receiver_organisation=world.agency_b,
        status="arrival_confirmed",
        sent_at=timezone.now() - timedelta(days=days_ago + 10),
    )
    ReferralEvent.objects.create(
        referral=referral, status="arrival_confirmed", at=timezone.now() - timedelta(days=days_ago)
    )
    return referral


def test_feedback_is_overdue_a_period_after_the_arrival_and_a_report_clears_it(
    world: World,
) -> None:
    late, recent = _returned(world, 40), _returned(world, 5)

    assert feedback_overdue(late)
    assert not feedback_overdue(recent)
    assert list(Referral.objects.filter(feedback_overdue_q(timezone.now()))) == [late]

    FollowUpReport.objects.create(
        referral=late,
        reported_on=timezone.localdate(),
        organisation=world.agency_b,
        reported_by=world.user(Role.CASEWORKER, org="b"),
    )
    assert not feedback_overdue(late)
    assert not Referral.objects.filter(feedback_overdue_q(timezone.now())).exists()


def test_the_daily_command_reminds_the_receiver_once_a_day(world: World) -> None:
    late = _returned(world, 40)
    receiver = world.user(Role.CASEWORKER, org="b")
    receiver.email = "receiver@example.org"
    receiver.save()

    call_command("send_referral_reminders")
    again = feedback_reminders_send()

    recipients = {to for m in mail.outbox if late.reference in m.subject for to in m.to}
    assert receiver.email in recipients
    assert not recipients & {m.user.email for m in world.members_a.values()}
    assert again.referrals == 0
    assert "Fictiv" not in mail.outbox[-1].body  # reference and link only
