"""Country and language codes shown as names in the reader's language: ``{{ code|country }}``."""

from django import template

from opentrm.directory import reference

register = template.Library()


@register.filter
def country(code: str | None) -> str:
    """ "MD" -> "Moldova"; an empty value stays empty (``|default`` still applies)."""
    return reference.country_name(code) if code else ""


@register.filter
def language(code: str | None) -> str:
    return reference.language_name(code) if code else ""
