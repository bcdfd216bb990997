"""The actor of a browser request: the logged-in user and the membership chosen in the session."""

from typing import cast

from django.http import HttpRequest

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Actor, active_memberships, actor_for

MEMBERSHIP_SESSION_KEY = "opentrm_membership_id"


class _ActorCachingRequest(HttpRequest):
    _opentrm_actor: Actor
    _opentrm_memberships: tuple[int, list[Membership]]


def request_memberships(request: HttpRequest, user: User) -> list[Membership]:
    """The user's active memberships, read once per request: the second-factor middleware's
    privileges check and the actor share the one query (``policy.active_memberships``).
    Kept with the user's id: a log-in during the request changes the user."""
    cached: tuple[int, list[Membership]] | None = getattr(request, "_opentrm_memberships", None)
    if cached is None or cached[0] != user.pk:
        cached = (user.pk, active_memberships(user) if user.is_active else [])
        cast(_ActorCachingRequest, request)._opentrm_memberships = cached
    return cached[1]


def current_actor(request: HttpRequest) -> Actor | None:
    """The actor for this request (computed once per request), or None when logged out."""
    cached: Actor | None = getattr(request, "_opentrm_actor", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)  # absent when an error page renders early
    if user is None or not user.is_authenticated or not isinstance(user, User):
        return None
    actor = actor_for(
        user,
        request.session.get(MEMBERSHIP_SESSION_KEY),
        memberships=request_memberships(request, user),
    )
    cast(_ActorCachingRequest, request)._opentrm_actor = actor
    return actor


def set_acting_membership(request: HttpRequest, membership_id: int) -> None:
    request.session[MEMBERSHIP_SESSION_KEY] = membership_id
    if hasattr(request, "_opentrm_actor"):
        del request._opentrm_actor
