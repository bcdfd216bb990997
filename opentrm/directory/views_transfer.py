"""Import and export of a country's contact list (docs/directory-import.md)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.pdf import PdfUnavailableError
from opentrm.directory import export_search, exporting, importing
from opentrm.directory.access import access_country
from opentrm.directory.models import Function, OrganisationType
from opentrm.directory.views import search_filters


class ContactImportForm(forms.Form):
    file = forms.FileField(
        label=_("Contact list file (CSV or XLSX)"),
        help_text=_("Every row is checked first; if any row has a problem, nothing is imported."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.DIRECTORY_IMPORT)
def contacts_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form = ContactImportForm(request.POST or None, request.FILES or None)
    errors: list[importing.RowError] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = importing.contacts_import_upload(actor=actor, upload=form.cleaned_data["file"])
        except importing.ContactImportError as refusal:
            errors = refusal.errors
        else:
            messages.success(request, result.summary())
            return redirect(
                "directory:country_detail", request.membership.organisation.country.code
            )
    return render(
        request,
        "directory/import.html",
        {
            "form": form,
            "errors": errors,
            "columns": importing.COLUMNS,
            "required_columns": importing.REQUIRED_COLUMNS,
            "types": OrganisationType.choices,
            "functions": Function.choices,
            "max_kb": settings.DIRECTORY_IMPORT_MAX_BYTES // 1024,
            "country_code": request.membership.organisation.country.code,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@actor_required(Action.DIRECTORY_EXPORT)
def contacts_export(request: AuthenticatedHttpRequest, country_code: str) -> HttpResponse:
    actor = request.actor
    country = access_country(actor, country_code)
    fmt = request.GET.get("format", exporting.ExportFormat.CSV)
    layout = request.GET.get("layout", exporting.ExportLayout.READABLE)
    function = request.GET.get("function", "")
    if (
        fmt not in exporting.ExportFormat.values
        or layout not in exporting.ExportLayout.values
        or (function and function not in Function.values)
    ):
        return render(request, "errors/400.html", status=400)
    try:
        export = exporting.contacts_export(
            actor=actor,
            country=country,
            fmt=exporting.ExportFormat(fmt),
            layout=exporting.ExportLayout(layout),
            functions=[Function(function)] if function else None,
        )
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect("directory:country_detail", country.code)
    return _download(export)


@require_GET
@actor_required(Action.DIRECTORY_EXPORT)
def search_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The results of the search in the query string, as the search page shows them."""
    form, filters = search_filters(request)
    fmt = request.GET.get("format", exporting.ExportFormat.CSV)
    if fmt not in (exporting.ExportFormat.CSV, exporting.ExportFormat.XLSX) or form.errors:
        return render(request, "errors/400.html", status=400)
    export = export_search.search_export(
        actor=request.actor, filters=filters, fmt=exporting.ExportFormat(fmt)
    )
    return _download(export)


def _download(export: exporting.ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response
