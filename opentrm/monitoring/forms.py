"""HTML input of the action plan, the feedback report's filters and the feedback form."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from opentrm.core.forms import Form
from opentrm.directory.models import Organisation
from opentrm.monitoring.models import (
    ActionPlan,
    ActionStatus,
    Answer,
    Objective,
    PlanAction,
    Recommend,
    Satisfaction,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _VersionedForm(Form):
    """A form that creates a row, or changes one opened at ``version`` (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, data: Any = None, *, instance: Any = None) -> None:
        initial = None
        if instance is not None:
            initial = {
                name: getattr(instance, name)
                for name in self.base_fields
                if hasattr(instance, name) and name != "version"
            }
            initial["version"] = instance.version
        super().__init__(data, initial=initial)
        if instance is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True


class PlanForm(_VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    starts_on = forms.DateField(label=_("Period starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Period ends on"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The period cannot end before it starts."))
        return data

    def __init__(self, data: Any = None, *, instance: ActionPlan | None = None) -> None:
        super().__init__(data, instance=instance)


class ObjectiveForm(_VersionedForm):
    code = forms.CharField(label=_("Number"), max_length=20, help_text=_("For example 1 or 2.3"))
    title = forms.CharField(label=_("Objective"), max_length=300)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, data: Any = None, *, instance: Objective | None = None) -> None:
        super().__init__(data, instance=instance)


class _OrganisationField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PlanActionForm(_VersionedForm):
    code = forms.CharField(label=_("Number"), max_length=20, help_text=_("For example 1.2"))
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = _OrganisationField(
        label=_("Responsible organisation"), queryset=Organisation.objects.none()
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    status_note = forms.CharField(
        label=_("Note on the change of status"),
        max_length=500,
        required=False,
        help_text=_("Kept in the action's history when the status changes."),
    )
    indicator = forms.CharField(
        label=_("Indicator"),
        max_length=300,
        help_text=_("What shows the action is achieved, for example: number of inspectors trained"),
    )
    target = forms.CharField(label=_("Target"), max_length=200, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        organisations: QuerySet[Organisation],
        instance: PlanAction | None = None,
    ) -> None:
        super().__init__(data, instance=instance)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        if instance is None:
            del self.fields["status_note"]


class FeedbackReportFilters(Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
        required=False,
    )
    date_from = forms.DateField(label=_("From"), widget=DATE, required=False)
    date_to = forms.DateField(label=_("To"), widget=DATE, required=False)
    by_organisation = forms.ChoiceField(
        label=_("Rows"),
        choices=[("1", _("One per organisation")), ("0", _("All organisations together"))],
        required=False,
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "period": data.get("period") or "quarter",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "by_organisation": (data.get("by_organisation") or "1") == "1",
        }


class CodeForm(Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=20,
        help_text=_("It is printed on the paper you were given, for example K7QW-M2XD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class FeedbackForm(Form):
    """Every question may be skipped; none asks for anything that identifies the person."""

    satisfaction = forms.TypedChoiceField(
        label=_("How happy are you with the help you received?"),
        choices=Satisfaction.choices,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    felt_safe = forms.ChoiceField(
        label=_("Did you feel safe?"),
        choices=Answer.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    understood = forms.ChoiceField(
        label=_("Could you understand and be understood, in a language you know?"),
        choices=Answer.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    would_recommend = forms.ChoiceField(
        label=_("Would you tell someone in your situation to go to this service?"),
        choices=Recommend.choices,
        widget=forms.RadioSelect,
        required=False,
    )
