"""Bar charts as SVG drawn on the server: no script, no style attribute, so the page keeps its
Content-Security-Policy. The chart draws exactly the figures of the table under it (the
protected ones); a suppressed figure is drawn as no bar and labelled "x"."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from opentrm.stats.disclosure import SUPPRESSED_MARK
from opentrm.stats.selectors import Table

BAR = 14
GAP = 6
LABEL_WIDTH = 220
PLOT_WIDTH = 360
VALUE_WIDTH = 60
# A label longer than this many characters goes on several lines (at 11 px a character is
# at most about 7 px wide on average: 30 fit left of the bars); a longer word is cut.
LABEL_CHARS = 30
LINE = 12


def label_lines(label: str, width: int = LABEL_CHARS) -> list[str]:
    """``label`` wrapped at spaces into lines of at most ``width`` characters (a word longer
    than that split across lines): nothing of it left out, nothing past the chart's edge."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not lines:
        lines.append(current)
    return lines


def table_chart(table: Table, title: str, *, style: str = "") -> SafeString:
    """The chart of a dashboard table: this period and, where compared, the previous one.
    ``style``: a ``<style>`` element carried inside the SVG (the PDF has no page CSS for it)."""
    series = [(table.filters.label(), [row.current for row in table.rows])]
    if table.compares:
        series.append((table.filters.previous().label(), [row.previous for row in table.rows]))
    return bar_chart(title, [row.label for row in table.rows], series, style=style)


def bar_chart(
    title: str,
    labels: list[str],
    series: list[tuple[str, list[int | None]]],
    *,
    style: str = "",
) -> SafeString:
    """Horizontal bars: one group per label, one bar per series (this period, the previous).

    ``aria-labelledby`` names the chart; the table under it is the accessible form of the
    numbers, so the SVG is a picture with a title (``role="img"``)."""
    largest = max([v for _name, values in series for v in values if v] or [1])
    bars = len(series) * (BAR + 2)
    wrapped = [label_lines(label) for label in labels]
    tops = [0]
    for lines in wrapped:  # a group as high as its bars or its label's lines
        tops.append(tops[-1] + max(bars, BAR + LINE * (len(lines) - 1) + 2) + GAP)
    legend_y = tops[-1] + 18
    height = legend_y + len(series) * 18
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg class="stats-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        style,
    ]
    for n, label in enumerate(labels):
        top = tops[n]
        spans = "".join(
            f'<tspan x="{LABEL_WIDTH - 8}" y="{top + BAR + LINE * i}">{escape(line)}</tspan>'
            for i, line in enumerate(wrapped[n])
        )
        parts.append(f'<text text-anchor="end" class="stats-label">{spans}</text>')
        for s, (name, values) in enumerate(series):
            value = values[n]
            y = top + s * (BAR + 2)
            length = 0 if not value else max(1, round(PLOT_WIDTH * value / largest))
            shown = SUPPRESSED_MARK if value is None else str(value)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR}" '
                f'class="stats-bar stats-series-{s}" data-value="{shown}">'
                f"<title>{escape(label)}, {escape(name)}: {shown}</title></rect>"
            )
            parts.append(
                f'<text x="{LABEL_WIDTH + length + 4}" y="{y + BAR - 3}" '
                f'class="stats-value" data-series="{s}">{shown}</text>'
            )
    for s, (name, _values) in enumerate(series):  # one line each: a period's name is long
        y = legend_y + s * 18
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y - 10}" width="12" height="12" '
            f'class="stats-bar stats-series-{s}"></rect>'
            f'<text x="{LABEL_WIDTH + 16}" y="{y}" class="stats-label">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped
