"""Services offered, accepted, delivered or refused (issue 3 §8).

Views are thin: the action gate, the case through ``access_case`` (404 for cases of other
organisations), the ASSISTANCE field group (403), then the services of
``services/service_delivery.py``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases.forms_services import ServiceDeleteForm, ServiceForm, ServiceMoveForm
from opentrm.cases.lookups import access_service
from opentrm.cases.models import Case, CaseService, ServiceCategory
from opentrm.cases.services.service_delivery import (
    correction_errors,
    moves_from,
    offer_errors,
    service_delete,
    service_move,
    service_offer,
    service_update,
)
from opentrm.cases.views_common import FormPage, case_form_page
from opentrm.core.forms import edited, raise_errors


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


def _service_page(template: str, success: str | Promise) -> Callable[..., Any]:
    """A form page of the case's services: for those who may change its assistance data, the
    GET an audited read of it."""
    return case_form_page(
        template,
        success,
        anchor="services",
        needs=Action.ASSISTANCE_EDIT,
        read=FieldGroup.ASSISTANCE,
    )


@_service_page("cases/service_form.html", gettext_lazy("The offer was recorded."))
def service_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = ServiceForm(request.POST or None, case=case)
    return FormPage(
        form,
        lambda: service_offer(actor=request.actor, case=case, **form.values()),
        {"title": _("Record a service offered")},
        precheck=lambda: raise_errors(offer_errors(case, form.cleaned_data)),
    )


@_service_page("cases/service_form.html", gettext_lazy("The service was saved."))
def service_edit(request: AuthenticatedHttpRequest, case: Case, service_id: int) -> FormPage:
    service = access_service(request.actor, case, service_id)
    form = ServiceForm(request.POST or None, case=case, service=service, correcting=True)
    return FormPage(
        form,
        lambda: service_update(
            actor=request.actor,
            service=service,
            expected_version=form.cleaned_data["version"],
            changes=form.values(),
        ),
        {"service": service, "title": _("Correct a service")},
        precheck=lambda: raise_errors(correction_errors(service, form.cleaned_data)),
    )


@_service_page("cases/service_status.html", gettext_lazy("The service was updated."))
def service_status(request: AuthenticatedHttpRequest, case: Case, service_id: int) -> FormPage:
    """Move a service on: accepted, delivered or refused."""
    service = access_service(request.actor, case, service_id)
    form = ServiceMoveForm(request.POST or None, service=service)
    return FormPage(
        form,
        lambda: service_move(
            actor=request.actor,
            service=service,
            **edited(form, "status", "on", "until"),
        ),
        {"service": service, "final": not moves_from(service)},
    )


@_service_page("cases/service_delete.html", gettext_lazy("The service was deleted."))
def service_remove(request: AuthenticatedHttpRequest, case: Case, service_id: int) -> FormPage:
    service = access_service(request.actor, case, service_id)
    form = ServiceDeleteForm(request.POST or None, initial={"version": service.version})
    return FormPage(
        form,
        lambda: service_delete(
            actor=request.actor,
            service=service,
            **edited(form, "reason"),
        ),
        {"service": service},
    )
