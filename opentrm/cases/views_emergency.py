"""Break-the-glass and access review pages (issue 17 §2-§3): open a case in an emergency;
the data-protection officer's review of emergency accesses; who opened a case file and why."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import access_case
from opentrm.cases.access_log import case_openings
from opentrm.cases.forms_emergency import EmergencyOpenForm, EmergencyReviewForm
from opentrm.cases.models import EmergencyAccess
from opentrm.cases.services.emergency import emergency_open, emergency_review, reviewable
from opentrm.core.views import form_view

PENDING_SHOWN = 200


@actor_required(Action.CASE_EMERGENCY_OPEN)
@require_http_methods(["GET", "POST"])
def emergency_open_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EmergencyOpenForm(request.POST or None)

    def save() -> EmergencyAccess:
        return emergency_open(
            actor=request.actor,
            number=form.cleaned_data["number"],
            reason=form.cleaned_data["reason"],
        )

    return form_view(
        request,
        form,
        save=save,
        done=lambda access: redirect("cases:case_detail", access.case.public_id),
        template="cases/emergency_open.html",
        success=_("Emergency access opened. Every page you open is recorded and reviewed."),
        refused_status=422,
    )


@actor_required(Action.AUDIT_VIEW)
@require_GET
def emergency_review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    accesses = reviewable(request.actor).order_by("reviewed_at", "-opened_at")[:PENDING_SHOWN]
    record_event(
        event_type=EventType.AUDIT_VIEWED,
        actor=request.actor,
        detail={"view": "emergency_reviews"},
    )
    return render(
        request,
        "cases/emergency_reviews.html",
        {"accesses": accesses, "form": EmergencyReviewForm()},
    )


@actor_required(Action.AUDIT_VIEW)
@require_POST
def emergency_review_view(request: AuthenticatedHttpRequest, access_id: int) -> HttpResponse:
    if not reviewable(request.actor).filter(pk=access_id).exists():
        raise PermissionDenied
    form = EmergencyReviewForm(request.POST)

    def save() -> EmergencyAccess:
        return emergency_review(
            actor=request.actor,
            access_id=access_id,
            conclusion=form.cleaned_data["conclusion"],
            note=form.cleaned_data["note"],
        )

    return form_view(
        request,
        form,
        save=save,
        done=reverse("emergency:reviews"),
        template="cases/emergency_review_form.html",
        context={"access_id": access_id},
        success=_("Review recorded."),
        refused_status=422,
    )


@actor_required(Action.CASE_ACCESS_REVIEW)
@require_GET
def case_access_log(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    case = access_case(request.actor, public_id)
    require(request.actor, Action.CASE_ACCESS_REVIEW, case)
    record_event(
        event_type=EventType.CASE_ACCESS_REVIEWED,
        actor=request.actor,
        target=case,
        detail={"case_id": case.pk},
    )
    return render(
        request,
        "cases/case_access_log.html",
        {
            "case": case,
            "openings": case_openings(case),
            "emergencies": case.emergency_accesses.select_related("organisation", "user"),
        },
    )
