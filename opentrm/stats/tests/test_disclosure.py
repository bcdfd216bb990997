"""The disclosure rules hold for any table: nothing from 1 to the threshold is shown, and no
hidden figure follows from the shown ones and the published totals (issue 15 §4)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from opentrm.stats.disclosure import Protected, protect

THRESHOLD = 10


def _figures(p: Protected) -> list[int | None]:
    shown: list[int | None] = [v for row in p.cells for v in row]
    shown += p.row_totals or []
    shown += p.column_totals or []
    if p.grand_total is not None or (p.row_totals is not None and p.column_totals is not None):
        shown.append(p.grand_total)
    return shown


def _rank(rows: list[list[Fraction]]) -> int:
    """Rank by Gaussian elimination over the rationals."""
    matrix = [row[:] for row in rows]
    rank = 0
    columns = len(matrix[0]) if matrix else 0
    for column in range(columns):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def derivable(counts: list[list[int]], p: Protected) -> list[tuple[str, int, int]]:
    """The hidden figures an attacker works out exactly from the shown ones.

    Unknowns: every hidden cell and total. Equations: each published line (row, column, the
    margins) adds up to its total. A hidden figure is determined when its unit vector lies in
    the row space of the equations; and since no zero is ever hidden, every hidden figure is at
    least 1: a line whose hidden figures add up to their number pins each of them to 1."""
    height, width = len(counts), len(counts[0]) if counts else 0
    value: dict[tuple[str, int, int], int | None] = {}
    for i in range(height):
        for j in range(width):
            value[("c", i, j)] = p.cells[i][j]
    lines: list[tuple[list[tuple[str, int, int]], tuple[str, int, int]]] = []
    if p.row_totals is not None:
        for i in range(height):
            value[("r", i, 0)] = p.row_totals[i]
            lines.append(([("c", i, j) for j in range(width)], ("r", i, 0)))
    if p.column_totals is not None:
        for j in range(width):
            value[("k", 0, j)] = p.column_totals[j]
            lines.append(([("c", i, j) for i in range(height)], ("k", 0, j)))
    if p.row_totals is not None and p.column_totals is not None:
        value[("g", 0, 0)] = p.grand_total
        lines.append(([("r", i, 0) for i in range(height)], ("g", 0, 0)))
        lines.append(([("k", 0, j) for j in range(width)], ("g", 0, 0)))
    return _solved(value, lines)


Place = tuple[str, int, int]


def _solved(value: dict[Place, int | None], lines: list[tuple[list[Place], Place]]) -> list[Place]:
    places = [ref for ref, v in value.items() if v is None]
    index = {ref: n for n, ref in enumerate(places)}
    equations: list[list[Fraction]] = []
    for members, total in lines:
        row = [Fraction(0)] * len(places)
        for ref in members:
            if ref in index:
                row[index[ref]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            equations.append(row)
    found = []
    base = _rank(equations) if equations else 0
    for ref, n in index.items():
        unit = [Fraction(1 if m == n else 0) for m in range(len(places))]
        if equations and _rank([*equations, unit]) == base:
            found.append(ref)
    # The bound: hidden figures are >= 1, so k of them adding up to k are all 1.
    for members, total in lines:
        if total in index:
            continue
        hidden = [ref for ref in members if ref in index]
        if hidden:
            shown_sum = sum(v for ref in members if (v := value[ref]) is not None)
            total_value = value[total]
            assert total_value is not None
            if total_value - shown_sum == len(hidden):
                found.extend(hidden)
    return found


def assert_safe(counts: list[list[int]], p: Protected, threshold: int = THRESHOLD) -> None:
    for figure in _figures(p):
        assert figure is None or figure == 0 or figure > threshold
    assert derivable(counts, p) == []


def test_a_small_count_and_its_partner_are_hidden_and_zero_is_shown() -> None:
    counts = [[12, 3], [40, 0]]
    p = protect(counts, threshold=THRESHOLD, rounding=0)

    assert p.cells[0][1] is None  # 3: primary
    assert p.cells[1][1] == 0  # zero is shown
    assert_safe(counts, p)


def test_a_column_of_counts_hides_a_second_one_beside_a_lone_small_one() -> None:
    counts = [[120], [35], [4], [0]]
    p = protect(counts, row_totals=False, threshold=THRESHOLD, rounding=0)

    assert p.cells[2][0] is None
    assert p.cells[1][0] is None  # else 4 = 159 - 120 - 35
    assert p.column_totals == [159]
    assert_safe(counts, p)


def test_hidden_ones_that_could_only_be_one_each_get_a_larger_partner() -> None:
    counts = [[1], [1], [30], [50]]
    p = protect(counts, row_totals=False, threshold=THRESHOLD, rounding=0)

    assert p.cells[2][0] is None  # 1 + 1 alone would be pinned: 82 - 80 = 2 = two ones
    assert_safe(counts, p)


def test_a_small_total_is_hidden_as_well() -> None:
    counts = [[2, 3]]
    p = protect(counts, threshold=THRESHOLD, rounding=0)

    assert p.row_totals == [None]
    assert p.grand_total is None
    assert_safe(counts, p)


def test_rounding_shows_multiples_of_the_base_and_never_a_small_count() -> None:
    counts = [[11], [27], [0], [55]]
    p = protect(counts, row_totals=False, threshold=THRESHOLD, rounding=5)

    assert p.cells == [[15], [25], [0], [55]]
    assert p.column_totals == [95]
    assert "multiple of 5" in p.rule


@override_settings(OPENTRM_STATS_THRESHOLD=3, OPENTRM_STATS_ROUNDING=0)
def test_the_threshold_comes_from_the_settings() -> None:
    p = protect([[4], [3], [20]], row_totals=False, column_totals=False)

    assert p.threshold == 3
    assert p.cells[0][0] == 4
    assert p.cells[1][0] is None
    assert "1 to 3" in p.rule


def test_it_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        protect([[1, -1]])


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda width: st.lists(
            st.lists(
                st.one_of(st.just(0), st.integers(1, 12), st.integers(13, 200)),
                min_size=width,
                max_size=width,
            ),
            min_size=1,
            max_size=6,
        )
    ),
    st.booleans(),
    st.booleans(),
)
def test_no_small_count_is_shown_and_no_hidden_one_can_be_worked_out(
    counts: list[list[int]], row_totals: bool, column_totals: bool
) -> None:
    p = protect(
        counts,
        row_totals=row_totals,
        column_totals=column_totals,
        threshold=THRESHOLD,
        rounding=0,
    )

    assert_safe(counts, p)
    # shown figures are the true ones (no rounding asked)
    for i, row in enumerate(counts):
        for j, v in enumerate(row):
            assert p.cells[i][j] in (None, v)
