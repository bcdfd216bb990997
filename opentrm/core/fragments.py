"""Parts of every page that depend on a few values only (the main navigation for a set of
permissions, the language list for a language), rendered once per process for each set of
values instead of once per request: 20 ``{% url %}`` and ``{% if %}`` a page cost as much as
a list page's rows (issue 18)."""

from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

_MAX = 1024  # sets of values kept; a node has a handful of roles and languages
_rendered: dict[tuple[Hashable, ...], SafeString] = {}


def fragment(
    template_name: str, key: Hashable, context: Callable[[], dict[str, Any]]
) -> SafeString:
    """``template_name`` rendered with ``context()``, which must depend on ``key`` only: once
    per process for each key, language and URL prefix (``{% url %}`` gives the same for the
    same ones). Uncached with ``DEBUG``, where a template may change under a running server."""
    if settings.DEBUG:
        return mark_safe(render_to_string(template_name, context()))  # noqa: S308 - a template
    full_key = (template_name, key, get_language(), get_script_prefix(), get_urlconf())
    html = _rendered.get(full_key)
    if html is None:
        if len(_rendered) >= _MAX:
            _rendered.clear()
        html = _rendered[full_key] = mark_safe(  # noqa: S308 - a template's output
            render_to_string(template_name, context())
        )
    return html


@receiver(setting_changed)
def _forget(**_kwargs: Any) -> None:
    """A test's changed settings (languages, URLs, templates) give other fragments."""
    _rendered.clear()
