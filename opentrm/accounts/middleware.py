"""Second factor and session rotation for every browser request of a logged-in user.

``SecondFactorMiddleware`` runs after Django's and django-otp's authentication middleware:

- when the user's memberships or roles changed since the session was last seen (an
  administrator granted a role, ended a membership), the session gets a new key and its second
  factor must be passed again (session rotation on privilege change, ASVS 3.2.1/3.3);
- when the user must pass a second factor (``mfa.second_factor_required``) and has not in this
  session, every page except the second-factor pages, log-out and static files answers with a
  redirect there (the API with 403), so no view can forget the check.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from opentrm.accounts import mfa
from opentrm.accounts.models import Membership, User
from opentrm.accounts.session import current_actor, request_memberships
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:mfa_verify"),
        reverse("accounts:mfa_setup"),
        reverse("accounts:security_key_options"),
        reverse("accounts:security_key_register_options"),
        reverse("accounts:security_key_register"),
        reverse("accounts:security_key_verify"),
        reverse("accounts:logout"),
        reverse("accounts:login"),
        reverse("set_language"),
        reverse("healthz"),
        settings.STATIC_URL,
    )


def _memberships(request: HttpRequest, user: User) -> list[Membership] | None:
    """The request's memberships (shared with its actor); an inactive user's from the
    database as before (``mfa._roles`` does not filter on the user's own flag)."""
    return request_memberships(request, user) if user.is_active else None


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session, so nobody logged in: the session is not even opened (a public page
            # stays free of "Vary: Cookie" and cacheable).
            return self.get_response(request)
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            self._rotate_on_privilege_change(request, user)
            refusal = self._second_factor_refusal(request, user)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _rotate_on_privilege_change(request: HttpRequest, user: User) -> None:
        # The memberships the actor of this request is made from: no query of its own.
        current = mfa.privileges_fingerprint(user, _memberships(request, user))
        seen = request.session.get(mfa.PRIVILEGES_SESSION_KEY)
        if seen is not None and seen != current:
            request.session.cycle_key()
            request.session.pop(DEVICE_ID_SESSION_KEY, None)  # pass the second factor again
            record_event(
                event_type=EventType.SESSION_ROTATED,
                actor=current_actor(request),
                target=user,
                detail={"reason": "privileges"},
            )
        if seen != current:
            request.session[mfa.PRIVILEGES_SESSION_KEY] = current

    @staticmethod
    def _second_factor_refusal(request: HttpRequest, user: User) -> HttpResponse | None:
        if mfa.is_verified(request) or not mfa.second_factor_required(
            user, _memberships(request, user)
        ):
            return None
        if request.path.startswith(_open_paths()):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "second_factor_required", "detail": "Pass the second factor first."},
                status=403,
            )
        target = "accounts:mfa_verify" if mfa.has_second_factor(user) else "accounts:mfa_setup"
        if request.method == "GET":
            return redirect_to_login(request.get_full_path(), login_url=reverse(target))
        return redirect(target)
