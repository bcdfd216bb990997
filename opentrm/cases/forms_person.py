"""Editing the person: only the field groups the actor's role may edit are on the form."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import FieldGroup
from opentrm.cases.models import (
    AgeBand,
    IdentityConfirmedBy,
    MaritalStatus,
    NameKind,
    Person,
    Sex,
)
from opentrm.cases.services.person import CONTACT_FIELDS, IDENTITY_FIELDS
from opentrm.core.forms import Form
from opentrm.directory.pickers import CountriesField, CountryField, LanguagesField, codes

MAX_NAMES = 12


class PersonForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    # identity
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    age_band = forms.ChoiceField(label=_("Age (estimate)"), choices=AgeBand.choices)
    age_disputed = forms.BooleanField(label=_("Age disputed"), required=False)
    place_of_birth = forms.CharField(label=_("Place of birth"), required=False, max_length=200)
    marital_status = forms.ChoiceField(label=_("Marital status"), choices=MaritalStatus.choices)
    identity_confirmed_by = forms.ChoiceField(
        label=_("Identity confirmed by"),
        required=False,
        choices=[("", _("Not confirmed")), *IdentityConfirmedBy.choices],
    )
    identity_note = forms.CharField(
        label=_("Identity comments"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    languages = LanguagesField(label=_("Languages spoken"), required=False)
    citizenships = CountriesField(label=_("Citizenship"), required=False)
    # contact
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    residence_country = CountryField(label=_("Country of residence"), required=False)

    # The person's own fields (``person_update``'s), then the identity group's related rows.
    IDENTITY = (*IDENTITY_FIELDS, "languages", "citizenships")
    CONTACT = tuple(CONTACT_FIELDS)

    def __init__(self, *args: Any, editable: frozenset[FieldGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if FieldGroup.IDENTITY not in editable:
            for name in self.IDENTITY:
                del self.fields[name]
        if FieldGroup.CONTACT not in editable:
            for name in self.CONTACT:
                del self.fields[name]

    @staticmethod
    def initial_for(person: Person) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(person, name) for name in IDENTITY_FIELDS}
        initial.update(
            version=person.version,
            address=person.address,
            residence_country=person.residence_country,
            languages=list(person.languages.values_list("code", flat=True)),
            citizenships=list(person.citizenships.values_list("country_code", flat=True)),
        )
        return initial

    codes = staticmethod(codes)


class NameForm(Form):
    person_name_fields = ("value",)
    kind = forms.ChoiceField(label=_("Kind"), choices=NameKind.choices)
    value = forms.CharField(label=_("Name"), max_length=200, required=False)
    script = forms.CharField(
        label=_("Script"), max_length=4, required=False, help_text=_("e.g. Latn, Cyrl, Arab")
    )


NameFormSet = forms.formset_factory(NameForm, extra=2, max_num=MAX_NAMES, can_delete=True)
