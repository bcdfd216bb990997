"""Texts the system generates, stored as a key + parameters and worded when read, in the
reader's language (issue 12 §5): ``cases.task_titles``, ``referrals.event_notes``."""

from collections.abc import Callable, Mapping
from typing import Any


def render_keyed(
    table: Mapping[str, Callable[[Any], str]], key: str, params: Mapping[str, Any]
) -> str | None:
    """The text of ``key`` in the active language, or None for an unknown key or parameters
    that no longer fit it (the caller shows the stored text instead)."""
    render = table.get(key)
    if render is None:
        return None
    try:
        return render(params)
    except (KeyError, ValueError, TypeError):
        return None


def keyed_or_stored(
    render: Callable[[str, Any], str | None], key: str, params: Any, stored: str
) -> str:
    """What a row with a keyed text shows: ``render`` of its key in the active language, or
    the stored (node-language) text for a text typed by hand or a key that no longer renders."""
    if key:
        rendered = render(key, params)
        if rendered is not None:
            return rendered
    return stored
