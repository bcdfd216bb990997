"""Interpreters on the case (SOP-I-4, REC-44): the case page's panel, assigning and ending.

An interpreter sees the case only while assigned; assigning is the owner's case managers'
write (``Action.CASE_PARTICIPANTS_MANAGE``), checked again (and a refusal audited) by the
services.
"""

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases.forms_interpreters import UNDERTAKING, InterpreterAssignForm
from opentrm.cases.models import Case
from opentrm.cases.services.interpreters import (
    active_interpreters,
    interpreter_assign,
    interpreter_unassign,
)
from opentrm.cases.views_common import FormPage, case_form_page, case_url, case_view
from opentrm.core.errors import ConflictError
from opentrm.core.forms import cleaned


def interpreters_panel(actor: Actor, case: Case) -> Mapping[str, Any] | None:
    """The interpreters assigned to the case, for those who see the case's organisations."""
    if actor.sees_assigned_cases_only:
        return None
    return {
        "case": case,
        "assignments": list(active_interpreters(case)),
        "may_manage": can(actor, Action.CASE_PARTICIPANTS_MANAGE, case),
    }


@case_form_page(
    "cases/interpreter_form.html",
    gettext_lazy("The interpreter was assigned to the case."),
    anchor="interpreters",
    gate=Action.CASE_PARTICIPANTS_MANAGE,
    needs=Action.CASE_PARTICIPANTS_MANAGE,
)
def interpreter_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = InterpreterAssignForm(request.POST or None, case=case)
    return FormPage(
        form,
        lambda: interpreter_assign(
            actor=request.actor,
            case=case,
            **cleaned(form, "interpreter", "undertaking_signed_on", "languages"),
        ),
        {"undertaking": UNDERTAKING},
    )


@case_view("POST", gate=Action.CASE_PARTICIPANTS_MANAGE, needs=Action.CASE_PARTICIPANTS_MANAGE)
def interpreter_end(
    request: AuthenticatedHttpRequest, case: Case, assignment_id: int
) -> HttpResponse:
    assignment = get_object_or_404(case.interpreters, pk=assignment_id)
    try:
        interpreter_unassign(actor=request.actor, case=case, assignment=assignment)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The interpreter no longer sees the case."))
    return redirect(case_url(case, "interpreters"))
