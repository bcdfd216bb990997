"""Data-subject rights pages: thin views over ``subject_access`` and ``notice``."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.pdf import PdfUnavailableError
from opentrm.dataprotection.access import access_case_as_controller
from opentrm.dataprotection.notice import survivor_notice_pdf
from opentrm.dataprotection.subject_access import report_language, subject_access_pdf


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@actor_required(Action.SUBJECT_ACCESS)
def subject_access_report(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Everything held on the case's person and who received it, in the language asked for."""
    case = access_case_as_controller(request.actor, public_id)
    language = report_language(request.GET.get("language"))
    try:
        content = subject_access_pdf(actor=request.actor, case=case, language=language)
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect("home")
    # The case number, not a name: no personal data in the file name either.
    return _pdf(content, f"case-{case.number}-subject-access-{language}.pdf")


@require_GET
@actor_required(Action.ACCOUNT_OWN)
def survivor_notice(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The plain-language leaflet for a person: no personal data, any member may print it."""
    language = report_language(request.GET.get("language"))
    try:
        content = survivor_notice_pdf(language=language)
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect("home")
    return _pdf(content, f"your-information-{language}.pdf")
