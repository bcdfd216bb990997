"""Child safeguards on the case file, and planning a contact with a country's authorities.

Views are thin: the action gate (``actor_required``), the case through ``access_case`` (404 for
cases of other organisations), then the field group (403), then the services.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import states
from opentrm.cases.access import access_case
from opentrm.cases.forms_child import ChildSafeguardsForm, CountryContactForm
from opentrm.cases.models import Case, ChildSafeguards
from opentrm.cases.services.child import (
    child_safeguards_update,
    country_contact_plan,
)
from opentrm.cases.views_common import case_url, editable_case
from opentrm.core.forms import cleaned
from opentrm.core.views import form_view


def _safeguards(case: Case) -> ChildSafeguards | None:
    return (
        ChildSafeguards.objects.select_related(
            "guardian", "liaison_officer__organisation", "welfare_clearance_by"
        )
        .filter(case=case)
        .first()
    )


@dataclass(frozen=True)
class ChildSection:
    """What the case file shows of the child safeguards."""

    is_child: bool
    record: ChildSafeguards | None
    warnings: list[str]
    may_edit: bool


def child_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's child section: for roles that see child-protection data, on a child's
    case (or one whose age was assessed)."""
    if not can(actor, Action.CHILD_PROTECTION_VIEW, case):
        return {"child": None}
    today = timezone.localdate()
    record = _safeguards(case)
    is_child = states.is_child_case(case, today)
    if not is_child and record is None:
        return {"child": None}
    return {
        "child": ChildSection(
            is_child=is_child,
            record=record,
            warnings=states.child_case_warnings(case, today),
            may_edit=can(actor, Action.CHILD_PROTECTION_EDIT, case),
        )
    }


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def child_safeguards_edit(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor, case = editable_case(
        request, public_id, action=Action.CHILD_PROTECTION_EDIT, group=FieldGroup.CHILD_PROTECTION
    )
    safeguards = _safeguards(case)
    form = ChildSafeguardsForm(request.POST or None, case=case, safeguards=safeguards)
    return form_view(
        request,
        form,
        save=lambda: child_safeguards_update(
            actor=actor,
            case=case,
            expected_version=form.cleaned_data["version"],
            changes=form.changes(),
        ),
        success=_("The child safeguards were saved."),
        done=case_url(case, "child"),
        template="cases/child_safeguards_form.html",
        context={"case": case},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.TASK_MANAGE)
def country_contact(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Plan a contact with a country's authorities; refused towards a child's country of
    origin once the child has requested or indicated asylum."""
    actor = request.actor
    case = access_case(actor, public_id)
    form = CountryContactForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: country_contact_plan(
            actor=actor,
            case=case,
            **cleaned(form, "country_code", "purpose"),
        ),
        success=lambda task: _("Added to your tasks: %(title)s") % {"title": task.title},
        done=case_url(case, "tasks"),
        template="cases/child_country_contact.html",
        context={"case": case},
    )
