"""Audit events for authentication, which Django and django-axes announce by signal."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from opentrm.accounts.models import User
from opentrm.accounts.policy import actor_for
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record_event(event_type=EventType.USER_LOGGED_IN, actor=actor_for(user, None))


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        record_event(event_type=EventType.USER_LOGGED_OUT, actor=actor_for(user, None))


@receiver(user_login_failed)
def audit_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The attempted user name may be a mistyped password: it is not recorded.
    record_event(event_type=EventType.USER_LOGIN_FAILED, actor=None)


@receiver(user_locked_out)
def audit_locked_out(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    user = User.objects.filter(username=kwargs.get("username") or "").first()
    record_event(
        event_type=EventType.USER_LOCKED_OUT, actor=actor_for(user, None) if user else None
    )
