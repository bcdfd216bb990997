"""The notes the system writes on a directory entry (issue 12 §5): stored as a key and
parameters, rendered in the reader's language. ``Organisation.notes`` keeps the node-language
text, shown should the key ever be unknown, and a note an editor writes replaces the key.

Parameters are plain JSON (a node id), never a translated text.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from opentrm.core.keyed_text import render_keyed

Params = Mapping[str, Any]

PLACEHOLDER_FROM_EXCHANGE = "placeholder_from_exchange"

NOTES: dict[str, Callable[[Params], str]] = {
    PLACEHOLDER_FROM_EXCHANGE: lambda p: (
        _("Created from the node exchange (peer %(node)s); complete or merge it.")
        % {"node": p["node"]}
    ),
}


def render_note(key: str, params: Params) -> str | None:
    """The note in the active language, or None for an unknown key or bad parameters."""
    return render_keyed(NOTES, key, params)


def node_note(key: str, params: Params) -> str:
    """The note in the node's language: what ``Organisation.notes`` stores beside the key."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_note(key, params) or ""


def reads_as(key: str, params: Params, text: str) -> bool:
    """Whether ``text`` is the note in one of the node's languages: a note read and sent back
    unchanged, in whatever language the editor read it."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            if render_note(key, params) == text:
                return True
    return False
