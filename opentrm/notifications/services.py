"""Writes of the notifications app: notify, mark read, choose e-mail, send the e-mails.

``notify`` is called by the receivers (``receivers.py``) inside the transaction of the step
that caused it, so a notification exists if and only if the step is committed. E-mails go
after the commit (``transaction.on_commit``), at once: an immediate-danger alert cannot wait
for a daily digest. An e-mail carries the kind, the reference and a link, nothing else: it
leaves the system's protection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.accounts.models import User
from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.notifications.models import EmailChoice, Kind, Notification, Preference

logger = logging.getLogger(__name__)


def notify(
    *, recipients: Iterable[User], kind: Kind, reference: str, path: str, actor_id: int | None
) -> list[Notification]:
    """One notification per recipient (never the user who acted), e-mailed after the commit
    to those who want it."""
    # One INSERT for all the recipients (a focal point's members are told together).
    created = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, reference=reference, path=path)
        for user in {user.pk: user for user in recipients if user.pk != actor_id}.values()
    )
    if created:
        ids = [notification.pk for notification in created]
        transaction.on_commit(lambda: email_notifications(ids))
    return created


def wants_email(user: User, kind: str, choice: str) -> bool:
    """Whether ``user``, whose e-mail preference is ``choice``, wants a notification of
    ``kind`` e-mailed."""
    if not user.email:
        return False
    if kind == Kind.IMMEDIATE_DANGER:
        return True
    return choice == EmailChoice.EVERY


def email_notifications(notification_ids: list[int]) -> int:
    """E-mail each notification whose recipient wants it; returns how many were sent. A
    transport error is logged (ids only) and does not undo the step that caused it."""
    sent = 0
    notifications = list(
        Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    )
    # Every recipient's choice in one query (a user without a preference row chose the default).
    choices = dict(
        Preference.objects.filter(
            user_id__in={notification.recipient_id for notification in notifications}
        ).values_list("user_id", "email")
    )
    wanted = [
        notification
        for notification in notifications
        if wants_email(
            notification.recipient,
            notification.kind,
            choices.get(notification.recipient_id, EmailChoice.IMMEDIATE_DANGER),
        )
    ]
    if not wanted:
        return 0
    connection = get_connection()  # one SMTP session for all the recipients of one step
    try:
        connection.open()
    except Exception as error:  # the server is down: the in-app notifications stay
        _failed(error, wanted[0])
        return 0
    try:
        for notification in wanted:
            try:
                _message(notification, connection).send()
            except Exception as error:  # any transport error: go on with the others
                _failed(error, notification)
                continue
            sent += 1
            record_event(
                event_type=EventType.NOTIFICATION_EMAILED,
                actor=None,
                target=notification,
                detail={"kind": notification.kind, "user_id": notification.recipient_id},
            )
    finally:
        connection.close()
    return sent


def _failed(error: Exception, notification: Notification) -> None:
    """Log the failure by type and ids: an SMTP error's text may hold the address."""
    logger.error(
        "notification e-mail failed: %s",
        type(error).__name__,
        extra={"notification": notification.pk},
    )


def _message(notification: Notification, connection: Any) -> EmailMessage:
    user = notification.recipient
    link = settings.OPENTRM_BASE_URL + reverse(
        "notifications:notification_open", args=[notification.pk]
    )
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        kind = Kind(notification.kind).label
        subject = _("OpenTRM: %(kind)s") % {"kind": kind}
        body = render_to_string(
            "notifications/notification_email.txt",
            {"kind": kind, "link": link, "node": settings.OPENTRM_NODE_NAME},
        )
    return EmailMessage(subject=subject, body=body, to=[user.email], connection=connection)


def notification_open(*, actor: Actor, notification_id: int) -> Notification:
    """The actor's own notification, marked read (404 for anyone else's)."""
    notification = Notification.objects.filter(pk=notification_id, recipient=actor.user).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: Actor) -> int:
    return Notification.objects.filter(recipient=actor.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, actor: Actor, email: str) -> Preference:
    preference, _created = Preference.objects.update_or_create(
        user=actor.user, defaults={"email": EmailChoice(email)}
    )
    record_event(
        event_type=EventType.NOTIFICATION_PREFERENCE_CHANGED,
        actor=actor,
        target=preference,
        changed_fields=["email"],
        detail={"email": preference.email},
    )
    return preference
