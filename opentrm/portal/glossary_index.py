"""The glossary's terms by language, for the tooltips on form labels (design: "glossary terms
appear as tooltips in forms"). Read once per language and kept in the cache for a few minutes,
so a form with twenty fields costs no query; a change of the glossary forgets it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from opentrm.portal.models import GlossaryText

TIMEOUT = 300


@dataclass(frozen=True)
class Tip:
    slug: str
    name: str
    definition: str


def _key(language: str) -> str:
    return f"opentrm:portal:glossary:{language}"


def tips(language: str) -> list[Tip]:
    """The terms of ``language``, longest name first (so "Presumed victim" wins over "Victim")."""
    found: list[Tip] | None = cache.get(_key(language))
    if found is None:
        rows = GlossaryText.objects.filter(language=language).values_list(
            "term__slug", "name", "definition"
        )
        found = sorted((Tip(*row) for row in rows), key=lambda tip: -len(tip.name))
        cache.set(_key(language), found, TIMEOUT)
    return found


def tip_for(label: str, language: str) -> Tip | None:
    """The glossary term a form label names, if any (whole words, any case)."""
    text = label.casefold()
    for tip in tips(language):
        if re.search(rf"(?<!\w){re.escape(tip.name.casefold())}(?!\w)", text):
            return tip
    return None


def forget() -> None:
    cache.delete_many([_key(code) for code, _name in settings.LANGUAGES])
