"""Data-protection pages: thin views over the services of this app."""

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.forms import cleaned
from opentrm.core.pdf import PdfUnavailableError
from opentrm.core.views import form_view
from opentrm.dataprotection import breaches as breaches_service
from opentrm.dataprotection.access import access_breach, access_case_as_controller
from opentrm.dataprotection.forms import BreachForm, NotifiedForm
from opentrm.dataprotection.models import Breach
from opentrm.dataprotection.notice import survivor_notice_pdf
from opentrm.dataprotection.processing import processing_record
from opentrm.dataprotection.subject_access import report_language, subject_access_pdf


def _pdf(
    request: AuthenticatedHttpRequest, make: Callable[[], bytes], filename: str
) -> HttpResponse:
    """The PDF ``make`` renders, as a download never cached; back home if PDFs are unavailable."""
    try:
        content = make()
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect("home")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@actor_required(Action.SUBJECT_ACCESS)
def subject_access_report(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Everything held on the case's person and who received it, in the language asked for."""
    case = access_case_as_controller(request.actor, public_id)
    language = report_language(request.GET.get("language"))
    return _pdf(
        request,
        lambda: subject_access_pdf(actor=request.actor, case=case, language=language),
        # The case number, not a name: no personal data in the file name either.
        f"case-{case.number}-subject-access-{language}.pdf",
    )


@require_GET
@actor_required(Action.ACCOUNT_OWN)
def survivor_notice(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The plain-language leaflet for a person: no personal data, any member may print it."""
    language = report_language(request.GET.get("language"))
    return _pdf(
        request,
        lambda: survivor_notice_pdf(language=language),
        f"your-information-{language}.pdf",
    )


@require_GET
@actor_required(Action.DATA_PROTECTION_MANAGE)
def processing_records(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The record of processing activities (art. 30), from the policy and the settings."""
    return render(request, "dataprotection/processing.html", processing_record())


@require_http_methods(["GET", "POST"])
@actor_required(Action.DATA_PROTECTION_MANAGE)
def breach_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's breaches with their 72-hour clocks, and the form to record one."""
    actor = request.actor
    assert actor.membership is not None
    organisation_id = actor.membership.organisation_id
    form = BreachForm(request.POST or None, organisation_id=organisation_id)
    breaches = Breach.objects.filter(organisation_id=organisation_id)
    return form_view(
        request,
        form,
        save=lambda: breaches_service.breach_record(
            actor=actor, **cleaned(form, *breaches_service.RECORD_FIELDS)
        ),
        done=lambda breach: redirect("dataprotection:breach_detail", breach.public_id),
        success=_("Breach recorded. The 72-hour clock runs from when you became aware."),
        template="dataprotection/breach_list.html",
        context=lambda: {
            "breaches": [(breach, breaches_service.clock(breach)) for breach in breaches[:100]]
        },
    )


@require_GET
@actor_required(Action.DATA_PROTECTION_MANAGE)
def breach_detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    breach = access_breach(request.actor, public_id)
    cases = breaches_service.breach_view(actor=request.actor, breach=breach)
    return render(
        request,
        "dataprotection/breach_detail.html",
        {
            "breach": breach,
            "clock": breaches_service.clock(breach),
            "cases": cases,
            "form": NotifiedForm(initial={"version": breach.version}),
        },
    )


@require_POST
@actor_required(Action.DATA_PROTECTION_MANAGE)
def breach_notified(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    breach = access_breach(request.actor, public_id)
    form = NotifiedForm(request.POST)
    return form_view(
        request,
        form,
        save=lambda: breaches_service.breach_authority_notified(
            actor=request.actor,
            breach=breach,
            version=form.cleaned_data["version"],
            reference=form.cleaned_data["reference"],
        ),
        done=lambda saved: redirect("dataprotection:breach_detail", saved.public_id),
        success=_("Notification of the authority recorded."),
        template="dataprotection/breach_notified.html",
        context={"breach": breach, "title": _("Record the authority's notification")},
        refused_status=400,
    )
