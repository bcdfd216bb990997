"""HTML input of the training register."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.core.forms import Form
from opentrm.directory.models import ContactPoint
from opentrm.training.models import TrainingEvent, TrainingScope
from opentrm.training.selectors import sops

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _sop_choices() -> list[tuple[str, str]]:
    return [(sop.code, sop.name) for sop in sops()]


class TrainingEventForm(Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    scope = forms.ChoiceField(label=_("Scope"), choices=TrainingScope.choices)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE, required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    sop_codes = forms.MultipleChoiceField(
        label=_("Procedures covered"),
        choices=_sop_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    curriculum = forms.CharField(
        label=_("Curriculum"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    trainers = forms.CharField(label=_("Trainers"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, data: Any = None, *, event: TrainingEvent | None = None) -> None:
        initial = None
        if event is not None:
            initial = {name: getattr(event, name) for name in self.base_fields if name != "version"}
            initial["version"] = event.version
        super().__init__(data, initial=initial)
        if event is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True


class _ContactField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, ContactPoint)
        person = f" — {obj.person_name}" if obj.person_name else ""
        organisation = obj.organisation
        return f"{organisation.name} ({organisation.country.code}): {obj.position}{person}"


class AttendanceForm(Form):
    contact_point = _ContactField(label=_("Contact"), queryset=ContactPoint.objects.none())

    def __init__(self, data: Any = None, *, contacts: Any) -> None:
        super().__init__(data)
        field = self.fields["contact_point"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = contacts


class AttendanceRemoveForm(Form):
    attendance = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SopFilterForm(Form):
    sop = forms.ChoiceField(
        label=_("Procedure"),
        choices=lambda: [("", _("All procedures")), *_sop_choices()],
        required=False,
    )
