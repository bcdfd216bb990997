"""HTML input for editing the directory.

The forms only collect and pre-check input (so each error sits next to its field); the services
in ``directory/services.py`` validate again and save. Fields are built from the models, so
labels, help texts, choices and lengths come from one place, but no form ever saves a model
itself: a ModelForm would copy the input onto the row before the service could see what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opentrm.core.forms import Form, add_service_errors, model_formfield
from opentrm.directory.models import (
    ChannelKind,
    ContactPoint,
    Country,
    Organisation,
    Responsibility,
)
from opentrm.directory.pickers import LanguagesField
from opentrm.directory.services import CONTACT_POINT_FIELDS, ORGANISATION_FIELDS, ChannelData
from opentrm.directory.validation import validate_channel_value

MAX_CHANNELS = 20


def _model_fields(model: type[models.Model], names: list[str]) -> dict[str, forms.Field]:
    return dict(fields_for_model(model, fields=names, formfield_callback=model_formfield))


class VersionField(forms.IntegerField):
    """The version of the row the editor started from (optimistic locking)."""

    widget = forms.HiddenInput

    def __init__(self) -> None:
        super().__init__(min_value=1)


def add_service_error(
    form: forms.BaseForm, error: ValidationError, *, channels: BaseChannelFormSet | None = None
) -> None:
    """Put a service's ValidationError on the fields it names (channel errors on the channel
    rows); the rest above the form."""
    add_service_errors(form, channels.take_errors(error) if channels is not None else error)


class OrganisationForm(Form):
    version = VersionField()

    def __init__(
        self,
        data: Any = None,
        *,
        country: Country,
        organisation: Organisation | None = None,
    ) -> None:
        initial: dict[str, Any] = {}
        if organisation is not None:
            initial = model_to_dict(organisation, fields=ORGANISATION_FIELDS)
            initial["notes"] = organisation.shown_notes  # a system's note in the editor's language
            initial["version"] = organisation.version
        super().__init__(data, initial=initial)
        self.fields.update(_model_fields(Organisation, ORGANISATION_FIELDS))
        self.fields["version"].required = organisation is not None
        parents = Organisation.objects.filter(country=country).order_by("name")
        if organisation is not None:
            parents = parents.exclude(pk=organisation.pk)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = parents
        parent.help_text = _("Only bodies of the same country can be chosen.")

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ORGANISATION_FIELDS}


class ContactPointForm(Form):
    person_name_fields = ("person_name",)
    version = VersionField()
    languages = LanguagesField(label=_("Languages spoken"), required=False)

    def __init__(self, data: Any = None, *, contact_point: ContactPoint | None = None) -> None:
        initial: dict[str, Any] = {}
        if contact_point is not None:
            initial = model_to_dict(contact_point, fields=CONTACT_POINT_FIELDS)
            initial["version"] = contact_point.version
            initial["languages"] = sorted(lang.code for lang in contact_point.languages.all())
        super().__init__(data, initial=initial)
        model_fields = _model_fields(ContactPoint, CONTACT_POINT_FIELDS)
        # Put the languages after the position and person, before the notes.
        languages = self.fields.pop("languages")
        self.fields.update(model_fields)
        notes = self.fields.pop("notes")
        self.fields["languages"] = languages
        self.fields["notes"] = notes
        self.fields["version"].required = contact_point is not None

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CONTACT_POINT_FIELDS}


class ChannelForm(Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ChannelKind.choices, initial=ChannelKind.PHONE
    )
    value = forms.CharField(label=_("Number, address or id"), max_length=300)
    label = forms.CharField(
        label=_("Label"), max_length=80, required=False, help_text=_("e.g. Skype, ext. 12")
    )
    hours = forms.CharField(
        label=_("Hours"), max_length=120, required=False, help_text=_("e.g. Mon-Fri 8:00-16:00")
    )
    available_24_7 = forms.BooleanField(label=_("Available 24/7"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind and value:
            try:
                cleaned["value"] = validate_channel_value(kind, value)
            except ValidationError as error:
                self.add_error("value", error)
        return cleaned


if TYPE_CHECKING:
    _ChannelFormSetBase = forms.BaseFormSet[ChannelForm]
    _ContactPointChoiceBase = forms.ModelChoiceField[ContactPoint]
else:  # Django's classes are not subscriptable at run time
    _ChannelFormSetBase = forms.BaseFormSet
    _ContactPointChoiceBase = forms.ModelChoiceField


class BaseChannelFormSet(_ChannelFormSetBase):
    def channel_data(self) -> list[ChannelData]:
        """The channels to keep, in the order shown; untouched blank rows are skipped."""
        rows = []
        for data in self.cleaned_data:
            if not data or data.get("DELETE"):
                continue
            rows.append(
                ChannelData(
                    kind=data["kind"],
                    value=data["value"],
                    label=data["label"],
                    hours=data["hours"],
                    available_24_7=data["available_24_7"],
                )
            )
        return rows

    def add_errors(self, messages: list[str]) -> None:
        """Show errors that concern the channels as a whole (e.g. from the service)."""
        self.non_form_errors().extend(messages)

    def take_errors(self, error: ValidationError) -> ValidationError:
        """A service's error without what it says about the channels, shown on the rows."""
        if not hasattr(error, "error_dict") or "channels" not in error.error_dict:
            return error
        rest = error.message_dict
        self.add_errors(rest.pop("channels"))
        return ValidationError(rest)


ChannelFormSet = forms.formset_factory(
    ChannelForm,
    formset=BaseChannelFormSet,
    extra=2,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_CHANNELS,
    validate_max=True,
    absolute_max=MAX_CHANNELS,
)


CHANNELS_PREFIX = "channels"
ADD_CHANNEL = "add_channel"  # the name of the "add a channel" button


def _row_count(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def channel_formset(
    data: Any = None, *, contact_point: ContactPoint | None = None
) -> BaseChannelFormSet:
    """The channel rows; when the editor pressed "add a channel" (without JavaScript), one
    more blank row than they sent."""
    initial = []
    if contact_point is not None:
        initial = [
            {
                "kind": channel.kind,
                "value": channel.value,
                "label": channel.label,
                "hours": channel.hours,
                "available_24_7": channel.available_24_7,
            }
            for channel in contact_point.channels.all()
        ]
    if data is not None and ADD_CHANNEL in data:
        data = data.copy()
        total = f"{CHANNELS_PREFIX}-TOTAL_FORMS"
        data[total] = str(min(_row_count(data.get(total)) + 1, MAX_CHANNELS))
    formset = ChannelFormSet(data, initial=initial, prefix=CHANNELS_PREFIX)
    assert isinstance(formset, BaseChannelFormSet)
    return formset


def new_channel_row(total_forms: Any) -> tuple[ChannelForm, int] | None:
    """A blank channel row to append after ``total_forms`` rows (htmx) and the new number of
    rows, or None at the limit."""
    index = _row_count(total_forms)
    if index >= MAX_CHANNELS:
        return None
    form = ChannelForm(
        prefix=f"{CHANNELS_PREFIX}-{index}", empty_permitted=True, use_required_attribute=False
    )
    return form, index + 1


class ContactPointChoiceField(_ContactPointChoiceBase):
    def label_from_instance(self, obj: ContactPoint) -> str:
        return f"{obj.organisation.name}: {obj}"


class ResponsibilityForm(Form):
    """Assign a body (and optionally one of its contact points) to a procedure or function."""

    def __init__(self, data: Any = None, *, country: Country, initial: Any = None) -> None:
        super().__init__(data, initial=initial)
        self.fields.update(
            _model_fields(
                Responsibility,
                ["function", "organisation", "contact_point", "label", "note", "order"],
            )
        )
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)
        organisation.queryset = Organisation.objects.filter(country=country).order_by("name")
        # Choosing a body reloads the contact point list with that body's contacts (htmx);
        # without JavaScript the list holds every contact point of the country.
        organisation.widget.attrs.update(
            {
                "hx-get": reverse("directory:responsibility_create", args=[country.code]),
                "hx-trigger": "change",
                "hx-target": "#contact-point-field",
                "hx-select": "#contact-point-field",
                "hx-swap": "outerHTML",
            }
        )
        contact_points = ContactPoint.objects.filter(organisation__country=country)
        chosen = self._chosen_organisation_id()
        if chosen is not None:
            contact_points = contact_points.filter(organisation_id=chosen)
        self.fields["contact_point"] = ContactPointChoiceField(
            queryset=contact_points.select_related("organisation").order_by(
                "organisation__name", "position", "id"
            ),
            required=False,
            label=_("Contact point"),
            empty_label=_("The body as a whole (all its active contact points)"),
        )
        self.fields["order"].help_text = _("Rows with a smaller number are listed first.")

    def _chosen_organisation_id(self) -> int | None:
        raw = (
            self.data.get(self.add_prefix("organisation"))
            if self.is_bound
            else self.initial.get("organisation")
        )
        try:
            return int(raw) if raw else None
        except (TypeError, ValueError):
            return None

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "function": data["function"],
            "organisation": data["organisation"],
            "contact_point": data["contact_point"],
            "label": data["label"],
            "note": data["note"],
            "order": data["order"],
        }


class ResponsibilityRemoveForm(Form):
    """The removal must be asked for: an empty POST removes nothing."""

    confirm = forms.ChoiceField(choices=[("remove", "remove")], widget=forms.HiddenInput)
