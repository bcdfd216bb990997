"""The dashboard's filters (GET): a period of months, country, organisation, breakdown."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.stats.indicators import DIMENSION_LABELS, INDICATORS
from opentrm.stats.selectors import Filters
from opentrm.stats.services.report import ReportYearError, check_year

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_MONTHS = 120


def _month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


class DashboardForm(forms.Form):
    start = forms.RegexField(
        label=_("From (month)"),
        regex=MONTH,
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    end = forms.RegexField(
        label=_("To (month)"),
        regex=MONTH,
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )
    indicator = forms.ChoiceField(
        label=_("Indicator"), choices=[(i.code, i.label) for i in INDICATORS]
    )
    breakdown = forms.ChoiceField(label=_("Breakdown"), choices=list(DIMENSION_LABELS.items()))

    def __init__(
        self,
        *args: object,
        countries: list[str],
        organisations: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["country"].choices = [("", _("All countries"))] + [(c, c) for c in countries]  # type: ignore[attr-defined]
        self.fields["organisation"].choices = [("", _("All organisations")), *organisations]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if self.errors:
            return data
        start, end = _month(str(data["start"])), _month(str(data["end"]))
        if end < start:
            self.add_error("end", _("The period ends before it starts."))
        elif (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            self.add_error("end", _("Choose a period of at most ten years."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            country=data.get("country") or "",
            organisation_id=data.get("organisation"),
            breakdown=data["breakdown"],
            indicator=data["indicator"],
        )


class ReportForm(forms.Form):
    """The year of the annual report (GET): from the first year statistics may hold to this
    one; the default is the last whole year."""

    year = forms.IntegerField(
        label=_("Year"),
        error_messages={
            "invalid": _("Enter a year as four digits."),
            "required": _("Enter a year as four digits."),
        },
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["year"].initial = today.year - 1

    def clean_year(self) -> int:
        try:
            return check_year(int(self.cleaned_data["year"]), self.today)
        except ReportYearError as error:
            raise forms.ValidationError(error.message) from error
