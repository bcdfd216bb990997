"""Screens of the case's own data: countries, exploitation and references; the assistance and
witness status set by hand; closing and reopening; the information given to the person. Each
goes through ``case_form_page`` / ``case_view`` (the one gate of a case screen) and a service."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, FieldGroup, can
from opentrm.cases import services
from opentrm.cases.access import editable_groups
from opentrm.cases.forms_casedata import (
    CaseCloseForm,
    CaseDataForm,
    CaseReopenForm,
    InformationGivenForm,
    StatusOverrideForm,
)
from opentrm.cases.models import AssistanceStatus, Case, WitnessStatus
from opentrm.cases.services.case_data import Exploitation, information_given_errors
from opentrm.cases.services.statuses import ASSISTANCE, WITNESS
from opentrm.cases.views_common import FormPage, case_form_page, case_view
from opentrm.core.forms import raise_errors

_DATA_GROUPS = {FieldGroup.TRAVEL, FieldGroup.ASSISTANCE, FieldGroup.PROCEEDINGS}
# The URL names the status by a word; each belongs to the field group that edits it.
STATUSES = {
    "assistance": (ASSISTANCE, AssistanceStatus.choices, Action.ASSISTANCE_EDIT),
    "witness": (WITNESS, WitnessStatus.choices, Action.PROCEEDINGS_EDIT),
}


@case_form_page(
    "cases/case_data_form.html", gettext_lazy("The case's data were saved."), anchor="case-data"
)
def case_data_edit(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    """Countries by role, exploitation, references: the parts whose group the actor edits."""
    actor = request.actor
    editable = editable_groups(actor, case) & _DATA_GROUPS
    if not editable:
        raise PermissionDenied
    form = CaseDataForm(request.POST or None, case=case, editable=frozenset(editable))

    def save() -> object:
        data = form.cleaned_data
        exploitation = None
        if FieldGroup.ASSISTANCE in editable:
            exploitation = Exploitation(
                types=data["exploitation_types"],
                other=data["exploitation_other"],
                began_on=data["exploitation_began_on"],
                ended_on=data["exploitation_ended_on"],
                previously_trafficked=form.previously(),
            )
        references = None
        if FieldGroup.PROCEEDINGS in editable:
            references = {name: data[name] for name in CaseDataForm.REFERENCES}
        return services.case_data_update(
            actor=actor,
            case=case,
            expected_version=data["version"],
            countries=form.countries(),
            exploitation=exploitation,
            references=references,
        )

    return FormPage(form, save)


def _status(word: str) -> tuple[str, Any, Action]:
    if word not in STATUSES:
        raise Http404
    return STATUSES[word]


@case_form_page("cases/status_override_form.html", gettext_lazy("The status was set."), anchor="")
def status_override(request: AuthenticatedHttpRequest, case: Case, status: str) -> FormPage:
    """Set the assistance or witness status by hand, with a reason."""
    attribute, choices, needs = _status(status)
    if not can(request.actor, needs, case):
        raise PermissionDenied
    form = StatusOverrideForm(
        request.POST or None, choices=choices, initial={"value": getattr(case, attribute)}
    )
    return FormPage(
        form,
        lambda: services.status_override(
            actor=request.actor, case=case, attribute=attribute, **form.cleaned_data
        ),
        {"status": status},
    )


@case_view("POST")
def status_override_end(request: AuthenticatedHttpRequest, case: Case, status: str) -> HttpResponse:
    """The status follows what happens again."""
    attribute, _choices, needs = _status(status)
    if not can(request.actor, needs, case):
        raise PermissionDenied
    services.status_override_end(actor=request.actor, case=case, attribute=attribute)
    messages.success(request, _("The status follows what happens on the case again."))
    return redirect("cases:case_detail", case.public_id)


@case_form_page(
    "cases/case_close.html",
    gettext_lazy("The case was closed. It is read-only until it is reopened."),
    anchor="",
    needs=Action.CASE_CLOSE,
)
def case_close(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = CaseCloseForm(request.POST or None)
    return FormPage(
        form, lambda: services.case_close(actor=request.actor, case=case, **form.cleaned_data)
    )


@case_form_page(
    "cases/case_reopen.html",
    gettext_lazy("The case was reopened."),
    anchor="",
    needs=Action.CASE_REOPEN,
    when_closed=True,
)
def case_reopen(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = CaseReopenForm(request.POST or None)
    return FormPage(
        form, lambda: services.case_reopen(actor=request.actor, case=case, **form.cleaned_data)
    )


@case_form_page(
    "cases/information_form.html",
    gettext_lazy("The information given to the person was recorded."),
    anchor="information",
    needs=Action.ASSISTANCE_EDIT,
)
def information_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = InformationGivenForm(request.POST or None)
    return FormPage(
        form,
        lambda: services.information_given_record(
            actor=request.actor, case=case, **form.cleaned_data
        ),
        precheck=lambda: raise_errors(information_given_errors(form.cleaned_data)),
    )
