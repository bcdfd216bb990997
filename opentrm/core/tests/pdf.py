"""The text of a generated PDF as a reader sees it, for tests (poppler's ``pdftotext``)."""

import subprocess
from pathlib import Path


def pdf_text(content: bytes, tmp_path: Path) -> str:
    """``content``'s text, laid out as on the page."""
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["/usr/bin/pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
