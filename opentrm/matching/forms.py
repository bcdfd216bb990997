"""The "check a person" form: what is known of someone, to look for them in the register."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import Sex
from opentrm.core.forms import Form
from opentrm.matching.scoring import PersonData

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_AGE = 120


class PersonCheckForm(Form):
    person_name_fields = ("names",)

    names = forms.CharField(
        label=_("Names and aliases"),
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One name per line, as written, in any alphabet (Latin, Cyrillic, Greek); accents "
            "optional, in any order."
        ),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=_DATE)
    birth_year = forms.IntegerField(
        label=_("Year of birth (when only the year is known)"),
        required=False,
        min_value=1900,
    )
    estimated_age = forms.IntegerField(
        label=_("Estimated age (when neither is known)"),
        required=False,
        min_value=0,
        max_value=MAX_AGE,
    )
    citizenship = forms.CharField(
        label=_("Citizenship"),
        required=False,
        max_length=60,
        help_text=_("Two-letter country codes, separated by commas, e.g. RS, MK."),
    )
    place_of_birth = forms.CharField(label=_("Place of birth"), required=False, max_length=200)
    document_number = forms.CharField(label=_("Document number"), required=False, max_length=60)

    def clean_birth_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("birth_year")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("The year of birth is in the future."))
        return year

    def clean_date_of_birth(self) -> Any:
        born = self.cleaned_data.get("date_of_birth")
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future."))
        return born

    def clean_citizenship(self) -> tuple[str, ...]:
        codes = tuple(
            code.strip().upper()
            for code in self.cleaned_data.get("citizenship", "").split(",")
            if code.strip()
        )
        if any(len(code) != 2 or not code.isalpha() for code in codes):
            raise forms.ValidationError(_("Give two-letter country codes, e.g. RS, MK."))
        return codes

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        names = tuple(line.strip() for line in data["names"].splitlines() if line.strip())
        number = data.get("document_number", "").strip()
        return PersonData(
            names=names,
            sex=data.get("sex") or "",
            date_of_birth=data.get("date_of_birth"),
            birth_year=data.get("birth_year"),
            estimated_age=data.get("estimated_age"),
            age_on=timezone.localdate(),
            citizenships=data.get("citizenship", ()),
            place_of_birth=data.get("place_of_birth", ""),
            documents=(number,) if number else (),
        )
