"""Restriction of processing (GDPR art. 18): the controller's page, thin over
``dataprotection.restriction``."""

import uuid
from collections.abc import Callable

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.cases.models import Case
from opentrm.core.views import form_view
from opentrm.dataprotection import restriction as service
from opentrm.dataprotection.access import access_case_as_controller
from opentrm.dataprotection.forms import LiftForm, RestrictForm
from opentrm.dataprotection.models import ProcessingRestriction


def _page(
    request: AuthenticatedHttpRequest,
    case: Case,
    *,
    restrict: RestrictForm,
    lift: LiftForm,
    save: Callable[[forms.Form], ProcessingRestriction],
    success: str,
) -> HttpResponse:
    """The restriction in force and its history, with the form to restrict or to lift;
    ``save`` the service call of the form posted (the one bound to the request)."""
    posted = lift if lift.is_bound else restrict
    return form_view(
        request,
        posted,
        save=lambda: save(posted),
        done=lambda _saved: redirect("dataprotection:restriction", case.public_id),
        success=success,
        template="dataprotection/restriction.html",
        context=lambda: {
            "case": case,
            "page": service.restriction_view(actor=request.actor, case=case),
            "form": restrict,
            "lift_form": lift,
        },
        refused_status=400,
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.SUBJECT_ACCESS)
def restriction_page(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The restriction in force and its history; the form to restrict (or, in force, to lift)."""
    actor = request.actor
    case = access_case_as_controller(actor, public_id)
    return _page(
        request,
        case,
        restrict=RestrictForm(request.POST or None),
        lift=LiftForm(),
        save=lambda form: service.restriction_set(
            actor=actor,
            case=case,
            ground=form.cleaned_data["ground"],
            reason=form.cleaned_data["reason"],
        ),
        success=_("Processing restricted: the data is kept, not changed, shared or sent."),
    )


@require_POST
@actor_required(Action.SUBJECT_ACCESS)
def restriction_lift_view(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = request.actor
    case = access_case_as_controller(actor, public_id)
    return _page(
        request,
        case,
        restrict=RestrictForm(),
        lift=LiftForm(request.POST),
        save=lambda form: service.restriction_lift(
            actor=actor,
            case=case,
            reason=form.cleaned_data["reason"],
            person_informed_on=form.cleaned_data["person_informed_on"],
        ),
        success=_("Restriction lifted."),
    )
