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

from django.core.paginator import Paginator
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
