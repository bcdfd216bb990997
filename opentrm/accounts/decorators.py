"""The gate every HTML view goes through."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from opentrm.accounts.http import admit
from opentrm.accounts.policy import Action, active_memberships
from opentrm.accounts.session import current_actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event

View = Callable[..., HttpResponse]


def actor_required(action: Action) -> Callable[[View], View]:
    """Let the request through only for a member acting with a role that may do ``action``.

    Anonymous users go to the login page; users with several memberships and none chosen go
    to the organisation chooser; anyone else without the permission gets 403, and the refusal
    is audited.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = current_actor(request)
            assert actor is not None
            if not actor.is_member:
                if len(active_memberships(actor.user)) > 1:
                    return redirect("accounts:choose_organisation")
                raise PermissionDenied
            if not actor.may(action):
                record_event(
                    event_type=EventType.ACCESS_DENIED,
                    actor=actor,
                    detail={"action": action.value, "view": view.__name__},
                )
                raise PermissionDenied
            return view(admit(request, actor), *args, **kwargs)

        return wrapped

    return decorator
