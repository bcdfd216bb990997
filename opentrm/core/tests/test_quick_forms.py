"""Forms written in Python (issue 18) give the markup the templates give."""

from datetime import date

import pytest
from django import forms
from django.template.loader import render_to_string

from opentrm.core.forms import QUICK_RENDERER, quick_fields, quick_selects


class _Fields(forms.Form):
    mine = forms.BooleanField(label="Only mine", required=False)
    number = forms.CharField(label="Number?", max_length=8, help_text="As <printed>.")
    when = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(label="Kind", choices=[("", "Any"), ("a", "A & B")], required=False)
    colours = forms.MultipleChoiceField(
        label="Colours",
        required=False,
        choices=[("r", "Red"), ("g", "Green")],
        widget=forms.CheckboxSelectMultiple,
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        quick_selects(self)  # both sides: the selects' markup is QuickSelect's own test


class _Quick(_Fields):
    default_renderer = QUICK_RENDERER


def _both(data: dict[str, object] | None) -> tuple[str, str]:
    template = render_to_string("components/form.html", {"form": _Fields(data)})
    return template, quick_fields(_Quick(data))


@pytest.mark.parametrize(
    "data",
    [
        None,  # unbound, as a page first shows it
        {"mine": "on", "number": '7"><b>', "when": "2026-02-30", "kind": "a", "token": "x&y"},
        {"number": "", "when": date(2026, 1, 2).isoformat(), "colours": ["r"]},  # errors
    ],
)
def test_the_form_written_in_python_is_the_templates_markup(data: dict[str, object]) -> None:
    template, quick = _both(data)
    assert quick == template
    if data is not None:
        assert 'aria-invalid="true"' in quick  # the fields' errors are still announced
    assert '<label for="id_number">Number?</label>' in quick
