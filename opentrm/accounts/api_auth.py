"""How API callers are recognised: a personal token, or the browser session (with CSRF).

Each route names the action it needs (``member_auth(Action.X)``). The check runs together with
authentication, before the request body is parsed, so a caller without the role gets 403
whatever they send, and an unauthenticated caller gets 401 - never a CSRF or validation error.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from opentrm.accounts.client_address import client_address
from opentrm.accounts.http import admit
from opentrm.accounts.policy import Action, Actor
from opentrm.accounts.services import api_token_authenticate
from opentrm.accounts.session import current_actor
from opentrm.accounts.throttle import (
    API_TOKEN_DOOR,
    login_failure_record,
    login_success_record,
    login_wait,
)
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event


class NoActingOrganisation(PermissionDenied):
    """A logged-in user who acts for no organisation (none, or several and none chosen)."""


class CsrfFailed(PermissionDenied):
    """An unsafe request on the browser session without a valid CSRF token."""


def _admit(request: HttpRequest, actor: Actor, action: Action | None) -> Actor:
    """The actor, if it may do ``action``; otherwise refuse (and audit the refusal)."""
    if not actor.is_member:
        raise NoActingOrganisation
    if action is not None and not actor.may(action):
        match = request.resolver_match
        record_event(
            event_type=EventType.ACCESS_DENIED,
            actor=actor,
            detail={"action": action.value, "view": match.url_name if match else ""},
        )
        raise PermissionDenied
    admit(request, actor)
    return actor


class TokenThrottledError(HttpError):
    """Too many wrong tokens from this address: answered 429 with Retry-After."""

    def __init__(self, seconds: int) -> None:
        super().__init__(429, f"Too many wrong tokens from this address. Wait {seconds} seconds.")
        self.seconds = seconds


class TokenAuth(HttpBearer):
    """``Authorization: Bearer otrm_…``: a personal token, acting as its membership."""

    openapi_description = "Personal API token: `Authorization: Bearer otrm_…`"

    def __init__(self, action: Action | None = None) -> None:
        self.action = action
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        # After wrong tokens from this address, a wait during which no token is even looked at
        # (accounts/throttle.py): guessing a token gains nothing.
        address = client_address(request)
        wait, failures_on_record = login_wait(username=API_TOKEN_DOOR, address=address)
        if wait:
            raise TokenThrottledError(wait)
        actor = api_token_authenticate(token.strip())
        # A token of a role that no longer holds machine access (OPENTRM_API_TOKEN_ROLES)
        # authenticates nobody, as if it had been revoked.
        if actor is None or not actor.may(Action.API_TOKENS_OWN):
            login_failure_record(username=API_TOKEN_DOOR, address=address)
            return None
        if failures_on_record:
            login_success_record(username=API_TOKEN_DOOR, address=address)
        return _admit(request, actor, self.action)


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    param_name = "sessionid"
    openapi_description = "Browser session (send the CSRF token in `X-CSRFToken` for writes)"

    def __init__(self, action: Action | None = None) -> None:
        from django.conf import settings

        self.action = action
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a logged-in session there is nothing to protect: the caller gets 401 rather
        # than a CSRF error (an expired token on a POST must read as "unauthenticated").
        if not request.user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise CsrfFailed
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        actor = current_actor(request)
        if actor is None:
            return None
        return _admit(request, actor, self.action)


def member_auth(action: Action | None = None) -> list[AuthBase]:
    """Token first, then session; the caller must be a member who may do ``action``."""
    return [TokenAuth(action), SessionAuth(action)]


def acting(request: HttpRequest) -> Actor:
    """The actor an authenticated API request acts as."""
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Actor):
        raise PermissionDenied
    return actor
