"""Forms of the case's own data: countries, exploitation and references; a status set by hand;
closing and reopening; the information given to the person."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import FieldGroup
from opentrm.cases.models import (
    Case,
    ClosureReason,
    CountryRole,
    ExploitationType,
    InformationFormat,
    InformationTopic,
)
from opentrm.cases.services.case_data import EDITABLE_ROLES, case_countries
from opentrm.core.forms import Form
from opentrm.directory.pickers import CountriesField, LanguageField

_DATE = forms.DateInput(attrs={"type": "date"})
_YES_NO = [("", _("Unknown")), ("yes", _("Yes")), ("no", _("No"))]


class CaseDataForm(Form):
    """Only the parts of the field groups the actor may edit are on the form."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    exploitation_types = forms.MultipleChoiceField(
        label=_("Types of exploitation"),
        choices=ExploitationType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The values of the Human Trafficking Case Data Standard (HTCDS 2.0)."),
    )
    exploitation_other = forms.CharField(
        label=_("Other type of exploitation (describe)"), required=False, max_length=200
    )
    exploitation_began_on = forms.DateField(
        label=_("Exploitation began"), required=False, widget=_DATE
    )
    exploitation_ended_on = forms.DateField(
        label=_("Exploitation ended"), required=False, widget=_DATE
    )
    previously_trafficked = forms.ChoiceField(
        label=_("Trafficked before"), choices=_YES_NO, required=False
    )
    law_enforcement_reference = forms.CharField(
        label=_("Law-enforcement reference"), required=False, max_length=100
    )
    court_reference = forms.CharField(label=_("Court reference"), required=False, max_length=100)

    EXPLOITATION = (
        "exploitation_types",
        "exploitation_other",
        "exploitation_began_on",
        "exploitation_ended_on",
        "previously_trafficked",
    )
    REFERENCES = ("law_enforcement_reference", "court_reference")

    def __init__(self, data: Any, *, case: Case, editable: frozenset[FieldGroup]) -> None:
        super().__init__(data, initial=self.initial_for(case))
        self.editable = editable
        if FieldGroup.TRAVEL in editable:
            labels = dict(CountryRole.choices)
            for role in EDITABLE_ROLES:
                self.fields[f"countries_{role}"] = CountriesField(
                    label=labels[role], required=False
                )
        for name in self.EXPLOITATION if FieldGroup.ASSISTANCE not in editable else ():
            del self.fields[name]
        for name in self.REFERENCES if FieldGroup.PROCEEDINGS not in editable else ():
            del self.fields[name]

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        exploitation = list(case.exploitation_types.all())
        known = case.previously_trafficked
        initial: dict[str, Any] = {
            "version": case.version,
            "exploitation_types": [row.type for row in exploitation],
            "exploitation_other": next((r.other for r in exploitation if r.other), ""),
            "exploitation_began_on": case.exploitation_began_on,
            "exploitation_ended_on": case.exploitation_ended_on,
            "previously_trafficked": "" if known is None else ("yes" if known else "no"),
            "law_enforcement_reference": case.law_enforcement_reference,
            "court_reference": case.court_reference,
        }
        for role, codes in case_countries(case).items():
            initial[f"countries_{role}"] = codes
        return initial

    def countries(self) -> dict[str, list[str]] | None:
        if FieldGroup.TRAVEL not in self.editable:
            return None
        return {role: self.cleaned_data[f"countries_{role}"] for role in EDITABLE_ROLES}

    def previously(self) -> bool | None:
        value = self.cleaned_data.get("previously_trafficked")
        return None if not value else value == "yes"


class StatusOverrideForm(Form):
    value = forms.ChoiceField(label=_("Status"))
    reason = forms.CharField(
        label=_("Why it is set by hand"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"] = forms.ChoiceField(label=_("Status"), choices=choices)


class CaseCloseForm(Form):
    reason = forms.ChoiceField(
        label=_("Why the case is closed"), choices=ClosureReason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Needed when the reason is “Other”."),
    )


class CaseReopenForm(Form):
    reason = forms.CharField(
        label=_("Why the case is reopened"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class InformationGivenForm(Form):
    given_on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=_DATE)
    language = LanguageField(label=_("Language"))
    format = forms.ChoiceField(label=_("Format"), choices=InformationFormat.choices)
    topics = forms.MultipleChoiceField(
        label=_("What the person was told"),
        choices=InformationTopic.choices,
        widget=forms.CheckboxSelectMultiple,
    )
