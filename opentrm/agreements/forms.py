"""HTML input for the agreements register. Forms pre-check; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from opentrm.agreements import presentation, states
from opentrm.agreements.models import (
    Agreement,
    AgreementScope,
    AgreementType,
    AgreementVersion,
    SignatureKind,
)
from opentrm.agreements.services import CONTENT_FIELDS
from opentrm.core.forms import Form, model_formfield
from opentrm.directory.models import ContactPoint, Organisation
from opentrm.directory.pickers import OrganisationChoiceField, organisation_label

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _OfficerField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: models.Model) -> str:
        assert isinstance(obj, ContactPoint)
        return f"{obj.organisation.name}: {obj.position}"


class AgreementForm(Form):
    """The header and the text of a draft. ``version`` is the draft's lock number."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    title = forms.CharField(label=_("Title"), max_length=300)
    type = forms.ChoiceField(label=_("Type"), choices=AgreementType.choices)
    scope = forms.ChoiceField(label=_("Scope"), choices=AgreementScope.choices)

    GROUPS = (
        (_("The agreement"), ("title", "type", "scope", "is_binding", "valid_from", "valid_until")),
        (_("Purpose and principles"), ("purpose", "principles", "target_group")),
        (
            _("Exchange of information"),
            (
                "exchanges_personal_data",
                "exchanges_thematic",
                "exchange_channel",
                "designated_officers",
                "data_protection",
                "confidentiality_measures",
            ),
        ),
        (_("Differences"), ("dispute_resolution",)),
        (_("Amendment"), ("amendment_note",)),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        agreement: Agreement | None = None,
        draft: AgreementVersion | None = None,
    ) -> None:
        initial: dict[str, Any] = {}
        if agreement is not None and draft is not None:
            initial = {name: getattr(agreement, name) for name in ("title", "type", "scope")}
            initial |= {name: getattr(draft, name) for name in CONTENT_FIELDS}
            initial["version"] = draft.version
            initial["designated_officers"] = [o.pk for o in draft.designated_officers.all()]
        super().__init__(data, initial=initial)
        self.fields.update(
            fields_for_model(
                AgreementVersion, fields=list(CONTENT_FIELDS), formfield_callback=model_formfield
            )
        )
        self.header_fixed = draft is not None and draft.number > 1
        if self.header_fixed:
            for name in ("title", "type", "scope"):
                self.fields[name].disabled = True
        else:
            del self.fields["amendment_note"]
        if draft is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True
            org_ids = [party.organisation_id for party in draft.parties.all()]
            self.fields["designated_officers"] = _OfficerField(
                queryset=ContactPoint.objects.filter(
                    organisation_id__in=org_ids, is_active=True
                ).select_related("organisation"),
                required=False,
                label=_("Designated officers"),
                help_text=_("Contact points of the parties through which information goes."),
            )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(title), [self[name] for name in names if name in self.fields])
            for title, names in self.GROUPS
            if any(name in self.fields for name in names)
        ]

    def header(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("title", "type", "scope")}

    def content(self) -> dict[str, Any]:
        names = [n for n in (*CONTENT_FIELDS, "designated_officers") if n in self.fields]
        return {name: self.cleaned_data[name] for name in names}


class _ResponsibilityFields(Form):
    procedures = forms.MultipleChoiceField(
        label=_("TRM procedures"), required=False, widget=forms.CheckboxSelectMultiple
    )
    measures = forms.MultipleChoiceField(
        label=_("TRM measures"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("The measures this party carries out under the agreement."),
    )
    responsibilities = forms.CharField(
        label=_("Responsibilities"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What this party commits to, in the agreement's words."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        procedures = self.fields["procedures"]
        measures = self.fields["measures"]
        assert isinstance(procedures, forms.ChoiceField)
        assert isinstance(measures, forms.ChoiceField)
        procedures.choices = presentation.procedure_choices()
        measures.choices = presentation.measure_choices()


class PartyAddForm(_ResponsibilityFields):
    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.filter(is_active=True)
    )
    field_order = ["organisation", "procedures", "measures", "responsibilities"]


class PartyEditForm(_ResponsibilityFields):
    pass


def _party_choices(version: AgreementVersion) -> list[tuple[int, str]]:
    # With type and country: two parties may bear the same name in two countries.
    parties = version.parties.select_related("organisation__country")
    return [(party.organisation_id, organisation_label(party.organisation)) for party in parties]


class FlowForm(Form):
    sender = forms.TypedChoiceField(label=_("From"), coerce=int)
    receiver = forms.TypedChoiceField(label=_("To"), coerce=int)
    categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "What the sender may pass to the receiver about a person, when the person has "
            "consented too. Leave all unticked to allow nothing."
        ),
    )

    def __init__(self, data: Any = None, *, version: AgreementVersion) -> None:
        super().__init__(data)
        parties = _party_choices(version)
        for name in ("sender", "receiver"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = parties
        categories = self.fields["categories"]
        assert isinstance(categories, forms.ChoiceField)
        categories.choices = presentation.category_choices()


class SignatureForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    party = forms.TypedChoiceField(label=_("Party"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=SignatureKind.choices)
    signed_on = forms.DateField(label=_("Signed on"), widget=_DATE)
    signed_by = forms.CharField(
        label=_("Signed by"),
        max_length=300,
        help_text=_("Name and position of who signed for the party."),
    )

    def __init__(
        self, data: Any = None, *, version: AgreementVersion, own_organisation_id: int | None
    ) -> None:
        initial = {
            "version": version.number,
            "kind": SignatureKind.ACKNOWLEDGEMENT
            if version.number > 1
            else SignatureKind.SIGNATURE,
        }
        super().__init__(data, initial=initial)
        party = self.fields["party"]
        assert isinstance(party, forms.ChoiceField)
        party.help_text = _("Each party records its own signature.")
        # Only the acting organisation signs for itself (issue 9); the service refuses others.
        party.choices = [
            (p.organisation_id, p.organisation.name)
            for p in version.parties.all()
            if p.organisation_id == own_organisation_id
        ]


class FlowApproveForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    sender = forms.IntegerField(widget=forms.HiddenInput)
    receiver = forms.IntegerField(widget=forms.HiddenInput)
    categories = forms.CharField(widget=forms.HiddenInput, required=False)  # as the page showed

    def seen(self) -> list[str]:
        value: str = self.cleaned_data["categories"]
        return [code for code in value.split(",") if code]


class AmendForm(Form):
    note = forms.CharField(
        label=_("What the amendment changes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TerminateForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    terminated_on = forms.DateField(label=_("Terminated on"), widget=_DATE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class MeetingForm(Form):
    held_on = forms.DateField(label=_("Date"), widget=_DATE)
    subject = forms.CharField(label=_("Subject"), max_length=300)


class MeetingCancelForm(Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=1000)


class AgreementFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *states.Status.choices]
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *AgreementType.choices]
    )
    party = forms.TypedChoiceField(label=_("Party"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any = None, *, parties: list[tuple[int, str]]) -> None:
        super().__init__(data)
        party = self.fields["party"]
        assert isinstance(party, forms.ChoiceField)
        party.choices = [("", _("Any")), *parties]
