"""What the dashboards, exports and API show: sums of pre-aggregated cells, never a case row,
each table through ``disclosure.protect`` before it leaves this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.policy import Action, Actor, require
from opentrm.cases.models.case import ExploitationType, ReferrerType
from opentrm.cases.models.person import Sex
from opentrm.directory.models import Country, Organisation
from opentrm.exchange.models import OutboxStatus
from opentrm.referrals.models import ReferralKind
from opentrm.stats.disclosure import Protected, protect
from opentrm.stats.indicators import (
    BY_CODE,
    DIMENSION_LABELS,
    INDICATORS,
    MULTI_VALUED,
    TOTAL,
    UNKNOWN,
    Indicator,
)
from opentrm.stats.models import StatsCell, StatsFill
from opentrm.stats.services.months import month_start, next_month

ONE_DAY = timedelta(days=1)
# Figures of the node or the directory, not of an organisation's cases.
NODE_WIDE = frozenset({"directory_overdue", "exchange_packages"})
_VALUE_LABELS: dict[str, dict[str, Promise | str]] = {
    "sex": dict(Sex.choices),
    "exploitation_type": dict(ExploitationType.choices),
    "referrer_type": dict(ReferrerType.choices),
    "kind": dict(ReferralKind.choices),
    "status": dict(OutboxStatus.choices),
    "child": {"child": gettext_lazy("Child"), "adult": gettext_lazy("Adult")},
    "identification": {
        "presumed": gettext_lazy("Presumed victim"),
        "identified": gettext_lazy("Identified (formally or informally)"),
        "not_a_victim": gettext_lazy("Not a victim"),
        "other": gettext_lazy("Other (at risk, declined identification)"),
    },
    "entry": {
        "organisation": gettext_lazy("Organisations"),
        "contact_point": gettext_lazy("Contact points"),
    },
}


def value_label(dimension: str, value: str) -> str:
    if value == UNKNOWN or (value == "" and dimension != TOTAL):
        return _("Unknown")
    if dimension == TOTAL:
        return _("Total")
    return str(_VALUE_LABELS.get(dimension, {}).get(value, value))


@dataclass(frozen=True)
class Filters:
    """A period of whole months (``start`` to ``end``, both first days), the owner
    organisation's country, optionally one organisation, and the breakdown."""

    start: date
    end: date
    country: str = ""
    organisation_id: int | None = None
    breakdown: str = TOTAL
    indicator: str = "new_cases"

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Filters:
        """The period of the same length just before."""
        end = month_start(self.start.replace(day=1) - ONE_DAY)
        start = end
        for _n in range(self.months - 1):
            start = month_start(start - ONE_DAY)
        return Filters(
            start, end, self.country, self.organisation_id, self.breakdown, self.indicator
        )

    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m} to {self.end:%Y-%m}"


def default_filters(actor: Actor, today: date) -> Filters:
    """The twelve months up to and including the current one, and the actor's own country."""
    end = month_start(today)
    start = end
    for _n in range(11):
        start = month_start(start - ONE_DAY)
    country = actor.membership.organisation.country.code if actor.membership else ""
    return Filters(start=start, end=end, country=country)


Sums = dict[str, tuple[int, float]]


def _cells(
    indicator_codes: list[str], dimension: str, filters: Filters, *, snapshot: bool
) -> QuerySet[StatsCell]:
    cells = StatsCell.objects.filter(indicator__in=indicator_codes, dimension=dimension)
    if not snapshot:
        cells = cells.filter(
            period__gte=filters.previous().start, period__lt=next_month(filters.end)
        )
    if filters.country and indicator_codes != ["exchange_packages"]:
        cells = cells.filter(country_code=filters.country)
    if filters.organisation_id is not None and not set(indicator_codes) & NODE_WIDE:
        cells = cells.filter(organisation_id=filters.organisation_id)
    return cells.order_by()


def _two_periods(rows: Any, key: str) -> dict[str, tuple[Sums, Sums]]:
    found: dict[str, tuple[Sums, Sums]] = {}
    for row in rows:
        current, previous = found.setdefault(row[key], ({}, {}))
        current[row.get("value", "")] = (int(row["n"] or 0), float(row["t"] or 0.0))
        previous[row.get("value", "")] = (int(row.get("pn") or 0), float(row.get("pt") or 0.0))
    return found


def _sums(indicator: Indicator, dimension: str, filters: Filters) -> tuple[Sums, Sums]:
    """The cells of ``indicator`` by ``dimension`` summed over the period and over the
    previous one (one query; the figures as of the fill have no previous period)."""
    snapshot = indicator.source == "snapshot"
    cells = _cells([indicator.code], dimension, filters, snapshot=snapshot)
    if snapshot:
        rows = cells.values("indicator", "value").annotate(n=Sum("count"), t=Sum("total"))
    else:
        now = Q(period__gte=filters.start)
        rows = cells.values("indicator", "value").annotate(
            n=Sum("count", filter=now),
            t=Sum("total", filter=now),
            pn=Sum("count", filter=~now),
            pt=Sum("total", filter=~now),
        )
    return _two_periods(rows, "indicator").get(indicator.code, ({}, {}))


@dataclass(frozen=True)
class Row:
    value: str
    label: str
    current: int | None  # None: suppressed
    previous: int | None
    mean_current: float | None = None  # durations: the mean where its count is shown
    mean_previous: float | None = None


@dataclass(frozen=True)
class Table:
    indicator: Indicator
    dimension: str
    filters: Filters
    rows: list[Row]
    total_current: int | None
    total_previous: int | None
    protected: Protected
    compares: bool  # a previous period (not for the figures "as of now")

    @property
    def dimension_label(self) -> str:
        return str(DIMENSION_LABELS.get(self.dimension, self.dimension))

    @property
    def rule(self) -> str:
        return self.protected.rule


def _mean(sums: tuple[int, float], shown: int | None) -> float | None:
    if shown is None or sums[0] == 0:
        return None
    return round(sums[1] / sums[0], 1)


def table(actor: Actor, filters: Filters, code: str, dimension: str) -> Table:
    """One indicator by one breakdown, this period and the previous, disclosure-controlled.

    Single-valued breakdowns publish the column totals (the protection covers them); for a
    breakdown with several values per case (citizenships, types of exploitation) the total
    is the "total" breakdown's own, protected on its own."""
    require(actor, Action.STATS_VIEW)
    indicator = BY_CODE[code]
    if dimension not in indicator.dimensions:
        dimension = TOTAL
    compares = indicator.source != "snapshot"
    current, previous = _sums(indicator, dimension, filters)
    values = sorted(set(current) | set(previous), key=lambda v: (-current.get(v, (0, 0))[0], v))
    counts = [[current.get(v, (0, 0.0))[0], previous.get(v, (0, 0.0))[0]] for v in values]
    multi = dimension in MULTI_VALUED
    protected = protect(counts, row_totals=False, column_totals=not multi)
    if multi:
        totals, before = _sums(indicator, TOTAL, filters)
        guard = protect(
            [[totals.get("", (0, 0.0))[0], before.get("", (0, 0.0))[0]]],
            row_totals=False,
            column_totals=False,
        )
        total_current, total_previous = guard.cells[0]
    else:
        column = protected.column_totals or [0, 0]
        total_current, total_previous = column[0], column[1]
    rows = [
        Row(
            value=v,
            label=value_label(dimension, v),
            current=protected.cells[i][0],
            previous=protected.cells[i][1] if compares else None,
            mean_current=_mean(current.get(v, (0, 0.0)), protected.cells[i][0])
            if indicator.is_duration
            else None,
            mean_previous=_mean(previous.get(v, (0, 0.0)), protected.cells[i][1])
            if indicator.is_duration and compares
            else None,
        )
        for i, v in enumerate(values)
    ]
    return Table(
        indicator,
        dimension,
        filters,
        rows,
        total_current,
        total_previous if compares else None,
        protected,
        compares,
    )


def headline(actor: Actor, filters: Filters, *, only_headline: bool = False) -> Table:
    """Every indicator's total, this period and the previous: one table (each row an
    indicator; no totals across them, they are different things)."""
    require(actor, Action.STATS_VIEW)
    chosen = [i for i in INDICATORS if i.headline or not only_headline]
    found: dict[str, tuple[Sums, Sums]] = {}
    for snapshot in (False, True):
        codes = [i.code for i in chosen if (i.source == "snapshot") == snapshot]
        for code in codes:  # a node-wide figure ignores the organisation filter on its own
            if code in NODE_WIDE:
                found.update(_two_periods(_headline_rows([code], filters, snapshot), "indicator"))
        codes = [code for code in codes if code not in NODE_WIDE]
        if codes:
            found.update(_two_periods(_headline_rows(codes, filters, snapshot), "indicator"))
    current_sums = [found.get(i.code, ({}, {}))[0].get("", (0, 0.0)) for i in chosen]
    previous_sums = [found.get(i.code, ({}, {}))[1].get("", (0, 0.0)) for i in chosen]
    protected = protect(
        [[c[0], p[0]] for c, p in zip(current_sums, previous_sums, strict=True)],
        row_totals=False,
        column_totals=False,
    )
    rows = [
        Row(
            value=i.code,
            label=str(i.label),
            current=protected.cells[n][0],
            previous=protected.cells[n][1] if i.source != "snapshot" else None,
            mean_current=_mean(current_sums[n], protected.cells[n][0]) if i.is_duration else None,
            mean_previous=_mean(previous_sums[n], protected.cells[n][1]) if i.is_duration else None,
        )
        for n, i in enumerate(chosen)
    ]
    return Table(BY_CODE["new_cases"], TOTAL, filters, rows, None, None, protected, True)


def _headline_rows(codes: list[str], filters: Filters, snapshot: bool) -> Any:
    cells = _cells(codes, TOTAL, filters, snapshot=snapshot)
    if snapshot:
        return cells.values("indicator").annotate(n=Sum("count"), t=Sum("total"))
    now = Q(period__gte=filters.start)
    return cells.values("indicator").annotate(
        n=Sum("count", filter=now),
        t=Sum("total", filter=now),
        pn=Sum("count", filter=~now),
        pt=Sum("total", filter=~now),
    )


def country_choices() -> list[str]:
    """The directory's countries (the owners of the cases are its organisations)."""
    return list(Country.objects.order_by("code").values_list("code", flat=True))


def organisation_choices(country: str) -> list[tuple[int, str]]:
    return list(
        Organisation.objects.filter(country__code=country, is_active=True)
        .order_by("name")
        .values_list("pk", "name")
    )


def last_fill() -> StatsFill | None:
    return StatsFill.objects.order_by("pk").first()
