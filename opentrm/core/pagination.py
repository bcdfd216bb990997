"""Pages whose total is counted only up to a cap (bench/README.md, "Home page and case search").

An exact ``COUNT(*)`` reads every match: 200,000 rows for a search that matches every case.
``CappedPaginator`` counts at most ``cap`` rows beyond the start of the page asked for, so a
count costs the same whatever the size of the node; when there are more, ``capped`` is true and
``count`` is a lower bound that the page shows as "more than …", never as an exact total. The
pages after the one asked for stay reachable ("Next"), the last page is not offered.
"""

from collections.abc import Sequence
from math import ceil
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 1000


def capped_count(rows: QuerySet[Any], *, offset: int = 0) -> tuple[int, bool]:
    """How many rows, counting at most ``offset`` + ``COUNT_CAP``: ``(that, True)`` when there
    are more. Unordered, so the database stops at the cap without sorting the matches."""
    cap = offset + COUNT_CAP
    found: int = rows.order_by()[: cap + 1].count()
    return (cap, True) if found > cap else (found, False)


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator for a query set whose count stops ``COUNT_CAP`` rows past the page asked
    for (``number``, as given to ``get_page``)."""

    def __init__(
        self,
        object_list: QuerySet[Any] | Sequence[Any],
        per_page: int,
        *,
        number: object = 1,
    ) -> None:
        super().__init__(object_list, per_page)
        try:
            asked = max(int(str(number)), 1)
        except ValueError:
            asked = 1
        self.offset = (asked - 1) * per_page
        self.capped = False

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        found, self.capped = capped_count(self.object_list, offset=self.offset)
        return found

    @cached_property
    def num_pages(self) -> int:
        """Enough pages to reach past the count when it was capped (there is a next page)."""
        counted = self.count
        if self.capped:
            return ceil((counted + 1) / self.per_page)
        return super().num_pages


class ProbePaginator(Paginator):  # type: ignore[type-arg]
    """A paginator that never counts: the page asked for is read with one row more than it
    shows (``LIMIT per_page + 1``), and that extra row is the only sign of a next page. The
    page costs the same on a node of 1,000 cases as on one of 1,000,000 (bench/README.md,
    "Pages that do not grow with the register").

    ``count`` is what the rows read so far prove: exact when there is no next page (the rows
    before this page and on it), a lower bound flagged by ``capped`` when there is one, so the
    templates written for ``CappedPaginator`` ("More than …", "Page N") show it truthfully.
    A page past the end is empty, its count exact (counted no further than its start).
    """

    def __init__(self, object_list: QuerySet[Any], per_page: int) -> None:
        super().__init__(object_list, per_page)
        self.rows = object_list
        self.capped = False
        self._count = 0
        self._asked = 1

    @property
    def count(self) -> int:
        return self._count

    @property
    def num_pages(self) -> int:
        """The pages proven to exist: up to the one asked for, and the next one when probed."""
        pages = max(ceil(self._count / self.per_page), self._asked - 1, 1)
        return pages + 1 if self.capped else pages

    def get_page(self, number: object) -> Page:  # type: ignore[type-arg]
        try:
            asked = max(int(str(number)), 1)
        except ValueError:
            asked = 1
        self._asked = asked
        offset = (asked - 1) * self.per_page
        rows = list(self.rows[offset : offset + self.per_page + 1])
        self.capped = len(rows) > self.per_page
        shown = rows[: self.per_page]
        if shown or not offset:
            self._count = offset + len(shown)
        else:  # past the end (a stale link): how many there are, at most ``offset``
            self._count = self.rows.order_by()[:offset].count()
        return Page(shown, asked, self)
