"""Restriction of processing (GDPR art. 18): the controller's page, thin over
``dataprotection.restriction``."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.views import form_view
from opentrm.dataprotection import restriction as service
from opentrm.dataprotection.access import access_case_as_controller
from opentrm.dataprotection.forms import LiftForm, RestrictForm

TEMPLATE = "dataprotection/restriction.html"


@require_http_methods(["GET", "POST"])
@actor_required(Action.SUBJECT_ACCESS)
def restriction_page(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The restriction in force and its history; the form to restrict (or, in force, to lift)."""
    actor = request.actor
    case = access_case_as_controller(actor, public_id)
    form = RestrictForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: service.restriction_set(
            actor=actor,
            case=case,
            ground=form.cleaned_data["ground"],
            reason=form.cleaned_data["reason"],
        ),
        done=lambda _saved: redirect("dataprotection:restriction", case.public_id),
        success=_("Processing restricted: the data is kept, not changed, shared or sent."),
        template=TEMPLATE,
        context=lambda: {
            "case": case,
            "page": service.restriction_view(actor=actor, case=case),
            "lift_form": LiftForm(),
        },
        refused_status=400,
    )


@require_POST
@actor_required(Action.SUBJECT_ACCESS)
def restriction_lift_view(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    case = access_case_as_controller(actor, public_id)
    form = LiftForm(request.POST)
    return form_view(
        request,
        form,
        save=lambda: service.restriction_lift(
            actor=actor,
            case=case,
            reason=form.cleaned_data["reason"],
            person_informed_on=form.cleaned_data["person_informed_on"],
        ),
        done=lambda _saved: redirect("dataprotection:restriction", case.public_id),
        success=_("Restriction lifted."),
        template=TEMPLATE,
        context=lambda: {
            "case": case,
            "page": service.restriction_view(actor=actor, case=case),
            "form": RestrictForm(),
            "lift_form": form,
        },
        refused_status=400,
    )
