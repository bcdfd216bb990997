from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from opentrm.core.fragments import fragment


def _language_options() -> SafeString:
    return fragment(
        "components/language_options.html", None, lambda: {"LANGUAGE_CODE": get_language()}
    )


def node(request: HttpRequest) -> dict[str, object]:
    """The node's name, for the page header and titles; the language list's options, rendered
    when a page prints them (``{{ language_options }}``), once per process for each language."""
    return {"node_name": settings.OPENTRM_NODE_NAME, "language_options": _language_options}
