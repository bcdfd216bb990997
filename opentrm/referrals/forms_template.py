"""Forms of the transnational template: creating the referral, one section of the template
(built from the field definitions), the steps, follow-up reports and the country profile."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import FieldGroup
from opentrm.core.forms import Form
from opentrm.directory import reference
from opentrm.directory.pickers import CountriesField, CountryField, LanguagesField
from opentrm.referrals.models import Urgency
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import Field

GROUP_LABELS = {
    FieldGroup.IDENTITY: _("Identity"),
    FieldGroup.CONTACT: _("Contact"),
    FieldGroup.HEALTH: _("Health"),
    FieldGroup.PROCEEDINGS: _("Proceedings"),
    FieldGroup.CHILD_PROTECTION: _("Child protection"),
    FieldGroup.TRAVEL: _("Travel"),
    FieldGroup.ASSISTANCE: _("Assistance"),
}

_YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]
SEP = "__"


class TransnationalCreateForm(Form):
    country = forms.ChoiceField(label=_("Country to refer to"))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the person is referred. Do not write names here."),
    )

    def __init__(self, *args: Any, own_country: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from opentrm.directory.models import Country

        codes = Country.objects.exclude(code=own_country).values_list("code", flat=True)
        choices = sorted(((c, reference.country_name(c)) for c in codes), key=lambda p: p[1])
        # An empty first choice: the form must not silently pick the first country.
        _choices(self, "country", [("", "---------"), *choices])


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _form_field(item: Field) -> dict[str, forms.Field]:
    """The form fields of one template field, keyed by their names."""
    label, code, kind = item.label, item.code, item.type
    if kind == "contact":
        return {
            code + SEP + sub.code: forms.CharField(
                label=f"{label}: {sub.label}", required=False, max_length=tn.CONTACT_MAX
            )
            for sub in item.subfields
        }
    if kind == "offered_accepted":
        return {
            code + SEP + "offered": forms.BooleanField(
                label=_("%(field)s: offered to trafficked person") % {"field": label},
                required=False,
            ),
            code + SEP + "accepted": forms.BooleanField(
                label=_("%(field)s: accepted by trafficked person") % {"field": label},
                required=False,
            ),
        }
    field = _single_field(item)
    if field is None:
        return {}
    found = {code: field}
    if kind == "multi_choice" and "other" in item.option_codes:
        found[code + SEP + "other"] = forms.CharField(
            label=_("%(field)s: other (describe)") % {"field": label},
            required=False,
            max_length=tn.TEXT_MAX,
        )
    return found


def _single_field(item: Field) -> forms.Field | None:
    """The one form field of a template field of a simple type (None for an unknown type)."""
    label, kind = item.label, item.type
    if kind == "text":
        return forms.CharField(
            label=label,
            required=False,
            max_length=tn.TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
    if kind == "date":
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == "datetime":
        return forms.DateTimeField(
            label=label,
            required=False,
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
    if kind == "yes_no":
        return forms.ChoiceField(label=label, required=False, choices=_YES_NO)
    if kind == "choice":
        options = [("", "—"), *((o.code, o.label) for o in item.options)]
        return forms.ChoiceField(label=label, required=False, choices=options)
    if kind == "multi_choice":
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=[(o.code, o.label) for o in item.options],
            widget=forms.CheckboxSelectMultiple,
        )
    # Countries and languages by name (directory/pickers.py); the values stay ISO codes.
    if kind == "country":
        return CountryField(label=label, required=False)
    if kind == "country_list":
        return CountriesField(label=label, required=False)
    if kind == "language_list":
        return LanguagesField(label=label, required=False)
    return None


def _initial(item: Field, value: Any) -> dict[str, Any]:
    if not tn.has_value(value):
        return {}
    kind, code = item.type, item.code
    if kind == "text":
        return {code: value.get("text", "") if isinstance(value, dict) else value}
    if kind == "yes_no":
        return {code: "yes" if value else "no"}
    if kind == "multi_choice":
        other = value.get("other") or {}
        return {code: value.get("codes", []), code + SEP + "other": other.get("text", "")}
    if kind in ("country_list", "language_list"):
        return {code: list(value)}
    if kind == "contact":
        return {code + SEP + k: v for k, v in value.items()}
    if kind == "offered_accepted":
        return {code + SEP + k: bool(v) for k, v in value.items()}
    return {code: value}


class TemplateFieldsForm(Form):
    """Some fields of the template. ``values()`` gives the raw values for the service."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    lang = forms.ChoiceField(
        label=_("Language the text is written in"),
        help_text=_("Free text keeps the language it was written in."),
    )

    def __init__(
        self,
        *args: Any,
        items: Iterable[Field],
        values: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        _choices(
            self, "lang", [(code, reference.language_name(code)) for code in tn.node_languages()]
        )
        self.fields["lang"].initial = tn.current_language()
        for item in self.items:
            self.fields.update(_form_field(item))
            if not self.is_bound:
                self.initial.update(_initial(item, (values or {}).get(item.code)))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        found: dict[str, Any] = {}
        for item in self.items:
            code, kind = item.code, item.type
            if kind == "multi_choice":
                found[code] = {
                    "codes": data.get(code) or [],
                    "other": data.get(code + SEP + "other"),
                }
            elif kind == "contact":
                found[code] = {
                    sub.code: data.get(code + SEP + sub.code, "") for sub in item.subfields
                }
            elif kind == "offered_accepted":
                found[code] = {
                    "offered": bool(data.get(code + SEP + "offered")),
                    "accepted": bool(data.get(code + SEP + "accepted")),
                }
            else:
                found[code] = data.get(code)
        return found

    def field_of(self, code: str) -> str:
        """The form field that shows a service error about template field ``code``."""
        if code in self.fields:
            return code
        return next((name for name in self.fields if name.startswith(code + SEP)), "__all__")


class StepForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class SendForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class FollowUpForm(TemplateFieldsForm):
    reported_on = forms.DateField(
        label=_("Date of the report"), widget=forms.DateInput(attrs={"type": "date"})
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].required = False
        self.fields["reported_on"].initial = timezone.localdate()
        # date and summary first
        order = ["reported_on", "summary", "lang"]
        self.order_fields(order)


class ProfileAddForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits and underscores, e.g. social_card_number"),
    )
    label = forms.CharField(label=_("Label"), max_length=200)
    type = forms.ChoiceField(label=_("Type"))
    section = forms.ChoiceField(label=_("Section"))
    group = forms.ChoiceField(
        label=_("Data category"),
        required=False,
        help_text=_("Leave empty only for data about organisations, never about the person."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template = loader.load_template()
        type_labels = {
            "text": _("Free text"),
            "date": _("Date"),
            "datetime": _("Date and time"),
            "yes_no": _("Yes / no"),
            "country": _("Country"),
            "country_list": _("Countries"),
        }
        _choices(self, "type", [(t, type_labels[t]) for t in loader.ADDABLE_TYPES])
        _choices(self, "section", [(s.code, s.heading) for s in template.sections])
        _choices(self, "group", [("", "—"), *((g.value, GROUP_LABELS[g]) for g in FieldGroup)])


class ProfileFieldForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(max_length=120, widget=forms.HiddenInput)
    op = forms.ChoiceField(
        choices=[("disable", "disable"), ("enable", "enable"), ("remove", "remove")],
        widget=forms.HiddenInput,
    )
