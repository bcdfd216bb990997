"""Titles of the documents the system names (issue 12 §5): stored as a key and parameters,
rendered in the reader's language. ``CaseDocument.title`` keeps the node-language text, shown for
titles typed by hand and for any key this code no longer knows.

Parameters are plain JSON (codes), never a translated text.
"""

from collections.abc import Callable, Mapping

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from opentrm.cases.models import ConsentPurpose
from opentrm.core.keyed_text import render_keyed

Params = Mapping[str, str]

SIGNED_CONSENT_FORM = "signed_consent_form"


def _purpose(value: str) -> str:
    try:
        return str(ConsentPurpose(value).label)
    except ValueError:
        return value


TITLES: dict[str, Callable[[Params], str]] = {
    SIGNED_CONSENT_FORM: lambda p: (
        _("Signed consent form: %(purpose)s") % {"purpose": _purpose(p["purpose"])}
    ),
}


def render_title(key: str, params: Params) -> str | None:
    """The title in the active language, or None for an unknown key or bad parameters."""
    return render_keyed(TITLES, key, params)


def node_title(key: str, params: Params) -> str:
    """The title in the node's language: what ``CaseDocument.title`` stores beside the key."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_title(key, params) or ""
