"""The annual report for the national rapporteur (issue 15 §5): one calendar year of the
reader's country beside the year before, as a tagged PDF in the reader's language.

Every figure comes from the dashboard's own selectors (``selectors.table`` and
``selectors.headline``, which read only the pre-aggregated cells and pass each table through
``disclosure.protect``), so a table of the report equals the dashboard's table for the same
filters. Rendered by ``core.pdf``; audited with the year, the country and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core import pdf
from opentrm.core.errors import DomainError
from opentrm.stats import charts, selectors
from opentrm.stats.disclosure import SUPPRESSED_MARK, disclosure_rule
from opentrm.stats.indicators import BY_CODE, INDICATORS
from opentrm.stats.selectors import Filters, Table

FIRST_YEAR = 2000

# The breakdowns the report shows, in its order (indicator, breakdown).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("new_cases", "sex"),
    ("new_cases", "child"),
    ("new_cases", "age_band"),
    ("new_cases", "citizenship"),
    ("new_cases", "exploitation_type"),
    ("new_cases", "origin"),
    ("new_cases", "exploitation_country"),
    ("new_cases", "identification"),
    ("new_cases", "referrer_type"),
    ("identified_formally", "child"),
    ("assisted", "sex"),
    ("returned", "child"),
    ("referrals_sent", "partner_country"),
    ("referrals_sent", "kind"),
    ("acknowledged_in_time", "kind"),
    ("answered_in_time", "kind"),
    ("hours_to_acknowledgement", "kind"),
    ("days_to_first_service", "kind"),
    ("reflection_periods", "child"),
    ("measures_started", "sop"),
)

# Short definitions printed in the report (docs/statistics.md holds the full ones).
DEFINITIONS: dict[str, Promise] = {
    "new_cases": gettext_lazy("Cases opened in the year (their opening date)."),
    "identified_formally": gettext_lazy(
        "Cases whose identification status changed to identified formally in the year."
    ),
    "identified_informally": gettext_lazy(
        "Cases whose identification status changed to identified informally in the year."
    ),
    "assisted": gettext_lazy("Cases whose person accepted assistance in the year."),
    "returned": gettext_lazy("Cases whose return was completed in the year."),
    "in_proceedings": gettext_lazy(
        "Cases opened in the year with criminal or other proceedings initiated."
    ),
    "compensation_obtained": gettext_lazy(
        "Cases opened in the year with compensation obtained in a proceeding."
    ),
    "retrafficked": gettext_lazy(
        "Cases opened in the year of a person recorded as trafficked before."
    ),
    "referrals_sent": gettext_lazy("Referrals and requests sent in the year."),
    "acknowledged_in_time": gettext_lazy(
        "Of those sent, acknowledged within the acknowledgement time limit."
    ),
    "answered_in_time": gettext_lazy("Of those sent, answered within the answer time limit."),
    "hours_to_acknowledgement": gettext_lazy(
        "Mean hours from sending to acknowledgement, of those acknowledged."
    ),
    "hours_to_acceptance": gettext_lazy(
        "Mean hours from sending to acceptance, of those accepted."
    ),
    "days_to_first_service": gettext_lazy(
        "Mean days from sending to the first service the receiving organisation offered."
    ),
    "reflection_periods": gettext_lazy(
        "Reflection periods starting in the year; mean length in days."
    ),
    "measures_started": gettext_lazy("Measures of the procedures (SOPs) started in the year."),
}

# The PDF has no page stylesheet for the SVG charts: their colours travel inside them.
_CHART_STYLE = (
    "<style>.stats-label,.stats-value{font-size:9px;fill:#111}"
    ".stats-series-0{fill:#1f5f99}.stats-series-1{fill:#9bb7d4}</style>"
)


class ReportYearError(DomainError):
    code = "stats_report_year"


@dataclass(frozen=True)
class Section:
    table: Table
    caption: str
    chart: SafeString


def report_filters(actor: Actor, year: int) -> Filters:
    """The whole calendar ``year`` of the actor's country (the previous period: the year
    before)."""
    country = actor.membership.organisation.country.code if actor.membership else ""
    return Filters(start=date(year, 1, 1), end=date(year, 12, 1), country=country)


def check_year(year: int, today: date) -> int:
    if not FIRST_YEAR <= year <= today.year:
        raise ReportYearError(
            _("Choose a year from %(first)s to %(last)s.")
            % {"first": FIRST_YEAR, "last": today.year}
        )
    return year


def _headline(actor: Actor, filters: Filters) -> Table:
    """Every indicator of the period (not the figures "as of the fill", which belong to no
    year); the rows are the dashboard's overview rows."""
    overview = selectors.headline(actor, filters)
    kept = [row for row in overview.rows if BY_CODE[row.value].source != "snapshot"]
    return Table(
        overview.indicator,
        overview.dimension,
        filters,
        kept,
        None,
        None,
        overview.protected,
        True,
    )


def sections(actor: Actor, filters: Filters) -> list[Section]:
    found = []
    for code, dimension in SECTIONS:
        table = selectors.table(actor, filters, code, dimension)
        caption = f"{table.indicator.label}: {table.dimension_label}"
        found.append(
            Section(table, caption, charts.table_chart(table, caption, style=_CHART_STYLE))
        )
    return found


def build_context(actor: Actor, year: int) -> dict[str, Any]:
    filters = report_filters(actor, year)
    headline = _headline(actor, filters)
    return {
        "year": year,
        "previous_year": year - 1,
        "country": filters.country,
        "filters": filters,
        "headline": headline,
        "headline_chart": charts.table_chart(headline, _("All indicators"), style=_CHART_STYLE),
        "sections": sections(actor, filters),
        "definitions": [
            (indicator.label, DEFINITIONS[indicator.code])
            for indicator in INDICATORS
            if indicator.code in DEFINITIONS
        ],
        "rule": disclosure_rule(),
        "mark": SUPPRESSED_MARK,
        "generated_at": timezone.localtime(),
        "last_fill": selectors.last_fill(),
        "node_name": settings.OPENTRM_NODE_NAME,
    }


def _suppressed(context: dict[str, Any]) -> int:
    tables = [context["headline"], *(s.table for s in context["sections"])]
    return sum(row.current is None for table in tables for row in table.rows)


def annual_report_pdf(*, actor: Actor, year: int) -> bytes:
    """The report of ``year`` for the actor's country in the active language; audited (year,
    country, language, number of tables and of hidden figures) before it is handed out."""
    require(actor, Action.STATS_REPORT)
    check_year(year, timezone.localdate())
    context = build_context(actor, year)
    content = pdf.render("stats/annual_report_pdf.html", context)
    with transaction.atomic():
        record_event(
            event_type=EventType.STATS_REPORT_EXPORTED,
            actor=actor,
            target_type="stats.annual_report",
            target_id=year,
            detail={
                "year": year,
                "country": context["country"],
                "language": get_language() or "",
                "tables": 1 + len(context["sections"]),
                "suppressed": _suppressed(context),
                "format": "pdf",
            },
        )
    return content
