"""The one PDF renderer: a Django template rendered to HTML, then to PDF by WeasyPrint.

Every printable document (contact lists now, referral forms later) goes through ``render``, so
they share fonts, page layout and, above all, the rule that rendering never reaches the
network: a node may sit in a closed government network, and a document built from user data
must not be able to make the server fetch a URL. Resources are read only from ``data:`` URLs
and from files under the package's static folder (or the folder ``base_url`` names). Fonts
come from the system (DejaVu, Noto), which cover Latin, Cyrillic and the other scripts the
node's languages need.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from opentrm.core.errors import DomainError


class PdfUnavailableError(DomainError):
    code = "pdf_unavailable"


def render(
    template_name: str,
    context: Mapping[str, Any],
    *,
    base_url: str | None = None,
    stylesheets: Iterable[str] = (),
) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes.

    ``base_url`` resolves relative links in the template (default: the package's static
    folder, so ``<img src="opentrm/logo.png">`` works); ``stylesheets`` are extra CSS texts.
    The active translation language is the one the caller set (``translation.override``).
    """
    try:
        from opentrm.core import pdf_engine
    except OSError as error:  # WeasyPrint could not load Pango
        raise PdfUnavailableError(
            _(
                "PDF output is not available on this server: it needs the Pango library "
                "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)."
            )
        ) from error
    return pdf_engine.write_pdf(template_name, context, base_url=base_url, stylesheets=stylesheets)
