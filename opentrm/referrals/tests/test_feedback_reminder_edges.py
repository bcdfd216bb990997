"""Feedback after return at its edges: an arrival with no recorded moment is never overdue, a
responder without an address is skipped, and a reminder no mail server took is tried again on
the next run (no audit event claims it was sent). Fictional data only."""

from django.core import mail
from django.test import override_settings

from conftest import World
from opentrm.accounts.models import User
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import Referral, ReferralEvent
from opentrm.referrals.services.feedback import (
    feedback_due_at,
    feedback_overdue,
    feedback_reminders_send,
)
from opentrm.referrals.tests.test_feedback import _returned


def test_an_arrival_without_its_event_has_no_due_date(world: World) -> None:
    referral = _returned(world, 40)
    ReferralEvent.objects.filter(referral=referral).delete()
    referral = Referral.objects.get(pk=referral.pk)
    assert feedback_due_at(referral) is None
    assert not feedback_overdue(referral)


def test_a_responder_without_an_email_address_is_skipped(world: World) -> None:
    late = _returned(world, 40)
    User.objects.filter(memberships__organisation=world.agency_b).update(email="")
    result = feedback_reminders_send()
    assert (result.referrals, result.emails) == (0, 0)
    assert not [m for m in mail.outbox if late.reference in m.subject]
    assert not AuditEvent.objects.filter(event_type="REFERRAL_REMINDERS_SENT").exists()


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,  # discard: nothing listens
    EMAIL_TIMEOUT=2,
)
def test_a_reminder_no_mail_server_took_is_tried_again_the_next_run(world: World) -> None:
    _returned(world, 40)
    first = feedback_reminders_send()
    assert (first.referrals, first.emails) == (0, 0)
    assert not AuditEvent.objects.filter(event_type="REFERRAL_REMINDERS_SENT").exists()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        second = feedback_reminders_send()
    assert second.referrals == 1
    assert second.emails >= 1
    assert AuditEvent.objects.filter(event_type="REFERRAL_REMINDERS_SENT").count() == 1
