"""The request type of views behind ``actor_required`` (and of API routes behind its auth).

``actor_required`` sets ``request.actor`` before it calls the view, so a view that takes an
``AuthenticatedHttpRequest`` reads ``request.actor``, ``request.membership`` and
``request.htmx`` with their types.
"""

from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from opentrm.accounts.models import Membership
from opentrm.accounts.policy import Actor
from opentrm.core.http import HtmxHttpRequest


class AuthenticatedHttpRequest(HtmxHttpRequest):
    actor: Actor
    membership: Membership  # the actor's, never None once admitted


def admit(request: HttpRequest, actor: Actor) -> AuthenticatedHttpRequest:
    """The same request, now carrying the member actor it was admitted as."""
    if actor.membership is None:  # callers admit members only; refuse rather than guess
        raise PermissionDenied
    admitted = cast(AuthenticatedHttpRequest, request)
    admitted.actor = actor
    admitted.membership = actor.membership
    return admitted
