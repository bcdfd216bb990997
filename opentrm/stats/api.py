"""The aggregate API (/api/v1/stats/, issue 15 §7): counts only, never a record, each table
through the same disclosure control as the dashboards (``selectors`` calls ``protect``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from pydantic import Field

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.core.api import Routes
from opentrm.core.schemas import ErrorOut, Schema
from opentrm.stats import selectors
from opentrm.stats.forms import DashboardForm
from opentrm.stats.indicators import INDICATORS
from opentrm.stats.services.htcds import htcds_rows

router = Router(tags=["statistics"], auth=member_auth(Action.STATS_VIEW))
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_route = Routes(router, _ERRORS, url_prefix="stats_")


class IndicatorOut(Schema):
    code: str
    label: str
    source: str
    unit: str
    breakdowns: list[str]


class StatsQuery(Schema):
    indicator: str = Field("new_cases", max_length=40, description="An indicator's code")
    breakdown: str = Field("total", max_length=24, description="A breakdown of the indicator")
    start: str = Field("", max_length=7, description="First month, YYYY-MM (default: a year ago)")
    end: str = Field("", max_length=7, description="Last month, YYYY-MM (default: last month)")
    country: str = Field("", max_length=2, description="Country of the owning organisations")
    organisation: int | None = Field(None, ge=1, description="One organisation's id")


class RowOut(Schema):
    value: str
    label: str
    current: int | None = Field(description="null: suppressed by the disclosure rule")
    previous: int | None
    mean_current: float | None
    mean_previous: float | None


class TableOut(Schema):
    indicator: str
    breakdown: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    rows: list[RowOut]
    total_current: int | None
    total_previous: int | None
    threshold: int
    rule: str


class HtcdsRowOut(Schema):
    field: str
    value: str
    count: int | None


class HtcdsOut(Schema):
    start: date
    end: date
    country: str
    rows: list[HtcdsRowOut]
    rule: str


def _filters(request: HttpRequest, query: StatsQuery) -> selectors.Filters:
    actor = acting(request)
    defaults = selectors.default_filters(actor, timezone.localdate())
    data = {
        "start": query.start or f"{defaults.start:%Y-%m}",
        "end": query.end or f"{defaults.end:%Y-%m}",
        "country": query.country.upper() if query.country else defaults.country,
        "organisation": str(query.organisation or ""),
        "indicator": query.indicator,
        "breakdown": query.breakdown,
    }
    country = str(data["country"])
    form = DashboardForm(
        data,
        countries=[country] if country else [],
        organisations=selectors.organisation_choices(country) if country else [],
    )
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form.filters()


@_route("GET", "/indicators", list[IndicatorOut], "stats_indicators")
def indicator_list(request: HttpRequest) -> Any:
    """The indicators and the breakdowns each can be shown by"""
    del request
    return [
        {
            "code": i.code,
            "label": str(i.label),
            "source": i.source,
            "unit": i.unit,
            "breakdowns": list(i.dimensions),
        }
        for i in INDICATORS
    ]


@_route("GET", "/table", TableOut, "stats_table")
def stats_table(request: HttpRequest, query: Query[StatsQuery]) -> Any:
    """One indicator by one breakdown, this period and the previous, disclosure-controlled"""
    filters = _filters(request, query)
    table = selectors.table(acting(request), filters, filters.indicator, filters.breakdown)
    previous = filters.previous()
    return {
        "indicator": table.indicator.code,
        "breakdown": table.dimension,
        "start": filters.start,
        "end": filters.end,
        "previous_start": previous.start,
        "previous_end": previous.end,
        "rows": [row.__dict__ for row in table.rows],
        "total_current": table.total_current,
        "total_previous": table.total_previous,
        "threshold": table.protected.threshold,
        "rule": table.rule,
    }


@_route("GET", "/htcds", HtcdsOut, "stats_htcds")
def stats_htcds(request: HttpRequest, query: Query[StatsQuery]) -> Any:
    """Cases opened in the period under HTCDS 2.0 field and value names, disclosure-controlled"""
    filters = _filters(request, query)
    rows, rule = htcds_rows(acting(request), filters)
    return {
        "start": filters.start,
        "end": filters.end,
        "country": filters.country,
        "rows": [row.__dict__ for row in rows],
        "rule": rule,
    }
