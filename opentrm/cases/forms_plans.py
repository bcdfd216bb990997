"""HTML input for the individual assistance plan and the risk management plan.

The forms collect and pre-check input; ``services/plans.py`` validates again, locks
optimistically and audits. No form saves a model itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import AssistancePlan, RiskManagementPlan, ServiceType
from opentrm.cases.services.plans import MAX_ACTIVITIES, ActivityData
from opentrm.cases.services.plans_checks import MAX_REVIEW_EVERY_DAYS
from opentrm.core.forms import Form
from opentrm.directory.forms import OrganisationChoiceField
from opentrm.directory.models import Organisation

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    goals = forms.CharField(
        label=_("Goals"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Agreed with the person, in words they recognise."),
    )
    review_on = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=_DATE,
        help_text=_("A task reminds the case manager once the plan is in force."),
    )

    def __init__(self, data: Any = None, *, plan: AssistancePlan | None = None) -> None:
        initial: dict[str, Any] = {"version": plan.version if plan else 0}
        if plan is not None:
            initial |= {"goals": plan.goals, "review_on": plan.review_on}
        super().__init__(data, initial=initial)


class ActivityForm(Form):
    description = forms.CharField(label=_("Activity"), max_length=300, required=False)
    service_type = forms.ChoiceField(
        label=_("Service"), required=False, choices=[("", "—"), *ServiceType.choices]
    )
    provider = OrganisationChoiceField(
        label=_("Provider"), required=False, queryset=Organisation.objects.none()
    )
    starts_on = forms.DateField(label=_("From"), required=False, widget=_DATE)
    ends_on = forms.DateField(label=_("Until"), required=False, widget=_DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ModelChoiceField)
        provider.queryset = (
            Organisation.objects.filter(is_active=True)
            .select_related("country")
            .order_by("country__code", "name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("It cannot end before it starts."))
        return data


ActivityFormSet = forms.formset_factory(
    ActivityForm, extra=2, max_num=MAX_ACTIVITIES, can_delete=True
)


def activity_initial(plan: AssistancePlan | None) -> list[dict[str, Any]]:
    if plan is None:
        return []
    return [
        {
            "description": a.description,
            "service_type": a.service_type,
            "provider": a.provider_id,
            "starts_on": a.starts_on,
            "ends_on": a.ends_on,
        }
        for a in plan.activities.order_by("order", "id")
    ]


def activities_from(formset: forms.BaseFormSet) -> list[ActivityData]:  # type: ignore[type-arg]
    """The rows filled in and not deleted, in order."""
    rows: list[ActivityData] = []
    for row in formset.cleaned_data:
        if not row or row.get("DELETE"):
            continue
        if not (row.get("description") or row.get("service_type") or row.get("provider")):
            continue  # an empty extra row
        rows.append(
            ActivityData(
                description=row.get("description") or "",
                service_type=row.get("service_type") or "",
                provider=row.get("provider"),
                starts_on=row.get("starts_on"),
                ends_on=row.get("ends_on"),
            )
        )
    return rows


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcknowledgeForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    acknowledged_on = forms.DateField(label=_("Acknowledged by the person on"), widget=_DATE)
    acknowledged_how = forms.CharField(
        label=_("How the person acknowledged it"),
        max_length=200,
        help_text=_("e.g. signed the printed plan; agreed orally with an interpreter present"),
    )


class RiskPlanForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    risks = forms.CharField(label=_("Risks"), widget=forms.Textarea(attrs={"rows": 4}))
    measures = forms.CharField(
        label=_("Steps and measures"), widget=forms.Textarea(attrs={"rows": 4})
    )
    review_every_days = forms.IntegerField(
        label=_("Review every (days)"), min_value=1, max_value=MAX_REVIEW_EVERY_DAYS, initial=30
    )
    next_review_on = forms.DateField(label=_("Next review"), widget=_DATE)

    def __init__(self, data: Any = None, *, plan: RiskManagementPlan | None = None) -> None:
        initial: dict[str, Any] = {"version": plan.version if plan else 0}
        if plan is not None:
            initial |= {
                "risks": plan.risks,
                "measures": plan.measures,
                "review_every_days": plan.review_every_days,
                "next_review_on": plan.next_review_on,
            }
        super().__init__(data, initial=initial)


class RiskReviewForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=_DATE)
    with_person = forms.BooleanField(
        label=_("Reviewed with the person"), required=False, initial=True
    )
    notes = forms.CharField(
        label=_("What changed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
