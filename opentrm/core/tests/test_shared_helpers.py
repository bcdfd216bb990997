"""Two small helpers the apps share: ``edited`` (a change service's arguments from a form) and
``keyed_or_stored`` (a keyed text in the reader's language, else the stored text)."""

from typing import Any

from django import forms

from opentrm.core.forms import edited
from opentrm.core.keyed_text import keyed_or_stored


class _ChangeForm(forms.Form):
    version = forms.IntegerField()
    title = forms.CharField()
    note = forms.CharField(required=False)


def test_it_gives_the_expected_version_and_the_named_fields() -> None:
    form = _ChangeForm({"version": "3", "title": "Plan", "note": "n"})
    assert form.is_valid()
    assert edited(form, "title") == {"expected_version": 3, "title": "Plan"}
    assert edited(form) == {"expected_version": 3}


def _render(key: str, params: Any) -> str | None:
    return {"known": f"Known {params.get('n', '')}".strip(), "empty": ""}.get(key)


def test_it_shows_the_keyed_text_when_the_key_renders() -> None:
    assert keyed_or_stored(_render, "known", {"n": "2"}, "stored") == "Known 2"


def test_it_shows_the_stored_text_without_a_key_or_for_a_key_it_no_longer_knows() -> None:
    assert keyed_or_stored(_render, "", {}, "typed by hand") == "typed by hand"
    assert keyed_or_stored(_render, "gone", {}, "stored") == "stored"


def test_an_empty_rendering_still_counts_as_rendered() -> None:
    assert keyed_or_stored(_render, "empty", {}, "stored") == ""
