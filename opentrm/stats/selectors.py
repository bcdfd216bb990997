"""What the dashboards, exports and API show: sums of pre-aggregated cells, never a case row,
each table through ``disclosure.protect`` before it leaves this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.policy import Action, Actor, require
from opentrm.cases.models.case import ExploitationType, ReferrerType
from opentrm.cases.models.person import Sex
from opentrm.directory.models import Organisation
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
from opentrm.stats.services.fill import month_start, next_month

ONE_DAY = timedelta(days=1)
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


def _sums(indicator: Indicator, dimension: str, filters: Filters) -> dict[str, tuple[int, float]]:
    cells = StatsCell.objects.filter(indicator=indicator.code, dimension=dimension)
    if indicator.source != "snapshot":
        cells = cells.filter(period__gte=filters.start, period__lt=next_month(filters.end))
    if filters.country and indicator.code not in ("exchange_packages",):
        cells = cells.filter(country_code=filters.country)
    if filters.organisation_id is not None and indicator.code not in (
        "directory_overdue",
        "exchange_packages",
    ):
        cells = cells.filter(organisation_id=filters.organisation_id)
    rows = cells.order_by().values("value").annotate(n=Sum("count"), t=Sum("total"))
    return {row["value"]: (int(row["n"] or 0), float(row["t"] or 0.0)) for row in rows}


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
    current = _sums(indicator, dimension, filters)
    previous = _sums(indicator, dimension, filters.previous()) if compares else {}
    values = sorted(set(current) | set(previous), key=lambda v: (-current.get(v, (0, 0))[0], v))
    counts = [[current.get(v, (0, 0.0))[0], previous.get(v, (0, 0.0))[0]] for v in values]
    multi = dimension in MULTI_VALUED
    protected = protect(counts, row_totals=False, column_totals=not multi)
    if multi:
        totals = _sums(indicator, TOTAL, filters)
        before = _sums(indicator, TOTAL, filters.previous()) if compares else {}
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
    previous = filters.previous()
    current_sums = [_sums(i, TOTAL, filters).get("", (0, 0.0)) for i in chosen]
    previous_sums = [
        _sums(i, TOTAL, previous).get("", (0, 0.0)) if i.source != "snapshot" else (0, 0.0)
        for i in chosen
    ]
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


def country_choices() -> list[str]:
    """Countries with statistics (of the organisations that own the cases)."""
    return sorted(
        code
        for code in StatsCell.objects.order_by()
        .filter(dimension=TOTAL, indicator="new_cases")
        .values_list("country_code", flat=True)
        .distinct()
        if code
    )


def organisation_choices(country: str) -> list[tuple[int, str]]:
    return list(
        Organisation.objects.filter(country__code=country, is_active=True)
        .order_by("name")
        .values_list("pk", "name")
    )


def last_fill() -> StatsFill | None:
    return StatsFill.objects.order_by("pk").first()
