"""The input rules of the assistance plan and the risk management plan (issue 3 §8), apart from
the writes in ``plans.py``: one function per form returns every mistake at once, by field
(issue 12 §5), for the service to raise and for the form's precheck to show with the form's own
errors. A field not in ``values`` (one with its own error) counts as not given.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.cases.models import AssistancePlan, RiskManagementPlan

MAX_REVIEW_EVERY_DAYS = 365


def plan_errors(plan: AssistancePlan | None, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """The goals and the review date of a draft (new, or a change of ``plan``): a review date
    set or moved must not have passed. The activities are checked row by row apart."""
    errors: dict[str, str] = {}
    if not str(values.get("goals") or "").strip():
        errors["goals"] = _("Write the goals agreed with the person.")
    review_on: date | None = values.get("review_on")
    moved = plan is None or review_on != plan.review_on
    if moved and review_on is not None and review_on < timezone.localdate():
        errors["review_on"] = _("The review date is in the past.")
    return _listed(errors)


def acknowledge_errors(plan: AssistancePlan, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """When and how the person acknowledged the draft ``plan``: a day between its drafting and
    today, and a few words."""
    errors: dict[str, str] = {}
    acknowledged_on: date | None = values.get("acknowledged_on")
    how = " ".join(str(values.get("acknowledged_how") or "").split())
    if acknowledged_on is None:
        errors["acknowledged_on"] = _("Enter the date the person acknowledged the plan.")
    elif acknowledged_on > timezone.localdate():
        errors["acknowledged_on"] = _("The date is in the future.")
    elif acknowledged_on < timezone.localdate(plan.created_at):
        errors["acknowledged_on"] = _("The date is before the plan was drafted.")
    if not how:
        errors["acknowledged_how"] = _(
            "Say how the person acknowledged it (e.g. signed the printed plan)."
        )
    elif len(how) > 200:
        errors["acknowledged_how"] = _("Keep it under 200 characters.")
    return _listed(errors)


def risk_plan_errors(
    plan: RiskManagementPlan | None, values: Mapping[str, Any]
) -> dict[str, list[str]]:
    """The risk management plan (new, or a change of ``plan``): the risks, the measures, how
    often it is reviewed and the next review, which must not have passed unless kept as it
    was."""
    errors: dict[str, str] = {}
    if not str(values.get("risks") or "").strip():
        errors["risks"] = _("Describe the risks.")
    if not str(values.get("measures") or "").strip():
        errors["measures"] = _("Describe the steps and measures that reduce them.")
    every: int | None = values.get("review_every_days")
    if every is None or not 1 <= every <= MAX_REVIEW_EVERY_DAYS:
        errors["review_every_days"] = _("Review at least once a year: 1 to 365 days.")
    next_review_on: date | None = values.get("next_review_on")
    if next_review_on is None:
        errors["next_review_on"] = _("Enter the date of the next review.")
    elif next_review_on < timezone.localdate() and (
        plan is None or next_review_on != plan.next_review_on
    ):
        errors["next_review_on"] = _("The review date is in the past.")
    return _listed(errors)


def _listed(errors: Mapping[str, str]) -> dict[str, list[str]]:
    return {name: [message] for name, message in errors.items()}
