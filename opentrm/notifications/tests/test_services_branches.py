"""Notification services at their edges: who is never told, who is never e-mailed, one refused
address among several, and reading twice."""

from __future__ import annotations

from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.notifications.models import Kind, Notification
from opentrm.notifications.services import email_notifications, notification_open, notify
from opentrm.notifications.tests.test_smtp import Inbox, smtp_server

REFUSED = "refused.fictional@example.org"


class RefusingInbox(Inbox):
    """Accepts every recipient but one, as a real server refuses an unknown mailbox."""

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address == REFUSED:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _told(world: World, *roles: Role) -> list[int]:
    return [
        Notification.objects.create(
            recipient=world.user(role), kind=Kind.IMMEDIATE_DANGER, reference="R-1", path="/"
        ).pk
        for role in roles
    ]


def test_the_user_who_acted_is_never_told_of_her_own_step(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    me = world.user(Role.CASE_MANAGER)
    with django_capture_on_commit_callbacks(execute=True) as on_commit:
        created = notify(
            recipients=[me, me], kind=Kind.TASK_ASSIGNED, reference="T", path="/", actor_id=me.pk
        )
    assert created == []
    assert on_commit == []  # nothing to e-mail
    assert not Notification.objects.exists()


def test_a_user_without_an_email_address_is_told_in_the_app_only(world: World) -> None:
    user = world.user(Role.CASEWORKER)
    user.email = ""
    user.save(update_fields=["email"])
    (told,) = _told(world, Role.CASEWORKER)
    assert email_notifications([told]) == 0
    assert mail.outbox == []
    assert Notification.objects.filter(pk=told).exists()


def test_one_refused_address_does_not_keep_the_others_from_their_email(
    world: World, caplog: Any
) -> None:
    refused = world.user(Role.CASEWORKER)
    refused.email = REFUSED
    refused.save(update_fields=["email"])
    ids = _told(world, Role.CASEWORKER, Role.CASE_MANAGER)
    inbox = RefusingInbox()
    with smtp_server(inbox):
        sent = email_notifications(ids)
    assert sent == 1
    delivered = {address for envelope in inbox.envelopes for address in envelope.rcpt_tos}
    assert delivered == {world.user(Role.CASE_MANAGER).email}
    emailed = AuditEvent.objects.filter(event_type="NOTIFICATION_EMAILED")
    assert emailed.count() == 1
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("opentrm")]
    assert ours == ["notification e-mail failed: SMTPRecipientsRefused"]  # no address


def test_opening_a_notification_again_keeps_the_time_it_was_first_read(world: World) -> None:
    actor = world.actor(Role.CASEWORKER)
    (told,) = _told(world, Role.CASEWORKER)
    first = notification_open(actor=actor, notification_id=told).read_at
    assert first is not None
    assert notification_open(actor=actor, notification_id=told).read_at == first


def test_mark_all_read_marks_only_the_users_own_notifications(world: World) -> None:
    mine, theirs = _told(world, Role.CASEWORKER, Role.CASE_MANAGER)
    client = Client()
    client.force_login(world.user(Role.CASEWORKER))
    response = client.post(reverse("notifications:notifications_read"))
    assert response.status_code == 302
    assert Notification.objects.get(pk=mine).read_at is not None
    assert Notification.objects.get(pk=theirs).read_at is None
