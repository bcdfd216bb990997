"""Reminders about referrals due within a day or overdue (issue 4 §8)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.referrals.services import requests
from opentrm.referrals.services.timelines import referral_reminders_send
from opentrm.referrals.tests.test_requests import (
    NAME,
    adult_case,
    focal_point,
    receiver,
    sent_request,
    step,
)


def test_the_receivers_are_reminded_once_a_day_without_personal_data(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    assert referral.acknowledge_due_at is not None
    first = referral.acknowledge_due_at - timedelta(hours=2)
    result = referral_reminders_send(now=first)
    assert result.referrals == 1
    recipients = sorted(address for message in mail.outbox for address in message.to)
    expected = sorted(
        world.user(role, org="b").email
        for role in (
            Role.CASE_MANAGER,
            Role.CASEWORKER,
            Role.POLICE_INVESTIGATOR,
            Role.PROSECUTOR,
            Role.GUARDIAN,
        )
    )
    assert recipients == expected  # not the interpreter, nobody of the sender
    message = mail.outbox[0]
    assert referral.reference in message.subject
    assert referral.reference in message.body
    assert str(referral.public_id) in message.body
    assert NAME not in message.body
    assert "Please verify" not in message.body  # not even the question
    # an hour later, but on the same local day whatever the hour the suite runs at
    end_of_day = timezone.localtime(first).replace(
        hour=23, minute=59, second=59, microsecond=999999
    )
    again = referral_reminders_send(now=min(first + timedelta(hours=1), end_of_day))
    assert again.referrals == 0
    assert len(mail.outbox) == len(expected)
    event = AuditEvent.objects.get(event_type="REFERRAL_REMINDERS_SENT")
    assert event.detail["emails"] == len(expected)


def test_nothing_is_sent_for_referrals_far_from_their_dates_or_answered(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    assert referral.sent_at is not None
    assert referral_reminders_send(now=referral.sent_at).referrals == 0
    acknowledged = step(requests.request_acknowledge, referral, receiver(world))
    step(requests.request_answer, acknowledged, receiver(world), answer="Done.")
    assert referral.answer_due_at is not None
    assert referral_reminders_send(now=referral.answer_due_at + timedelta(days=3)).referrals == 0
    assert mail.outbox == []


def test_an_overdue_referral_is_reminded_as_overdue(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world), kind="immediate_danger")
    assert referral.answer_due_at is not None
    referral_reminders_send(now=referral.answer_due_at + timedelta(hours=1))
    assert "overdue" in mail.outbox[0].subject


def test_a_failed_mail_is_tried_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    assert referral.acknowledge_due_at is not None

    def refuse(self: object, fail_silently: bool = False) -> int:
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    result = referral_reminders_send(now=referral.acknowledge_due_at)
    assert result.failed > 0
    assert result.referrals == 0
    monkeypatch.undo()
    assert referral_reminders_send(now=referral.acknowledge_due_at).referrals == 1


def test_the_command_runs(world: World) -> None:
    from io import StringIO

    out = StringIO()
    call_command("send_referral_reminders", "--base-url", "https://trm.example.test", stdout=out)
    assert "Referral reminders: 0 e-mails" in out.getvalue()
