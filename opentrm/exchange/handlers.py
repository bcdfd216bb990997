"""What happens to a package once it is stored: one handler per message type.

The inbox stores each package exactly once, then (after the commit) calls ``dispatch``. A type
without a handler stays unprocessed (``processed_at`` empty) until one is registered; a handler
that fails leaves the stored message as it is, and the worker tries it again later
(``services.processing``).

    @register(MessageType.REFERRAL)
    def receive_referral(message: InboxMessage) -> None: ...
"""

from collections.abc import Callable

from opentrm.exchange.models import InboxMessage

Handler = Callable[[InboxMessage], None]

_HANDLERS: dict[str, Handler] = {}


def register(type: str) -> Callable[[Handler], Handler]:
    """Make the decorated function the handler of messages of ``type``."""

    def decorator(func: Handler) -> Handler:
        _HANDLERS[str(type)] = func
        return func

    return decorator


def registered_types() -> list[str]:
    """The message types that have a handler."""
    return sorted(_HANDLERS)


def handler_for(type: str) -> Handler | None:
    return _HANDLERS.get(str(type))


def dispatch(message: InboxMessage) -> None:
    """Hand ``message`` to its type's handler; without one it stays unprocessed."""
    handler = handler_for(message.type)
    if handler is not None:
        handler(message)
