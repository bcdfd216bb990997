"""The statistics dashboard and its exports (thin views; the figures come protected from
``selectors``)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, can
from opentrm.core.pdf import PdfUnavailableError
from opentrm.directory.exporting import neutralise
from opentrm.stats import charts, exporting, selectors
from opentrm.stats.disclosure import SUPPRESSED_MARK
from opentrm.stats.forms import DashboardForm, ReportForm
from opentrm.stats.selectors import Filters
from opentrm.stats.services.htcds import htcds_rows
from opentrm.stats.services.report import annual_report_pdf


def _filters(request: AuthenticatedHttpRequest) -> tuple[DashboardForm, Filters]:
    actor = request.actor
    defaults = selectors.default_filters(actor, timezone.localdate())
    data: dict[str, str] = {
        "start": f"{defaults.start:%Y-%m}",
        "end": f"{defaults.end:%Y-%m}",
        "country": defaults.country,
        "indicator": defaults.indicator,
        "breakdown": defaults.breakdown,
    }
    data.update(
        {key: str(value) for key, value in request.GET.items() if key in DashboardForm.base_fields}
    )
    country = data.get("country") or ""
    countries = sorted(set(selectors.country_choices()) | ({defaults.country} - {""}))
    form = DashboardForm(
        data,
        countries=countries,
        organisations=selectors.organisation_choices(country) if country else [],
    )
    return form, (form.filters() if form.is_valid() else defaults)


@require_GET
@actor_required(Action.STATS_VIEW)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    actor = request.actor
    breakdown = selectors.table(actor, filters, filters.indicator, filters.breakdown)
    export = request.GET.get("export", "")
    if export in ("csv", "xlsx"):
        name = f"opentrm-{breakdown.indicator.code}-{breakdown.dimension}-{filters.start:%Y%m}"
        if export == "csv":
            response = HttpResponse(
                exporting.to_csv(breakdown), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        else:
            response = HttpResponse(
                exporting.to_xlsx(breakdown),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    overview = selectors.headline(actor, filters)
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "stats/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "previous": filters.previous(),
            "breakdown": breakdown,
            "breakdown_chart": charts.table_chart(
                breakdown, f"{breakdown.indicator.label}: {breakdown.dimension_label}"
            ),
            "overview": overview,
            "overview_chart": charts.table_chart(overview, _("All indicators")),
            "mark": SUPPRESSED_MARK,
            "query": query.urlencode(),
            "last_fill": selectors.last_fill(),
            "report_form": ReportForm(today=timezone.localdate())
            if can(actor, Action.STATS_REPORT)
            else None,
        },
    )


@require_GET
@actor_required(Action.STATS_REPORT)
def annual_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The annual report of the actor's country (PDF), in the reader's language."""
    form = ReportForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("stats:dashboard")
    year: int = form.cleaned_data["year"]
    try:
        content = annual_report_pdf(actor=request.actor, year=year)
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect("stats:dashboard")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="opentrm-annual-report-{year}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@actor_required(Action.STATS_VIEW)
def htcds_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The HTCDS 2.0-named aggregate export (CSV): field, value name, count."""
    _form, filters = _filters(request)
    rows, rule = htcds_rows(request.actor, filters)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["field", "value", "count", "period_start", "period_end", "country"])
    for row in rows:
        writer.writerow(
            [
                row.field,
                row.value,
                SUPPRESSED_MARK if row.count is None else row.count,
                f"{filters.start:%Y-%m}",
                f"{filters.end:%Y-%m}",
                filters.country,
            ]
        )
    writer.writerow([])
    writer.writerow([neutralise(rule)])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="opentrm-htcds-{filters.start:%Y%m}.csv"'
    )
    return response
