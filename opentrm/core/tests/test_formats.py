"""English dates day-first on screen and in documents (issue 12 §5)."""

from datetime import date, datetime

from django import forms
from django.template import Context, Template
from django.utils import formats, translation

FOURTH_OF_DECEMBER = date(2026, 12, 4)


def test_english_dates_are_day_first_in_every_format() -> None:
    with translation.override("en"):
        assert formats.date_format(FOURTH_OF_DECEMBER, "SHORT_DATE_FORMAT") == "04/12/2026"
        assert formats.date_format(FOURTH_OF_DECEMBER) == "4 Dec 2026"
        moment = datetime(2026, 12, 4, 15, 30)  # noqa: DTZ001 (a wall-clock value)
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "04/12/2026 15:30"
        rendered = Template('{{ day }} · {{ day|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"day": FOURTH_OF_DECEMBER})
        )
    assert rendered == "4 Dec 2026 · 04/12/2026"


def test_an_english_date_typed_day_first_is_read_day_first() -> None:
    class Form(forms.Form):
        day = forms.DateField()

    with translation.override("en"):
        for typed in ("04/12/2026", "2026-12-04", "4 Dec 2026"):
            form = Form({"day": typed})
            assert form.is_valid(), typed
            assert form.cleaned_data["day"] == FOURTH_OF_DECEMBER
        assert not Form({"day": "12/31/2026"}).is_valid()  # month-first is not accepted


def test_the_other_languages_keep_their_own_formats() -> None:
    with translation.override("ro"):
        assert formats.date_format(FOURTH_OF_DECEMBER, "SHORT_DATE_FORMAT") == "04.12.2026"
