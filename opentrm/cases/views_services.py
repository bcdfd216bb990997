"""Services offered, accepted, delivered or refused (issue 3 §8).

Views are thin: the action gate, the case through ``access_case`` (404 for cases of other
organisations), the ASSISTANCE field group (403), then the services of
``services/service_delivery.py``.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import selectors
from opentrm.cases.access import access_case, access_service
from opentrm.cases.forms_services import ServiceDeleteForm, ServiceForm, ServiceMoveForm
from opentrm.cases.models import Case, CaseService, ServiceCategory
from opentrm.cases.services.service_delivery import (
    moves_from,
    service_delete,
    service_move,
    service_offer,
    service_update,
)
from opentrm.core.errors import ConflictError
from opentrm.core.forms import add_service_errors


def _actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return actor


@dataclass(frozen=True)
class ServiceRow:
    service: CaseService
    may_move: bool


@dataclass(frozen=True)
class ServiceGroup:
    category: str
    rows: list[ServiceRow]


@dataclass(frozen=True)
class ServicesSection:
    groups: list[ServiceGroup]
    may_edit: bool


def services_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's services, grouped by the template's sections (one query)."""
    if not can(actor, Action.ASSISTANCE_VIEW, case):
        return {"services_section": None}
    may_edit = can(actor, Action.ASSISTANCE_EDIT, case)
    services = list(
        CaseService.objects.filter(case=case, deleted_at__isnull=True)
        .select_related("provider", "provider__country")
        .order_by("-offered_on", "-id")
    )
    groups = []
    for category in ServiceCategory:
        rows = [
            ServiceRow(service, may_edit and bool(moves_from(service)))
            for service in services
            if service.category == category
        ]
        if rows:
            groups.append(ServiceGroup(str(category.label), rows))
    return {"services_section": ServicesSection(groups=groups, may_edit=may_edit)}


def _editable_case(request: HttpRequest, public_id: str) -> tuple[Actor, Case]:
    actor = _actor(request)
    case = access_case(actor, public_id)
    if not can(actor, Action.ASSISTANCE_EDIT, case):
        raise PermissionDenied
    if request.method == "GET":
        selectors.case_read(actor=actor, case=case, via="web", groups=[FieldGroup.ASSISTANCE.value])
    return actor, case


def _back(case: Case) -> HttpResponse:
    return redirect(reverse("cases:case_detail", args=[case.public_id]) + "#services")


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def service_create(request: HttpRequest, public_id: str) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    form = ServiceForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            service_offer(
                actor=actor,
                case=case,
                service_type=values.pop("service_type"),
                offered_on=values.pop("offered_on"),
                **values,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The offer was recorded."))
            return _back(case)
    return render(
        request,
        "cases/service_form.html",
        {"form": form, "case": case, "title": _("Record a service offered")},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def service_edit(request: HttpRequest, public_id: str, service_id: int) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    service = access_service(actor, case, service_id)
    form = ServiceForm(request.POST or None, case=case, service=service, correcting=True)
    if request.method == "POST" and form.is_valid():
        try:
            service_update(
                actor=actor,
                service=service,
                expected_version=form.cleaned_data["version"],
                changes=form.values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The service was saved."))
            return _back(case)
    return render(
        request,
        "cases/service_form.html",
        {"form": form, "case": case, "service": service, "title": _("Correct a service")},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def service_status(request: HttpRequest, public_id: str, service_id: int) -> HttpResponse:
    """Move a service on: accepted, delivered or refused."""
    actor, case = _editable_case(request, public_id)
    service = access_service(actor, case, service_id)
    form = ServiceMoveForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        try:
            service_move(
                actor=actor,
                service=service,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                on=form.cleaned_data["on"],
                until=form.cleaned_data["until"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The service was updated."))
            return _back(case)
    return render(
        request,
        "cases/service_status.html",
        {"form": form, "case": case, "service": service, "final": not moves_from(service)},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def service_remove(request: HttpRequest, public_id: str, service_id: int) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    service = access_service(actor, case, service_id)
    form = ServiceDeleteForm(request.POST or None, initial={"version": service.version})
    if request.method == "POST" and form.is_valid():
        try:
            service_delete(
                actor=actor,
                service=service,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The service was deleted."))
            return _back(case)
    return render(
        request, "cases/service_delete.html", {"form": form, "case": case, "service": service}
    )
