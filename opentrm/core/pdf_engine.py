"""The WeasyPrint half of ``core.pdf``, imported only when a PDF is made.

WeasyPrint loads the Pango system library when it is imported; keeping it here lets a node
without Pango run everything but PDF output (``core.pdf.render`` then says what is missing).
"""

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# WeasyPrint logs every rendering step at INFO; the node's log wants its warnings only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Shared by every document; a template adds its own rules in its <head>.
BASE_CSS = """
@page {
  size: A4;
  margin: 16mm 14mm 18mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; }
}
html {
  font-family: "DejaVu Sans", "Noto Sans", sans-serif;
  font-size: 9pt;
  line-height: 1.35;
  color: #111;
}
"""


# The accessible variant: structure tags plus the PDF/UA identification in the metadata.
PDF_VARIANT = "pdf/ua-1"


class ResourceRefusedError(ValueError):
    """A document asked for a resource that is not a local file under an allowed folder."""


class LocalOnlyFetcher(URLFetcher):
    """Serves ``data:`` URLs and ``file:`` URLs under ``roots``; refuses everything else.

    WeasyPrint catches the refusal, logs a warning and renders without the resource.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots):
                return super().fetch(url, headers)
        raise ResourceRefusedError(
            f"resource refused: {scheme or 'relative'} URL outside the allowed folders"
        )


def _roots(base_url: str | None) -> list[Path]:
    roots = [STATIC_DIR]
    static_root = getattr(settings, "STATIC_ROOT", None)
    if static_root:
        roots.append(Path(static_root))
    if base_url and urlsplit(base_url).scheme == "file":
        base = Path(url2pathname(urlsplit(base_url).path))
        roots.append(base if base_url.endswith("/") else base.parent)
    return roots


def write_pdf(
    template_name: str,
    context: Mapping[str, Any],
    *,
    base_url: str | None = None,
    stylesheets: Iterable[str] = (),
) -> bytes:
    """See ``core.pdf.render``."""
    base_url = base_url or STATIC_DIR.as_uri() + "/"
    html = render_to_string(template_name, dict(context))
    fetcher = LocalOnlyFetcher(_roots(base_url))
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    css = [CSS(string=BASE_CSS, url_fetcher=fetcher)]
    css += [CSS(string=text, base_url=base_url, url_fetcher=fetcher) for text in stylesheets]
    # Tagged, PDF/UA-1: a screen reader follows headings, tables and reading order, and the
    # document declares its title and language (WeasyPrint takes both from the HTML).
    pdf: bytes = document.write_pdf(stylesheets=css, pdf_variant=PDF_VARIANT)
    return pdf
