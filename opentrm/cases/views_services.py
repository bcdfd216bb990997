"""Services offered, accepted, delivered or refused (issue 3 §8).

Views are thin: the action gate, the case through ``access_case`` (404 for cases of other
organisations), the ASSISTANCE field group (403), then the services of
``services/service_delivery.py``.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases.access import access_service
from opentrm.cases.forms_services import ServiceDeleteForm, ServiceForm, ServiceMoveForm
from opentrm.cases.models import Case, CaseService, ServiceCategory
from opentrm.cases.services.service_delivery import (
    moves_from,
    service_delete,
    service_move,
    service_offer,
    service_update,
)
from opentrm.cases.views_common import case_url, editable_case
from opentrm.core.forms import cleaned
from opentrm.core.views import form_view


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


def _editable_case(request: AuthenticatedHttpRequest, public_id: str) -> tuple[Actor, Case]:
    return editable_case(
        request, public_id, action=Action.ASSISTANCE_EDIT, group=FieldGroup.ASSISTANCE
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def service_create(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    form = ServiceForm(request.POST or None, case=case)
    return form_view(
        request,
        form,
        save=lambda: service_offer(actor=actor, case=case, **form.values()),
        success=_("The offer was recorded."),
        done=case_url(case, "services"),
        template="cases/service_form.html",
        context={"case": case, "title": _("Record a service offered")},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def service_edit(
    request: AuthenticatedHttpRequest, public_id: str, service_id: int
) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    service = access_service(actor, case, service_id)
    form = ServiceForm(request.POST or None, case=case, service=service, correcting=True)
    return form_view(
        request,
        form,
        save=lambda: service_update(
            actor=actor,
            service=service,
            expected_version=form.cleaned_data["version"],
            changes=form.values(),
        ),
        success=_("The service was saved."),
        done=case_url(case, "services"),
        template="cases/service_form.html",
        context={"case": case, "service": service, "title": _("Correct a service")},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def service_status(
    request: AuthenticatedHttpRequest, public_id: str, service_id: int
) -> HttpResponse:
    """Move a service on: accepted, delivered or refused."""
    actor, case = _editable_case(request, public_id)
    service = access_service(actor, case, service_id)
    form = ServiceMoveForm(request.POST or None, service=service)
    return form_view(
        request,
        form,
        save=lambda: service_move(
            actor=actor,
            service=service,
            expected_version=form.cleaned_data["version"],
            **cleaned(form, "status", "on", "until"),
        ),
        success=_("The service was updated."),
        done=case_url(case, "services"),
        template="cases/service_status.html",
        context={"case": case, "service": service, "final": not moves_from(service)},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def service_remove(
    request: AuthenticatedHttpRequest, public_id: str, service_id: int
) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    service = access_service(actor, case, service_id)
    form = ServiceDeleteForm(request.POST or None, initial={"version": service.version})
    return form_view(
        request,
        form,
        save=lambda: service_delete(
            actor=actor,
            service=service,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        ),
        success=_("The service was deleted."),
        done=case_url(case, "services"),
        template="cases/service_delete.html",
        context={"case": case, "service": service},
    )
