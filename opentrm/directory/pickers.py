"""Pickers for organisations, countries and languages: names, never bare codes.

Every picker is a native ``<select>`` (or a list of check boxes for several values), so it works
without JavaScript; ``static/opentrm/app.js`` adds a filter box above each one marked
``data-picker`` that narrows the list as the user types (any part of the name, the country or
the type, accents ignored).

Organisations are grouped by country, with the reader's own country first: identically named
bodies of ten countries ("Child Protection Agency") must never look alike, so each option also
names its type and country. The reader's country is taken, like Django's active language, from
a context variable that ``ReaderCountryMiddleware`` sets for each request; without it (a test, a
management command) the countries are simply in alphabetical order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from django import forms
from django.db.models import Model
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from opentrm.directory import reference
from opentrm.directory.models import Language, Organisation

# The filter box's accessible name, and the hint shown in it.
FILTER_LABEL = _("Type to narrow the list")
NAME_HINT = _("Part of the name")
ORGANISATION_HINT = _("Part of a name, a country or a type")

# A zero-argument callable, so the country is looked up only when a picker is drawn.
_reader_country: ContextVar[Callable[[], str] | None] = ContextVar(
    "opentrm_reader_country", default=None
)


def reader_country() -> str:
    """The country code of the organisation the reader acts for, or "" when unknown."""
    lookup = _reader_country.get()
    return lookup() if lookup is not None else ""


class ReaderCountryMiddleware:
    """Tells the pickers the reader's country for the duration of a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from opentrm.accounts.session import current_actor

        cached: list[str] = []

        def lookup() -> str:
            if not cached:
                actor = current_actor(request)
                membership = actor.membership if actor is not None else None
                code = ""
                if membership is not None:
                    code = (
                        Organisation.objects.filter(pk=membership.organisation_id)
                        .values_list("country__code", flat=True)
                        .first()
                        or ""
                    )
                cached.append(code)
            return cached[0]

        token = _reader_country.set(lookup)
        try:
            return self.get_response(request)
        finally:
            _reader_country.reset(token)


def folded(text: str) -> str:
    """Lower case without accents: what the filter compares (mirrors app.js)."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def organisation_label(organisation: Organisation) -> str:
    """ "Child Protection Agency — Child protection / guardianship, Serbia"."""
    return (
        f"{organisation.name} — {organisation.get_type_display()}, "
        f"{reference.country_name(organisation.country.code)}"
    )


def by_country(
    organisations: Iterable[Organisation], *, first: str | None = None
) -> list[tuple[str, list[Organisation]]]:
    """The organisations in groups named after their country: the reader's own first, then
    the others by name; within a group by name."""
    first = reader_country() if first is None else first
    groups: dict[str, list[Organisation]] = {}
    for organisation in organisations:
        groups.setdefault(organisation.country.code, []).append(organisation)
    names = {code: reference.country_name(code) for code in groups}
    order = sorted(groups, key=lambda code: (code != first, folded(names[code])))
    return [(names[code], sorted(groups[code], key=lambda o: folded(o.name))) for code in order]


class PickerSelect(forms.Select):
    """A ``<select>`` the page's script gives a filter box."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        attrs = {"data-picker": FILTER_LABEL, "data-picker-hint": NAME_HINT, **(attrs or {})}
        super().__init__(attrs, choices)


class PickerCheckboxes(forms.CheckboxSelectMultiple):
    """Check boxes for several values in a scrolling box (``picker-list``) the page's script
    gives a filter box; ticked boxes stay in sight whatever the filter."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        # Django puts the class on the box and on each check box, other attributes only on
        # the check boxes: the script reads the filter's label from the first one.
        super().__init__(
            {
                "class": "picker-list",
                "data-picker": FILTER_LABEL,
                "data-picker-hint": NAME_HINT,
                **(attrs or {}),
            },
            choices,
        )


class _ByCountryIterator(ModelChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = self.queryset.select_related("country")
        for country, organisations in by_country(queryset):
            yield (country, [self.choice(organisation) for organisation in organisations])


class _OrganisationPicker(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Organisations of the directory grouped by country, each option naming its type and
    country, with the filter box's hint: what both organisation fields share."""

    iterator = _ByCountryIterator

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        super().__init__(queryset, **kwargs)
        self.widget.attrs["data-picker-hint"] = ORGANISATION_HINT

    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Organisation)
        return organisation_label(obj)


class OrganisationChoiceField(_OrganisationPicker):
    """One organisation of the directory: grouped by country, with its type and country."""

    widget = PickerSelect


class OrganisationsField(_OrganisationPicker, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several organisations of the directory: check boxes grouped by country, each with its
    type and country."""

    widget = PickerCheckboxes


def organisation_choices(
    groups: Iterable[tuple[str, Iterable[Organisation]]],
) -> list[tuple[str, list[tuple[int, str]]]]:
    """(group, organisations) pairs as a choice field's grouped choices."""
    return [
        (label, [(organisation.pk, organisation_label(organisation)) for organisation in members])
        for label, members in groups
    ]


# --- countries and languages -------------------------------------------------------------------

# Languages offered by name: every ISO 639-1 language, and the 639-3 ones the region's people
# speak that have no two-letter code (Romani and its Vlax variety, Aromanian).
_EXTRA_LANGUAGES = ("rom", "rmy", "rup")


def country_choices(*, first: str | None = None) -> list[tuple[str, str]]:
    """Every country code with its name in the reader's language; the reader's own first."""
    first = reader_country() if first is None else first
    names = [(code, reference.country_name(code)) for code in reference.all_country_codes()]
    return sorted(names, key=lambda pair: (pair[0] != first, folded(pair[1])))


def language_choices() -> list[tuple[str, str]]:
    # And every language already recorded (Language rows), so no stored choice is ever lost.
    stored = Language.objects.values_list("code", flat=True)
    codes = {*reference.two_letter_language_codes(), *_EXTRA_LANGUAGES, *stored}
    names = [(code, reference.language_name(code)) for code in codes]
    return sorted(names, key=lambda pair: folded(pair[1]))


def _with_empty(choices: Callable[[], list[tuple[str, str]]]) -> Callable[[], list[Any]]:
    return lambda: [("", "—"), *choices()]


class CountryField(forms.ChoiceField):
    """One country by name; the value is its ISO 3166 code."""

    widget = PickerSelect

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=_with_empty(country_choices), **kwargs)

    def to_python(self, value: Any) -> str:
        text: str = super().to_python(value)
        return text.strip().upper()  # "md", as once typed, is Moldova


class CountriesField(forms.MultipleChoiceField):
    """Several countries by name (e.g. citizenships); the values are ISO 3166 codes."""

    widget = PickerCheckboxes

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=country_choices, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        return [code.strip().upper() for code in super().to_python(value) if code.strip()]


class LanguageField(forms.ChoiceField):
    """One language by name; the value is its ISO 639 code."""

    widget = PickerSelect

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=_with_empty(language_choices), **kwargs)

    def valid_value(self, value: str) -> bool:
        # A code stored before the list was narrowed stays valid (the service checks it).
        return super().valid_value(value) or reference.is_language_code(value)


class LanguagesField(forms.MultipleChoiceField):
    """Several languages by name; the values are ISO 639 codes."""

    widget = PickerCheckboxes

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=language_choices, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        codes = [code.strip().lower() for code in super().to_python(value) if code.strip()]
        return list(dict.fromkeys(codes))  # each once, in the order given

    def valid_value(self, value: str) -> bool:
        return super().valid_value(value) or reference.is_language_code(value)


def codes(value: str | list[str]) -> list[str]:
    """The codes a picker chose (a list), or typed as "ro, sq" (the API and older forms)."""
    if isinstance(value, list):
        return [code for code in value if code]
    return [code.strip() for code in value.replace(";", ",").split(",") if code.strip()]
