"""HTML input of the portal; the services validate again and save."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from opentrm.core.forms import Form
from opentrm.directory.models import Country, Organisation
from opentrm.directory.pickers import OrganisationsField
from opentrm.portal.models import ResourceKind, Visibility

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def language_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in settings.LANGUAGES]


def _long_text(label: StrOrPromise, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": rows})
    )


class ProfileForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    language = forms.ChoiceField(label=_("Language of the text"), choices=language_choices)
    legislation = _long_text(_("Anti-trafficking legislation"), rows=4)
    criminal_code_articles = forms.CharField(
        label=_("Criminal-code articles"), required=False, max_length=300
    )
    national_action_plan = _long_text(_("National action plan"))
    nrm_status = _long_text(_("National referral mechanism (NRM)"))
    sop_status = _long_text(_("SOP status"))
    sop_adopted_on = forms.DateField(
        label=_("SOPs adopted on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    instruments = _long_text(_("Ratified instruments"), rows=4)
    social_protection = _long_text(_("Social-protection programmes"))
    labour_regulations = _long_text(_("Labour regulations relevant to labour exploitation"))
    request_routes = _long_text(_("How to send each request type to this country"), rows=5)
    visibility = forms.ChoiceField(
        label=_("Who may read the profile"),
        choices=[
            (Visibility.PUBLIC.value, Visibility.PUBLIC.label),
            (Visibility.MEMBERS.value, Visibility.MEMBERS.label),
        ],
        help_text=_("The contacts are never public, whatever is chosen here."),
    )


class ResourceForm(Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Type"), choices=ResourceKind.choices)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.order_by("code"),
        required=False,
        to_field_name="code",
        help_text=_("Empty for an international or regional item."),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        allow_empty_file=True,
        help_text=_("PDF, PNG, JPEG or plain text."),
    )
    url = forms.URLField(label=_("Or a link"), required=False, assume_scheme="https")
    visibility = forms.ChoiceField(label=_("Who may read it"), choices=Visibility.choices)
    organisations = OrganisationsField(
        label=_("Organisations that may read it"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Only when the item is for named organisations."),
    )
    reviewed_on = forms.DateField(
        label=_("Last reviewed"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Organisation.objects.filter(is_active=True)


class NationalTermForm(Form):
    name = forms.CharField(label=_("Your country's term"), max_length=300)
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    is_legal_term = forms.BooleanField(label=_("It is the term of the law"), required=False)
    legal_reference = forms.CharField(
        label=_("Legal reference"),
        required=False,
        max_length=200,
        help_text=_("e.g. Criminal Code, Art. 110/a"),
    )


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ResourceDeleteForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000)
