"""Optional log-in through a national identity provider (OpenID Connect), with
mozilla-django-oidc (docs/security-authentication.md, "OpenID Connect").

Off unless OPENTRM_OIDC_ENABLED. The provider proves who the person is; OpenTRM decides what she
may do: only an existing, active user whose user name equals the provider's claim
(OPENTRM_OIDC_USERNAME_CLAIM) is logged in, and no account is ever created from a claim
(memberships stay the administrators' four-eyes work). The second factor is asked as after a
password log-in.
"""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from opentrm.accounts.models import User


class NationalIdentityBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        name = str(claims.get(settings.OPENTRM_OIDC_USERNAME_CLAIM) or "")
        if not name:
            return User.objects.none()
        return User.objects.filter(username=name, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> None:
        return None  # never: accounts are made by administrators


def _enabled() -> None:
    if not settings.OPENTRM_OIDC_ENABLED:
        raise Http404


def oidc_start(request: HttpRequest) -> HttpResponseBase:
    """Off: 404. On: a redirect to the provider (state, nonce and PKCE in the session)."""
    _enabled()
    return OIDCAuthenticationRequestView.as_view()(request)


def oidc_callback(request: HttpRequest) -> HttpResponseBase:
    """The provider's redirect back: the code is exchanged and the ID token checked."""
    _enabled()
    return OIDCAuthenticationCallbackView.as_view()(request)
