"""``{% glossary_tip label %}``: a form label's glossary term as a tooltip and a link to it."""

from datetime import date

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opentrm.portal.glossary_index import tip_for
from opentrm.portal.models import Reviewed

register = template.Library()


@register.simple_tag
def glossary_tip(label: object) -> SafeString | str:
    """After a label: a small link to the glossary entry whose title is the definition.

    Works without JavaScript (the browser shows the title on hover and focus; the link opens
    the entry), and says nothing when the label names no glossary term."""
    language = (get_language() or "en").split("-")[0]
    tip = tip_for(str(label or ""), language)
    if tip is None:
        return ""
    return format_html(
        ' <a class="glossary-tip" href="{}" title="{}: {}" aria-label="{}" target="_blank" '
        'rel="noopener">?</a>',
        reverse("portal:glossary_term", args=[language, tip.slug]),
        tip.name,
        tip.definition,
        _("Glossary: %(term)s") % {"term": tip.name},
    )


@register.filter
def lookup(mapping: dict[str, str], key: str) -> str:
    """``{{ names|lookup:code }}``: a country's name, or the code when the name is unknown."""
    return mapping.get(key, key)


@register.filter
def stale_on(item: Reviewed, today: date) -> bool:
    """Not reviewed for more than a year (or never): the page flags it."""
    return item.is_stale(today)
