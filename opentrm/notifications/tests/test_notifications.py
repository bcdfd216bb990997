"""Notifications: who is told of what, without personal data; read/unread; the e-mails."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import ConsentRecord
from opentrm.cases.services import consent_withdraw
from opentrm.cases.services.tasks import task_create
from opentrm.notifications.models import Kind, Notification
from opentrm.notifications.services import preference_set
from opentrm.referrals.services import national
from opentrm.referrals.tests.test_national import NAMES, make_scene, send
from opentrm.referrals.tests.test_receiving import receive
from opentrm.referrals.tests.test_requests import NAME, adult_case, focal_point, sent_request


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_tells_the_receiving_organisation_of_a_new_referral_and_not_the_sender(
    world: World,
) -> None:
    scene = make_scene(world)
    referral = send(scene)
    told = Notification.objects.get()
    assert told.recipient == scene.receiver.user
    assert told.kind == Kind.REFERRAL_RECEIVED
    assert told.reference == referral.reference
    page = _client(scene.receiver.user).get(reverse("notifications:notification_list"))
    text = page.content.decode()
    assert referral.reference in text
    for name in NAMES:
        assert name not in text
    assert 'data-unread="1"' in text


def test_a_referral_received_from_another_node_is_told_to_the_receivers(world: World) -> None:
    referral = receive(world)
    told = Notification.objects.filter(kind=Kind.REFERRAL_RECEIVED, reference=referral.reference)
    assert {n.recipient for n in told} == {
        world.user(role, org="b")
        for role in (Role.CASEWORKER, Role.POLICE_INVESTIGATOR, Role.PROSECUTOR, Role.GUARDIAN)
    }  # every member who may answer it, but the case manager who received it


def test_a_draft_is_told_of_only_when_sent(world: World) -> None:
    scene = make_scene(world)
    assert not Notification.objects.exists()
    send(scene)
    assert Notification.objects.count() == 1


def test_it_tells_the_sender_of_an_accept_and_of_a_decline(world: World) -> None:
    scene = make_scene(world)
    declined = send(scene)
    national.referral_decline(
        actor=scene.receiver, referral=declined, expected_version=declined.version, reason="Full."
    )
    accepted = send(scene)
    national.referral_accept(
        actor=scene.receiver, referral=accepted, expected_version=accepted.version
    )
    mine = Notification.objects.filter(recipient=scene.sender.user)
    assert sorted((n.kind, n.reference) for n in mine) == sorted(
        [
            (Kind.REFERRAL_ACCEPTED, accepted.reference),
            (Kind.REFERRAL_DECLINED, declined.reference),
        ]
    )


def test_an_immediate_danger_alert_is_emailed_at_once_without_personal_data(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    focal_point(world)
    case = adult_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        referral = sent_request(world, case, kind="immediate_danger")
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {Kind.IMMEDIATE_DANGER}
    assert mail.outbox, "nobody was e-mailed"
    for message in mail.outbox:
        assert NAME not in message.body
        assert referral.reference not in message.body  # a link only
        assert "/notifications/" in message.body
    assert AuditEvent.objects.filter(event_type="NOTIFICATION_EMAILED").count() == len(mail.outbox)


def test_other_notifications_are_emailed_only_to_who_asked(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    scene = make_scene(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = send(scene)
    assert mail.outbox == []
    national.referral_decline(
        actor=scene.receiver, referral=first, expected_version=first.version, reason="Full."
    )
    preference_set(actor=scene.receiver, email="every")
    with django_capture_on_commit_callbacks(execute=True):
        send(scene)
    assert [message.to for message in mail.outbox] == [[scene.receiver.user.email]]


def test_it_tells_a_colleague_of_a_task_assigned_to_her(world: World) -> None:
    scene = make_scene(world)
    colleague = world.user(Role.CASEWORKER)
    task_create(
        actor=world.actor(Role.CASE_MANAGER),
        case=scene.case,
        title="Call the shelter",
        due_on=timezone.localdate() + timedelta(days=2),
        assignee=colleague,
    )
    told = Notification.objects.get(kind=Kind.TASK_ASSIGNED)
    assert told.recipient == colleague
    assert told.reference == scene.case.number


def test_it_tells_the_case_managers_of_a_consent_withdrawal(world: World) -> None:
    scene = make_scene(world)
    consent = ConsentRecord.objects.filter(case=scene.case).first()
    assert consent is not None
    consent_withdraw(actor=world.actor(Role.CASEWORKER), consent=consent)
    told = Notification.objects.filter(kind=Kind.CONSENT_WITHDRAWN)
    assert {n.recipient for n in told} == {world.user(Role.CASE_MANAGER)}


def test_opening_a_notification_marks_it_read_and_leads_where_it_is_handled(
    world: World,
) -> None:
    scene = make_scene(world)
    referral = send(scene)
    told = Notification.objects.get()
    client = _client(scene.receiver.user)
    response = client.get(reverse("notifications:notification_open", args=[told.pk]))
    assert response["Location"] == reverse("referrals:referral_detail", args=[referral.public_id])
    told.refresh_from_db()
    assert told.read_at is not None
    page = client.get(reverse("notifications:notification_list")).content.decode()
    assert 'data-unread="0"' in page
    stranger = _client(world.user(Role.CASEWORKER))
    opened = stranger.get(reverse("notifications:notification_open", args=[told.pk]))
    assert opened.status_code == 404


def test_the_preference_page_saves_the_choice(world: World) -> None:
    client = _client(world.user(Role.CASEWORKER))
    url = reverse("notifications:preference_edit")
    assert client.post(url, {"email": "every"}).status_code == 302
    page = client.get(url).content.decode()
    assert re.search(r'value="every"[^>]*checked', page)
    assert not re.search(r'value="danger"[^>]*checked', page)


def test_a_mail_server_that_is_down_loses_no_notification_and_logs_no_address(
    world: World, django_capture_on_commit_callbacks: Any, caplog: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard: nothing listens
    settings.EMAIL_TIMEOUT = 2
    focal_point(world)
    case = adult_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        sent_request(world, case, kind="immediate_danger")
    assert Notification.objects.filter(kind=Kind.IMMEDIATE_DANGER).exists()
    assert "notification e-mail failed" in caplog.text
    assert "@" not in caplog.text
