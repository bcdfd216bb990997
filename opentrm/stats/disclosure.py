"""Statistical disclosure control: the ONE function every published figure passes (issue 15 §4).

``protect(counts)`` takes a table of true counts (rows x columns of non-negative integers) and
says which figures may be shown:

* primary suppression: a count from 1 to the threshold (``OPENTRM_STATS_THRESHOLD``, default
  10) is not shown; zero is shown;
* secondary suppression: every published total (a row's, a column's, the grand total) gives an
  equation; a line of cells whose total is shown never holds exactly one hidden figure, and
  never hidden figures that could only be 1 each (their sum equal to their number, since a
  hidden figure is never 0), so no hidden figure can be worked out from the totals;
* optional rounding (``OPENTRM_STATS_ROUNDING``, a base above 1): every shown figure becomes a
  multiple of the base, never one from 1 to the threshold.

Callers (dashboards, CSV/XLSX exports, the API, the HTCDS export, later the annual report and
the research app) show ``None`` as "x" and print ``Protected.rule`` next to the figures::

    from opentrm.stats.disclosure import protect

    table = protect([[12, 3], [40, 0]])  # two rows, two columns
    table.cells          # [[None, None], [40, 0]]: 3 hidden, 12 hidden with it
    table.column_totals  # [52, None]: 3 could be worked out from 52 and 40 otherwise ...
    table.rule           # the rule in the current language, for the export's footer

A one-dimensional list of counts is a table of one column: ``protect([[n] for n in counts],
row_totals=False)``. Durations and shares computed from a count are shown only where that
count is (``Protected.shown(i, j)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

SUPPRESSED_MARK = "x"

# A figure's place: ("c", i, j) a cell, ("r", i) a row total, ("k", j) a column total,
# ("g",) the grand total.
Ref = tuple[object, ...]


def threshold_setting() -> int:
    return int(getattr(settings, "OPENTRM_STATS_THRESHOLD", 10))


def rounding_setting() -> int:
    return int(getattr(settings, "OPENTRM_STATS_ROUNDING", 0) or 0)


@dataclass(frozen=True)
class Protected:
    """What may be shown of a table: ``None`` where a figure is suppressed.

    ``row_totals`` / ``column_totals`` are None when the caller does not publish them;
    ``grand_total`` is published only with both."""

    cells: list[list[int | None]]
    row_totals: list[int | None] | None
    column_totals: list[int | None] | None
    grand_total: int | None
    threshold: int
    rounding: int
    suppressed: int  # how many figures (cells and totals) are hidden

    def shown(self, row: int, column: int) -> bool:
        return self.cells[row][column] is not None

    @property
    def rule(self) -> str:
        return disclosure_rule(self.threshold, self.rounding)


def disclosure_rule(threshold: int | None = None, rounding: int | None = None) -> str:
    """The rule in words (current language), printed with every export."""
    threshold = threshold_setting() if threshold is None else threshold
    rounding = rounding_setting() if rounding is None else rounding
    text = _(
        "Disclosure control: counts from 1 to %(threshold)s are not shown (marked %(mark)s), "
        "nor further figures from which a hidden count could be worked out with the totals; "
        "zero is shown."
    ) % {"threshold": threshold, "mark": SUPPRESSED_MARK}
    if rounding > 1:
        text += " " + _("Figures shown are rounded to a multiple of %(base)s.") % {"base": rounding}
    return text


def protect(
    counts: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    threshold: int | None = None,
    rounding: int | None = None,
) -> Protected:
    """Apply the disclosure rules to ``counts`` (rows of non-negative integer counts).

    ``row_totals`` / ``column_totals``: whether the caller publishes them (they are computed
    here from the true counts, and protected as well). ``threshold`` and ``rounding`` default to
    the settings. The result never holds a count from 1 to the threshold, and no hidden figure
    follows from the shown ones by the equations of the published totals.
    """
    limit = threshold_setting() if threshold is None else threshold
    base = rounding_setting() if rounding is None else rounding
    table = [[int(v) for v in row] for row in counts]
    if any(v < 0 for row in table for v in row):
        raise ValueError("Counts are never negative.")
    width = max((len(row) for row in table), default=0)
    if any(len(row) != width for row in table):
        raise ValueError("Every row needs the same number of columns.")
    height = len(table)
    value, lines = _equations(table, width, row_totals=row_totals, column_totals=column_totals)
    hidden = _suppress(value, lines, limit)

    def shown(ref: Ref) -> int | None:
        return None if ref in hidden else _rounded(value[ref], base, limit)

    return Protected(
        cells=[[shown(("c", i, j)) for j in range(width)] for i in range(height)],
        row_totals=[shown(("r", i)) for i in range(height)] if row_totals else None,
        column_totals=[shown(("k", j)) for j in range(width)] if column_totals else None,
        grand_total=shown(("g",)) if row_totals and column_totals else None,
        threshold=limit,
        rounding=base,
        suppressed=len(hidden),
    )


def _equations(
    table: list[list[int]], width: int, *, row_totals: bool, column_totals: bool
) -> tuple[dict[Ref, int], list[tuple[list[Ref], Ref]]]:
    """Every figure by its place, and the lines of figures that add up to a published total."""
    height = len(table)
    value: dict[Ref, int] = {}
    for i, row in enumerate(table):
        for j, v in enumerate(row):
            value[("c", i, j)] = v
    lines: list[tuple[list[Ref], Ref]] = []  # (members, the total they add up to)
    if row_totals:
        for i in range(height):
            value[("r", i)] = sum(table[i])
            lines.append(([("c", i, j) for j in range(width)], ("r", i)))
    if column_totals:
        for j in range(width):
            value[("k", j)] = sum(table[i][j] for i in range(height))
            lines.append(([("c", i, j) for i in range(height)], ("k", j)))
    if row_totals and column_totals:
        value[("g",)] = sum(sum(row) for row in table)
        lines.append(([("r", i) for i in range(height)], ("g",)))
        lines.append(([("k", j) for j in range(width)], ("g",)))
    return value, lines


def _suppress(value: dict[Ref, int], lines: list[tuple[list[Ref], Ref]], limit: int) -> set[Ref]:
    """Primary suppression, then secondary until no hidden figure can be worked out: hide one
    more figure beside a figure the equations determine, and look again."""
    hidden = {ref for ref, v in value.items() if 1 <= v <= limit}
    while True:
        exposed = _exposed(value, lines, hidden)
        if exposed is None:
            return hidden
        hidden.add(_partner(exposed, value, lines, hidden))


_PRIME = (1 << 61) - 1  # ranks over the integers mod a large prime: exact in practice


def _exposed(
    value: dict[Ref, int], lines: list[tuple[list[Ref], Ref]], hidden: set[Ref]
) -> Ref | None:
    """A hidden figure the shown ones determine, or None.

    Each line is an equation (its members add up to its total) whether its total is shown or
    not. A hidden figure is determined when the reduced equations hold a row that names it
    alone. And since a hidden figure is never 0, hidden members of a line with a shown total
    that add up to their number are all 1."""
    for members, total in lines:
        if total in hidden:
            continue
        gone = [ref for ref in members if ref in hidden]
        if gone and sum(value[ref] for ref in gone) == len(gone):
            return gone[0]
    unknowns = sorted(hidden, key=repr)
    if not unknowns:
        return None
    index = {ref: n for n, ref in enumerate(unknowns)}
    rows: list[list[int]] = []
    for members, total in lines:
        row = [0] * len(unknowns)
        for ref in members:
            if ref in index:
                row[index[ref]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            rows.append([c % _PRIME for c in row])
    for row in _reduced(rows, len(unknowns)):
        named = [n for n, c in enumerate(row) if c]
        if len(named) == 1:
            return unknowns[named[0]]
    return None


def _reduced(rows: list[list[int]], width: int) -> list[list[int]]:
    """Reduced row echelon form modulo ``_PRIME``."""
    rank = 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        inverse = pow(rows[rank][column], _PRIME - 2, _PRIME)
        rows[rank] = [c * inverse % _PRIME for c in rows[rank]]
        for r in range(len(rows)):
            factor = rows[r][column]
            if r != rank and factor:
                rows[r] = [
                    (a - factor * b) % _PRIME for a, b in zip(rows[r], rows[rank], strict=True)
                ]
        rank += 1
    return rows[:rank]


def _partner(
    exposed: Ref, value: dict[Ref, int], lines: list[tuple[list[Ref], Ref]], hidden: set[Ref]
) -> Ref:
    """The figure to hide next to ``exposed``: in a line holding it, the smallest shown
    non-zero cell above 1 (a 1 beside hidden 1s would still pin them), else any non-zero cell,
    else the line's total; zeros stay shown (a hidden figure is never 0). Without any, the
    smallest shown non-zero figure of the table."""
    best: tuple[int, int, str, Ref] | None = None
    for members, total in lines:
        if exposed not in members and exposed != total:
            continue
        for ref in [*members, total]:
            if ref in hidden or not value[ref]:
                continue
            rank = (0 if value[ref] > 1 else 1) if ref != total else 2
            candidate = (rank, value[ref], repr(ref), ref)
            if best is None or candidate < best:
                best = candidate
    if best is not None:
        return best[3]
    rest = sorted((v, repr(ref), ref) for ref, v in value.items() if ref not in hidden and v)
    return rest[0][2]


def _rounded(v: int, base: int, limit: int) -> int:
    """``v`` to the nearest multiple of ``base`` (half up), never into 1..limit."""
    if base <= 1 or v == 0:
        return v
    rounded = (v + base // 2) // base * base
    while rounded <= limit:
        rounded += base
    return rounded
