"""Audit events and log-in throttling for authentication, which Django announces by signal."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from opentrm.accounts import mfa
from opentrm.accounts.client_address import client_address
from opentrm.accounts.models import User
from opentrm.accounts.policy import actor_for
from opentrm.accounts.throttle import login_failure_record, login_success_record
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.middleware import mark_session_written


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record_event(event_type=EventType.USER_LOGGED_IN, actor=actor_for(user, None))
    if request is not None:
        login_success_record(username=user.get_username(), address=client_address(request))
        # The log-in writes the session: the privileges it is opened with go in now (so the
        # next request has nothing to write; mfa, session rotation), and the renewal clock
        # starts (SessionRenewalMiddleware).
        request.session[mfa.PRIVILEGES_SESSION_KEY] = mfa.privileges_fingerprint(user)
        mark_session_written(request.session)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        record_event(event_type=EventType.USER_LOGGED_OUT, actor=actor_for(user, None))


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The attempted user name may be a mistyped password: it is not recorded in the audit trail
    # (the throttle keeps it, with the address, only until a success or for a day).
    record_event(event_type=EventType.USER_LOGIN_FAILED, actor=None)
    if request is not None:
        login_failure_record(
            username=str(credentials.get("username") or ""), address=client_address(request)
        )
