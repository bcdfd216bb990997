"""Full-text search across the portal: glossary, SOP guides, country profiles, the library.

On PostgreSQL the glossary is searched with the text-search configuration of the page's
language (stemming: "trafficked" finds "trafficking"); PostgreSQL ships no Albanian
configuration, so Albanian uses ``opentrm_sq`` ('simple' with ``unaccent``, made by the
migration where the extension can be created, else plain 'simple'), and Serbian uses
'serbian' where the server has it. Profiles and library items are written in any language and
are searched with 'simple' (every word as written, no stemming). On SQLite every word of the
query must appear in the text (case-insensitive). The SOP guides are the measure catalogue,
held in memory: they are searched in Python, accents ignored.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse

from opentrm.accounts.policy import Actor
from opentrm.catalogue.loader import load_catalogue
from opentrm.portal.models import CountryProfile, GlossaryText, Resource, Visibility

MAX_HITS = 50
_PREFERRED = {"en": "english", "ro": "romanian", "sr": "serbian", "sq": "opentrm_sq"}


@dataclass(frozen=True)
class Hit:
    kind: str  # glossary, sop, profile, resource
    title: str
    excerpt: str
    url: str


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@cache
def _configs() -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        return frozenset(row[0] for row in cursor.fetchall())


def config_for(language: str) -> str:
    """The PostgreSQL text-search configuration for ``language`` ('simple' when missing)."""
    wanted = _PREFERRED.get(language, "simple")
    return wanted if wanted in _configs() else "simple"


def _words(query: str) -> list[str]:
    return [word for word in query.split() if word][:10]


def _contains_all(queryset: QuerySet[Any], fields: tuple[str, ...], query: str) -> QuerySet[Any]:
    for word in _words(query):
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


def _full_text(
    queryset: QuerySet[Any], fields: tuple[str, ...], query: str, config: str
) -> QuerySet[Any]:
    vector = SearchVector(*fields, config=config)
    search = SearchQuery(query, config=config, search_type="websearch")
    matched: QuerySet[Any] = (
        queryset.annotate(search=vector, rank=SearchRank(vector, search))
        .filter(search=search)
        .order_by("-rank")
    )
    return matched


def _matching(
    queryset: QuerySet[Any], fields: tuple[str, ...], query: str, config: str
) -> QuerySet[Any]:
    if on_postgresql():
        return _full_text(queryset, fields, query, config)
    return _contains_all(queryset, fields, query)


def glossary_matches(query: str, language: str) -> QuerySet[GlossaryText]:
    texts = GlossaryText.objects.filter(
        language=language, term__visibility=Visibility.PUBLIC
    ).select_related("term")
    config = config_for(language) if on_postgresql() else "simple"
    return _matching(texts, ("name", "definition"), query, config)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def sop_matches(query: str, language: str) -> list[Hit]:
    """Measures of the catalogue whose name or guidance holds every word (current language)."""
    words = [_folded(word) for word in _words(query)]
    hits = []
    for sop in load_catalogue().sops:
        for measure in sop.measures:
            g = measure.guidance
            text = _folded(" ".join([measure.name, g.what, g.when, g.who, g.how]))
            if words and all(word in text for word in words):
                url = reverse("portal:sop_guide", args=[language, sop.code])
                hits.append(
                    Hit("sop", f"{sop.name}: {measure.name}", g.what, f"{url}#{measure.code}")
                )
    return hits


PROFILE_TEXT = (
    "legislation",
    "criminal_code_articles",
    "national_action_plan",
    "nrm_status",
    "sop_status",
    "instruments",
    "social_protection",
    "labour_regulations",
    "request_routes",
)


def portal_search(query: str, language: str, actor: Actor | None) -> list[Hit]:
    """Everything the reader may see that matches, glossary first. ``actor`` None: a visitor."""
    query = query.strip()[:200]
    if not _words(query):
        return []
    hits: list[Hit] = [
        Hit(
            "glossary",
            text.name,
            text.definition,
            reverse("portal:glossary_term", args=[language, text.term.slug]),
        )
        for text in glossary_matches(query, language)[:MAX_HITS]
    ]
    hits += sop_matches(query, language)
    profiles = CountryProfile.objects.select_related("country")
    if actor is None or not actor.is_member:
        profiles = profiles.filter(visibility=Visibility.PUBLIC)
    for profile in _matching(profiles, PROFILE_TEXT, query, "simple")[:MAX_HITS]:
        hits.append(
            Hit(
                "profile",
                profile.country.code,
                profile.legislation[:200],
                reverse("portal:country_profile", args=[language, profile.country.code]),
            )
        )
    resources = Resource.objects.visible_to(actor).select_related("country")
    for item in _matching(resources, ("title", "description"), query, "simple")[:MAX_HITS]:
        hits.append(
            Hit(
                "resource",
                item.title,
                item.description[:200],
                reverse("portal:resource_file", args=[item.pk]),
            )
        )
    return hits
