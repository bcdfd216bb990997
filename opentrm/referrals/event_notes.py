"""The notes the system writes on a referral's steps (issue 12 §5): stored as a key and
parameters, rendered in the reader's language. ``ReferralEvent.note`` keeps the node-language
text, shown for steps recorded before the keys and for any key this code no longer knows.

Parameters are plain JSON: node ids, references and field-group codes, never a translated text.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from opentrm.core.keyed_text import render_keyed

Params = Mapping[str, Any]

SHARING = "sharing"
SHARING_ON_NODE = "sharing_on_node"
ON_NODE = "on_node"
ON_NODE_AS = "on_node_as"
CONSENT_WITHDRAWN_ON_NODE = "consent_withdrawn_on_node"
RECEIVED_FROM_NODE = "received_from_node"
IMPORTED_FROM_FILE = "imported_from_file"


def _groups(codes: Sequence[str]) -> str:
    from opentrm.referrals.services.national import group_label

    return ", ".join(map(group_label, codes))


def _sharing(p: Params) -> str:
    parts = []
    if p.get("added"):
        parts.append(_("Now shared: %(groups)s") % {"groups": _groups(p["added"])})
    if p.get("removed"):
        parts.append(_("No longer shared: %(groups)s") % {"groups": _groups(p["removed"])})
    return "; ".join(parts)


NOTES: dict[str, Callable[[Params], str]] = {
    SHARING: _sharing,
    SHARING_ON_NODE: lambda p: _sharing(p) + " · " + NOTES[ON_NODE](p),
    ON_NODE: lambda p: _("On node %(node)s") % {"node": p["node"]},
    ON_NODE_AS: lambda p: (
        _("On node %(node)s as %(reference)s") % {"node": p["node"], "reference": p["reference"]}
    ),
    CONSENT_WITHDRAWN_ON_NODE: lambda p: (
        _("Consent withdrawn on node %(node)s: access narrowed") % {"node": p["node"]}
    ),
    RECEIVED_FROM_NODE: lambda p: (
        _("Received from node %(node)s as %(reference)s")
        % {"node": p["node"], "reference": p["reference"]}
    ),
    IMPORTED_FROM_FILE: lambda p: _("Imported from a file received from outside OpenTRM."),
}


def render_note(key: str, params: Params) -> str | None:
    """The note in the active language, or None for an unknown key or bad parameters."""
    return render_keyed(NOTES, key, params)


@dataclass(frozen=True)
class Note:
    """A note the system words: its key and parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The ``ReferralEvent`` fields: the key, the parameters, and the text in the node's
        language (what a reader sees should the key ever be unknown)."""
        with translation.override(settings.LANGUAGE_CODE):
            text = render_note(self.key, self.params) or ""
        return {"note": text[:300], "note_key": self.key, "note_params": self.params}


def no_note() -> dict[str, Any]:
    return {"note": "", "note_key": "", "note_params": {}}
