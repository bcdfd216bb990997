"""Child safeguards on the case file, and planning a contact with a country's authorities.

Views are thin: the action gate (``actor_required``), the case through ``access_case`` (404 for
cases of other organisations), then the field group (403), then the services.
"""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import states
from opentrm.cases.forms_child import (
    BestInterestsAssessmentForm,
    ChildSafeguardsForm,
    CountryContactForm,
)
from opentrm.cases.models import BestInterestsAssessment, Case, ChildSafeguards
from opentrm.cases.services.child import (
    child_safeguards_update,
    country_contact_plan,
    safeguards_errors,
)
from opentrm.cases.services.child_records import best_interests_assessment_record
from opentrm.cases.views_common import FormPage, case_form_page
from opentrm.core.forms import cleaned, raise_errors


def _safeguards(case: Case) -> ChildSafeguards | None:
    if states.remembers_child_safeguards(case):
        return states.child_safeguards(case)
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
    assessments: list[BestInterestsAssessment]


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
            assessments=list(case.best_interests_assessments.all()),
        )
    }


@case_form_page(
    "cases/child_safeguards_form.html",
    gettext_lazy("The child safeguards were saved."),
    anchor="child",
    needs=Action.CHILD_PROTECTION_EDIT,
    read=FieldGroup.CHILD_PROTECTION,
)
def child_safeguards_edit(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = ChildSafeguardsForm(request.POST or None, case=case, safeguards=_safeguards(case))
    return FormPage(
        form,
        lambda: child_safeguards_update(
            actor=request.actor,
            case=case,
            expected_version=form.cleaned_data["version"],
            changes=form.changes(),
        ),
        precheck=lambda: raise_errors(safeguards_errors(case, form.cleaned_data)),
    )


@case_form_page(
    "cases/best_interests_form.html",
    gettext_lazy("The best-interests assessment was recorded."),
    anchor="best-interests",
    needs=Action.CHILD_PROTECTION_EDIT,
    read=FieldGroup.CHILD_PROTECTION,
)
def best_interests_assessment_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    """Record a best-interests assessment for a significant action (CH-06, CH-D1)."""
    form = BestInterestsAssessmentForm(
        request.POST or None, initial={"assessed_on": timezone.localdate()}
    )
    return FormPage(
        form,
        lambda: best_interests_assessment_record(
            actor=request.actor,
            case=case,
            **cleaned(
                form,
                "action",
                "action_detail",
                "assessed_on",
                "child_participated",
                "child_views",
                "participants",
                "conclusion",
            ),
        ),
    )


@case_form_page(
    "cases/child_country_contact.html",
    None,  # the page's own: it names the task
    anchor="tasks",
    gate=Action.TASK_MANAGE,
)
def country_contact(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    """Plan a contact with a country's authorities; refused towards a child's country of
    origin once the child has requested or indicated asylum."""
    form = CountryContactForm(request.POST or None)
    return FormPage(
        form,
        lambda: country_contact_plan(
            actor=request.actor, case=case, **cleaned(form, "country_code", "purpose")
        ),
        success=lambda task: _("Added to your tasks: %(title)s") % {"title": task.shown_title},
    )
