"""HTML input for the services of a case. The forms collect and pre-check input; the services in
``services/service_delivery.py`` validate the whole record, lock optimistically and audit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import (
    SERVICE_CATEGORY,
    Case,
    CaseService,
    PlanActivity,
    ServiceCategory,
    ServiceStatus,
    ServiceType,
)
from opentrm.cases.services.service_delivery import (
    OFFER_FIELDS,
    SERVICE_FIELDS,
    moves_from,
    plan_activity_candidates,
    provider_candidates,
)
from opentrm.core.forms import Form, model_formfield
from opentrm.directory.forms import OrganisationChoiceField


def service_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue grouped by the template's sections."""
    return [
        (
            str(category.label),
            [
                (value, str(label))
                for value, label in ServiceType.choices
                if SERVICE_CATEGORY[value] == category
            ],
        )
        for category in ServiceCategory
    ]


class _ActivityField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: models.Model) -> str:
        assert isinstance(obj, PlanActivity)
        return f"{obj.description} ({obj.plan.revision})"


class ServiceForm(Form):
    """An offer (``correcting=False``) or the whole record, status and dates included."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        case: Case,
        service: CaseService | None = None,
        correcting: bool = False,
    ) -> None:
        self.correcting = correcting
        names = list(SERVICE_FIELDS if correcting else OFFER_FIELDS)
        initial: dict[str, Any] = {}
        if service is not None:
            initial = model_to_dict(service, fields=names) | {"version": service.version}
        super().__init__(data, initial=initial)
        self.fields.update(
            fields_for_model(CaseService, fields=names, formfield_callback=model_formfield)
        )
        self.fields["service_type"] = forms.ChoiceField(
            label=_("Service"), choices=[("", "---------"), *service_type_choices()]
        )
        self.fields["description"].help_text = _("Required when the service is “Other”.")
        self.fields["provider"] = OrganisationChoiceField(
            queryset=provider_candidates(),
            required=False,
            label=_("Provider (from the directory)"),
        )
        self.fields["provider_name"].help_text = _("Or its name, if it is not in the directory.")
        self.fields["cost"] = forms.DecimalField(
            label=_("Cost"), required=False, min_value=0, max_digits=12, decimal_places=2
        )
        self.fields["currency"].help_text = _("ISO 4217 code, e.g. EUR. Required with a cost.")
        self.fields["plan_activity"] = _ActivityField(
            queryset=plan_activity_candidates(case.pk),
            required=False,
            label=_("Activity of the assistance plan"),
        )
        if correcting:
            assert service is not None
            self.fields["version"].required = True
            self.fields["status"].help_text = _(
                "Correct the status only if it was recorded by mistake; the dates must match it."
            )

    def values(self) -> dict[str, Any]:
        names = SERVICE_FIELDS if self.correcting else OFFER_FIELDS
        return {name: self.cleaned_data[name] for name in names}


class ServiceMoveForm(Form):
    """Accepted on a day, delivered from a day (until a day, or still running), refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("The service was"), widget=forms.RadioSelect)
    on = forms.DateField(
        label=_("On (delivered: from)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Delivered until"),
        required=False,
        help_text=_("Leave empty while the service is still being delivered."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: Any = None, *, service: CaseService) -> None:
        super().__init__(data, initial={"version": service.version})
        labels = {
            ServiceStatus.ACCEPTED: _("accepted by the person"),
            ServiceStatus.DELIVERED: _("delivered"),
            ServiceStatus.REFUSED: _("refused by the person"),
        }
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [(move.value, labels[move]) for move in moves_from(service)]


class ServiceDeleteForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Why is it deleted?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )
