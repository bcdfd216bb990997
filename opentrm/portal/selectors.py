"""Reads of the portal, always from what the reader may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation

from opentrm.accounts.policy import Action, Actor, can
from opentrm.directory.models import Country, Function, Responsibility
from opentrm.directory.reference import country_name
from opentrm.portal.models import (
    GlossaryTerm,
    GlossaryText,
    NationalTerm,
    Resource,
    ResourceKind,
    Visibility,
)


def glossary_texts(language: str) -> QuerySet[GlossaryText]:
    return GlossaryText.objects.filter(
        language=language, term__visibility=Visibility.PUBLIC
    ).select_related("term")


def public_term(slug: str) -> GlossaryTerm:
    term = GlossaryTerm.objects.filter(slug=slug, visibility=Visibility.PUBLIC).first()
    if term is None:
        raise Http404
    return term


def term_context(term: GlossaryTerm, language: str) -> dict[str, Any]:
    texts = {text.language: text for text in term.texts.all()}
    if language not in texts:
        raise Http404
    names = country_names(language)
    national = [
        (names.get(item.country.code, item.country.code), item)
        for item in term.national.select_related("country").order_by("country__code", "name")
    ]
    return {
        "term": term,
        "text": texts[language],
        "others": [text for code, text in sorted(texts.items()) if code != language],
        "national": national,
        "revisions": list(term.revisions.values_list("version", "created_at")),
    }


def country_names(language: str) -> dict[str, str]:
    with translation.override(language):
        return {code: country_name(code) for code in Country.objects.values_list("code", flat=True)}


def resource_list(*, actor: Actor | None, filters: Mapping[str, str]) -> list[Resource]:
    """The library items the reader may see, by type, language and country when asked."""
    items = Resource.objects.visible_to(actor).select_related("country", "owner")
    kind = filters.get("kind", "")
    if kind in ResourceKind.values:
        items = items.filter(kind=kind)
    language = filters.get("language", "")
    if language:
        items = items.filter(language=language)
    country = filters.get("country", "")
    if country:
        items = items.filter(country__code=country.upper())
    return list(items.order_by("kind", "title", "id")[:500])


def library_filters(query: Mapping[str, str]) -> dict[str, Any]:
    """What the library's filter form shows: the choices and the reader's current filters."""
    return {
        "kinds": ResourceKind.choices,
        "item_languages": settings.LANGUAGES,
        "filters": {name: query.get(name, "") for name in ("kind", "language", "country")},
    }


CONTACT_FUNCTIONS = (Function.NATIONAL_COORDINATOR, Function.NATIONAL_FOCAL_POINT)


def country_contacts(country: Country) -> list[Responsibility]:
    """The national coordinator and focal point of the country, as the directory lists them."""
    return list(
        Responsibility.objects.filter(country=country, function__in=CONTACT_FUNCTIONS)
        .select_related("organisation", "contact_point")
        .prefetch_related("contact_point__channels")
        .order_by("function", "pk")
    )


def national_rows(actor: Actor, term: GlossaryTerm) -> list[tuple[NationalTerm, bool]]:
    """The term's national terms, each with whether the actor may remove it."""
    return [
        (item, can(actor, Action.PORTAL_EDIT, item))
        for item in term.national.select_related("country").order_by("country__code", "name")
    ]
