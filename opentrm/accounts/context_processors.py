from collections.abc import Iterator, Mapping

from django.http import HttpRequest

from opentrm.accounts.policy import Action, Actor
from opentrm.accounts.session import current_actor


class Permissions(Mapping[str, bool]):
    """``can.CASE_VIEW`` for templates: whether the actor may perform an action, worked out
    when a template asks (a page asks for a dozen of the hundred and more actions; working
    them all out cost a third of a millisecond a request, issue 18)."""

    def __init__(self, actor: Actor | None) -> None:
        self._actor = actor
        self._known: dict[str, bool] = {}

    def __getitem__(self, name: str) -> bool:
        if name not in self._known:
            action = Action.__members__.get(name)
            if action is None:
                raise KeyError(name)
            self._known[name] = bool(self._actor and self._actor.may(action))
        return self._known[name]

    def __iter__(self) -> Iterator[str]:
        return iter(Action.__members__)

    def __len__(self) -> int:
        return len(Action.__members__)


def actor(request: HttpRequest) -> dict[str, object]:
    """Expose the actor and what it may do, so templates ask instead of re-implementing rules."""
    current = current_actor(request)
    return {"actor": current, "can": Permissions(current)}
