"""HTML input for the child safeguards and for contacts with a country's authorities.

The forms collect and pre-check input; the services in ``services/child.py`` validate again,
lock optimistically and audit. No form saves a model itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.forms import MemberChoiceField
from opentrm.cases.models import Case, ChildSafeguards, SignificantAction
from opentrm.cases.services.child import (
    SAFEGUARD_FIELDS,
    ContactPurpose,
    guardian_candidates,
    liaison_candidates,
)
from opentrm.core.forms import Form, model_formfield
from opentrm.directory.models import Organisation
from opentrm.directory.pickers import CountryField, OrganisationChoiceField


class ChildSafeguardsForm(Form):
    person_name_fields = ("guardian_name",)
    # 0: no record existed when the form was opened.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    # Shown in groups, in the order a child's case needs them.
    GROUPS = (
        (_("Guardian"), ("guardian", "guardian_name", "guardian_appointed_on")),
        (_("Interior-Ministry liaison officer"), ("liaison_officer",)),
        (
            _("Best interests"),
            (
                "best_interests_determined_on",
                "best_interests_summary",
                "best_interests_participants",
            ),
        ),
        (_("Family tracing"), ("family_tracing_in_best_interests",)),
        (_("Asylum"), ("asylum_indicated_on",)),
        (_("Return"), ("welfare_clearance_on", "welfare_clearance_by")),
        (
            _("Age assessment"),
            ("age_assessment_result", "age_assessed_on", "age_assessment_participants"),
        ),
        (_("The child's situation"), ("separated", "unaccompanied", "street_child")),
        (_("Durable solution"), ("durable_solution", "durable_solution_decided_on")),
    )

    def __init__(self, data: Any = None, *, case: Case, safeguards: ChildSafeguards | None) -> None:
        initial: dict[str, Any] = {"version": safeguards.version if safeguards else 0}
        if safeguards is not None:
            initial |= model_to_dict(safeguards, fields=list(SAFEGUARD_FIELDS))
        super().__init__(data, initial=initial)
        self.fields.update(
            fields_for_model(
                ChildSafeguards, fields=list(SAFEGUARD_FIELDS), formfield_callback=model_formfield
            )
        )
        self.fields["guardian"] = MemberChoiceField(
            queryset=guardian_candidates(case),
            required=False,
            label=_("Guardian (a user)"),
            help_text=_("A member of an organisation that takes part in the case."),
        )
        self.fields["guardian_name"].help_text = _("Or the guardian's name, if not a user.")
        liaison = self.fields["liaison_officer"]
        assert isinstance(liaison, forms.ModelChoiceField)
        liaison.queryset = liaison_candidates(case)
        liaison.help_text = _("A contact point in the directory of the case's country.")
        self.fields["welfare_clearance_by"] = OrganisationChoiceField(
            queryset=Organisation.objects.filter(is_active=True),
            required=False,
            label=_("Child-welfare authority"),
            help_text=_(
                "A child-protection or social-services body, or another body of the case's country."
            ),
        )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(title), [self[name] for name in names]) for title, names in self.GROUPS]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SAFEGUARD_FIELDS}


class CountryContactForm(Form):
    country_code = CountryField(label=_("Country"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ContactPurpose.choices)


class BestInterestsAssessmentForm(Form):
    """A best-interests assessment for one significant action (CH-06)."""

    action = forms.ChoiceField(label=_("Significant action"), choices=SignificantAction.choices)
    action_detail = forms.CharField(
        label=_("The action in a few words"), required=False, max_length=200
    )
    assessed_on = forms.DateField(label=_("Date"))
    child_participated = forms.BooleanField(label=_("The child took part"), required=False)
    child_views = forms.CharField(
        label=_("The child's views"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the child said; if the child did not take part, why not."),
    )
    participants = forms.CharField(
        label=_("Who else took part"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Professions and organisations."),
    )
    conclusion = forms.CharField(
        label=_("Conclusion: what is in the child's best interests"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
