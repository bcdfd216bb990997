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
