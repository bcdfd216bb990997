"""The training register's pages. Thin: the action gate, ``access_training_event`` (404 for
events the reader may not see, 403 for changes that are not theirs), then a service."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.forms import cleaned, edited, raise_errors
from opentrm.core.views import action_view, form_view
from opentrm.directory.models import ContactPoint
from opentrm.training import selectors, services
from opentrm.training.access import access_training_event, training_permissions
from opentrm.training.forms import (
    AttendanceForm,
    AttendanceRemoveForm,
    SopFilterForm,
    TrainingEventForm,
)
from opentrm.training.models import TrainingEvent


def _detail_url(event: TrainingEvent, anchor: str = "") -> str:
    url = reverse("training:event_detail", args=[event.pk])
    return url + (f"#{anchor}" if anchor else "")


def _contacts(request: AuthenticatedHttpRequest) -> QuerySet[ContactPoint]:
    return (
        ContactPoint.objects.visible_to(request.actor)
        .filter(is_active=True)
        .select_related("organisation", "organisation__country")
        .order_by("organisation__country__code", "organisation__name", "position", "id")
    )


@require_GET
@actor_required(Action.TRAINING_VIEW)
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SopFilterForm(request.GET or None)
    sop = form.cleaned_data["sop"] if form.is_valid() else ""
    events = selectors.event_list(actor=request.actor, sop_code=sop)
    rows = [(event, selectors.sop_names(event.sop_codes)) for event in events]
    return render(request, "training/event_list.html", {"form": form, "rows": rows})


@require_GET
@actor_required(Action.TRAINING_VIEW)
def trained(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = selectors.trained_by_sop(actor=request.actor)
    return render(request, "training/trained.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@actor_required(Action.TRAINING_RECORD)
def event_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TrainingEventForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: services.training_event_record(
            actor=request.actor, **cleaned(form, *services.EVENT_FIELDS)
        ),
        done=lambda event: redirect(_detail_url(event)),
        success=_("Training event recorded."),
        template="training/event_form.html",
        context={"title": _("Record a training event")},
        precheck=lambda: raise_errors(services.event_errors(form.cleaned_data)),
    )


@require_GET
@actor_required(Action.TRAINING_VIEW)
def event_detail(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = access_training_event(request.actor, event_id)
    may_change = training_permissions(request.actor, event)
    return render(
        request,
        "training/event_detail.html",
        {
            "event": event,
            "sop_names": selectors.sop_names(event.sop_codes),
            "attendances": selectors.attendance_list(event),
            "may_change": may_change,
            "attendance_form": AttendanceForm(contacts=_contacts(request)) if may_change else None,
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.TRAINING_RECORD)
def event_edit(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = access_training_event(request.actor, event_id, action="change")
    form = TrainingEventForm(request.POST or None, event=event)
    return form_view(
        request,
        form,
        save=lambda: services.training_event_change(
            actor=request.actor,
            event=event,
            **edited(form, *services.EVENT_FIELDS),
        ),
        done=_detail_url(event),
        success=_("Training event saved."),
        template="training/event_form.html",
        context={"title": _("Change the training event"), "event": event},
        precheck=lambda: raise_errors(services.event_errors(form.cleaned_data)),
    )


def _attendance_action(
    request: AuthenticatedHttpRequest,
    event_id: int,
    form: BaseForm,
    save: Callable[[TrainingEvent], object],
    *,
    success: str,
    incomplete: str | None = None,
) -> HttpResponse:
    """A change to an event's attendance by those who may change the event, then back to the
    attendance of its page."""
    event = access_training_event(request.actor, event_id, action="change")
    return action_view(
        request,
        form,
        save=lambda: save(event),
        done=_detail_url(event, "attendance"),
        success=success,
        incomplete=incomplete,
    )


@require_POST
@actor_required(Action.TRAINING_RECORD)
def attendance_add(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    form = AttendanceForm(request.POST, contacts=_contacts(request))
    return _attendance_action(
        request,
        event_id,
        form,
        lambda event: services.attendance_add(
            actor=request.actor, event=event, contact_point=form.cleaned_data["contact_point"]
        ),
        success=_("Attendance recorded."),
        incomplete=_("Choose a contact."),
    )


@require_POST
@actor_required(Action.TRAINING_RECORD)
def attendance_remove(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    form = AttendanceRemoveForm(request.POST)
    return _attendance_action(
        request,
        event_id,
        form,
        lambda event: services.attendance_remove(
            actor=request.actor, event=event, attendance_id=form.cleaned_data["attendance"]
        ),
        success=_("Attendance removed."),
    )
