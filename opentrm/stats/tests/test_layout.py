"""Layout of the charts and the annual report: a long label is drawn whole, left of the bars
(wrapped, never past the chart's edge); a table's caption never ends a page without its
table (issue 15, layout defects)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from django.template.loader import render_to_string
from weasyprint import HTML

from opentrm.stats.charts import LABEL_CHARS, LABEL_WIDTH, bar_chart, label_lines

LONG = "Democratic Republic of the Congo (Kinshasa), northern provinces and territories"


def test_a_long_label_is_wrapped_whole_and_fits_left_of_the_bars() -> None:
    svg = bar_chart("Title", [LONG, "AL", "x" * 70], [("2025", [12, 30, None])])

    labels = re.findall(r'<text text-anchor="end" class="stats-label">(.*?)</text>', svg)
    lines = [re.findall(r"<tspan[^>]*>(.*?)</tspan>", label) for label in labels]
    assert [" ".join(found) for found in lines[:2]] == [LONG, "AL"]
    assert "".join(lines[2]) == "x" * 70  # a word too long for a line: cut, nothing lost
    assert len(lines[0]) == 3
    assert all(len(line) <= LABEL_CHARS for found in lines for line in found)
    # at 11 px no character is wider than 7 px on average: the label ends inside the chart
    assert LABEL_CHARS * 7 < LABEL_WIDTH - 8
    ys = [int(y) for y in re.findall(r'<tspan x="\d+" y="(\d+)"', svg)]
    assert ys == sorted(ys)
    assert len(set(ys)) == len(ys)  # no line drawn over another


def test_label_lines_keeps_short_labels_on_one_line() -> None:
    assert label_lines("Female") == ["Female"]
    assert label_lines("") == [""]
    assert label_lines("a b", width=1) == ["a", "b"]


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "table.pdf"
    path.write_bytes(pdf)
    return [
        subprocess.run(
            ["/usr/bin/pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for n in (1, 2)
    ]


def test_a_table_caption_is_never_left_alone_at_the_foot_of_a_page(tmp_path: Path) -> None:
    """The report's table style, a table pushed down the page a few millimetres at a time: at
    every height its caption is on the page of its first row."""
    style = render_to_string("stats/_report_table_style.html")
    rows = "".join(f"<tr><th>row {n}</th><td>{n}</td></tr>" for n in range(8))
    orphaned = []
    for filler in range(236, 256, 2):  # where the caption used to stay behind (A4, margins)
        html = (
            f"<html><head><style>@page {{ size: A4; margin: 18mm 15mm 20mm; }} {style}</style>"
            f'</head><body><div style="height: {filler}mm">filler</div><table>'
            "<caption>Caption of the table</caption><thead><tr><th>Value</th><th>2025</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></body></html>"
        )
        pages = _pages(HTML(string=html).write_pdf(), tmp_path)
        if not any("Caption of the table" in page and "row 0" in page for page in pages):
            orphaned.append(filler)
    assert orphaned == []
