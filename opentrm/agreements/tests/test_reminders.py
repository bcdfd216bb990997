from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.agreements import services
from opentrm.agreements.models import Meeting
from opentrm.agreements.tests.factories import editor, make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent


def test_it_reminds_coordinators_and_case_managers_of_the_parties_once(world: World) -> None:
    today = timezone.localdate()
    agreement = make_agreement(world, sign=True)
    meeting = services.meeting_schedule(
        actor=editor(world),
        agreement=agreement,
        held_on=today + timedelta(days=7),
        subject="Annual review",
    )
    services.meeting_schedule(
        actor=editor(world),
        agreement=agreement,
        held_on=today + timedelta(days=8),
        subject="Too far ahead",
    )

    result = services.meeting_reminders_send(today)

    expected = {
        world.user(role, org=org).email
        for role in (Role.NATIONAL_COORDINATOR, Role.CASE_MANAGER)
        for org in ("a", "b")
    }
    assert {address for message in mail.outbox for address in message.to} == expected
    assert result.meetings == 1
    assert result.emails == 4
    assert "Annual review" in mail.outbox[0].body
    meeting.refresh_from_db()
    assert meeting.reminded_on == today
    assert AuditEvent.objects.filter(event_type=EventType.AGREEMENT_MEETING_REMINDERS_SENT).exists()

    mail.outbox.clear()
    assert services.meeting_reminders_send(today).emails == 0
    assert mail.outbox == []


def test_no_reminders_for_cancelled_meetings_or_terminated_agreements(world: World) -> None:
    today = timezone.localdate()
    agreement = make_agreement(world, sign=True)
    meeting = services.meeting_schedule(
        actor=editor(world), agreement=agreement, held_on=today + timedelta(days=2), subject="X"
    )
    services.meeting_cancel(
        actor=editor(world), agreement=agreement, meeting_id=meeting.pk, reason="Postponed"
    )
    other = make_agreement(world, sign=True, title="Ended one")
    services.meeting_schedule(
        actor=editor(world), agreement=other, held_on=today + timedelta(days=2), subject="Y"
    )
    services.agreement_terminate(
        actor=editor(world),
        agreement=other,
        expected_version=other.version,
        terminated_on=today,
        reason="Ended",
    )
    assert services.meeting_reminders_send(today).emails == 0
    assert Meeting.objects.get(pk=meeting.pk).deletion_reason == "Postponed"


def test_the_command_runs(world: World) -> None:
    from io import StringIO

    out = StringIO()
    call_command("send_meeting_reminders", stdout=out)
    assert "Meeting reminders" in out.getvalue()
