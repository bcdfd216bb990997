from django.http import HttpRequest

from opentrm.accounts.policy import Action
from opentrm.accounts.session import current_actor


def actor(request: HttpRequest) -> dict[str, object]:
    """Expose the actor and what it may do, so templates ask instead of re-implementing rules."""
    current = current_actor(request)
    return {
        "actor": current,
        "can": {action.name: bool(current and current.may(action)) for action in Action},
    }
