"""HTML input for assessments and the health record.

The forms collect and pre-check input; ``services/assessments.py`` validates again, locks
optimistically and audits. No form saves a model itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import (
    AccommodationType,
    Assessment,
    AssessmentPartner,
    HarmSource,
    HealthRecord,
    Need,
    RiskLevel,
)
from opentrm.cases.services.assessments import CONTENT_FIELDS, HEALTH_FIELDS, KIND_FIELDS
from opentrm.core.forms import Form

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssessmentForm(Form):
    """The fields of one kind of assessment; ``version`` is 0 for a new one."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    assessed_on = forms.DateField(label=_("Date of the assessment"), widget=_DATE)
    risk_level = forms.ChoiceField(
        label=_("Risk level"),
        required=False,
        choices=[("", _("Pick the level")), *RiskLevel.choices],
    )
    partners = forms.MultipleChoiceField(
        label=_("In cooperation with"),
        required=False,
        choices=AssessmentPartner.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"),
        required=False,
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    accommodation_type = forms.ChoiceField(
        label=_("Accommodation"),
        required=False,
        choices=[("", _("Not decided")), *AccommodationType.choices],
    )
    harm_sources = forms.MultipleChoiceField(
        label=_("Individuals who may cause harm"),
        required=False,
        choices=HarmSource.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    harm_source_other = forms.CharField(label=_("Other (describe)"), required=False, max_length=200)
    unsafe_locations = forms.CharField(
        label=_("Locations that may not be safe"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    summary = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, data: Any = None, *, kind: str, assessment: Assessment | None = None):
        initial: dict[str, Any] = {"version": assessment.version if assessment else 0}
        if assessment is not None:
            initial["assessed_on"] = assessment.assessed_on
            initial |= {name: getattr(assessment, name) for name in CONTENT_FIELDS}
        super().__init__(data, initial=initial)
        shown = set(KIND_FIELDS[kind]) | {"summary"}
        for name in CONTENT_FIELDS:
            if name not in shown:
                del self.fields[name]

    def values(self) -> dict[str, Any]:
        """What the service takes: the date and the fields of this kind."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class AssessmentDeleteForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Why is this assessment deleted?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It disappears from the case file; the deletion and its reason are kept."),
    )


class HealthForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, data: Any = None, *, record: HealthRecord | None = None) -> None:
        initial: dict[str, Any] = {"version": record.version if record else 0}
        if record is not None:
            initial |= {name: getattr(record, name) for name in HEALTH_FIELDS}
        super().__init__(data, initial=initial)
        for name in HEALTH_FIELDS:
            field = HealthRecord._meta.get_field(name)
            assert isinstance(field, models.Field)
            self.fields[name] = forms.CharField(
                label=str(field.verbose_name).capitalize(),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def changes(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in HEALTH_FIELDS}
