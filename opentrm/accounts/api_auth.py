"""How API callers are recognised: a personal token, or the browser session (with CSRF)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from opentrm.accounts.policy import Actor
from opentrm.accounts.services import api_token_authenticate
from opentrm.accounts.session import current_actor


class TokenAuth(HttpBearer):
    openapi_description = "Personal API token: `Authorization: Bearer otrm_…`"

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = api_token_authenticate(token)
        if actor is not None:
            request.actor = actor  # type: ignore[attr-defined]
        return actor


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    param_name = "sessionid"
    openapi_description = "Browser session (CSRF token required for writes)"

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        actor = current_actor(request)
        if actor is None:
            return None
        request.actor = actor  # type: ignore[attr-defined]
        return actor
