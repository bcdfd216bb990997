import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import (
    AgeBand,
    ConsentDecision,
    ConsentPurpose,
    ReferralChannel,
    ReferrerType,
    Sex,
)
from opentrm.core.forms import Form
from opentrm.directory.models import Organisation
from opentrm.directory.pickers import (
    CountriesField,
    CountryField,
    LanguageField,
    LanguagesField,
    OrganisationChoiceField,
    codes,
)


class CaseRegisterForm(Form):
    """Registering a presumed victim at 3 a.m.: everything is optional but the essentials."""

    person_name_fields = ("name",)

    public_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    name = forms.CharField(
        label=_("Name or initials"),
        required=False,
        max_length=200,
        help_text=_("As the person gives it; initials are enough for now."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    age_band = forms.ChoiceField(
        label=_("Age (estimate)"),
        choices=AgeBand.choices,
        initial=AgeBand.UNKNOWN,
        help_text=_("A person whose age is unknown is treated as a child."),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    languages = LanguagesField(label=_("Languages spoken"), required=False)
    citizenship = CountriesField(label=_("Citizenship"), required=False)
    at_risk_only = forms.BooleanField(
        label=_("Person at risk (prevention record), not a presumed victim"), required=False
    )
    referrer_type = forms.ChoiceField(
        label=_("Referred by"),
        choices=[("", "—"), *ReferrerType.choices],
        required=False,
    )
    referrer_organisation = OrganisationChoiceField(
        queryset=Organisation.objects.filter(is_active=True),
        label=_("Referring organisation"),
        required=False,
    )
    referral_channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "—"), *ReferralChannel.choices], required=False
    )
    notified_at = forms.DateTimeField(
        label=_("Notified at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the person came to notice; now if left empty."),
    )

    def clean_date_of_birth(self) -> object:
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future."))
        return born

    codes = staticmethod(codes)


class CaseDeleteForm(Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ConsentForm(Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ConsentDecision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    recipient_organisation = OrganisationChoiceField(
        label=_("Recipient organisation"),
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        help_text=_("For sharing data: the organisation the person agreed to."),
    )
    recipient_country = CountryField(
        label=_("Recipient country"),
        required=False,
        help_text=_("Or a whole country. With an organisation: the country it is in, as a check."),
    )
    expires_on = forms.DateField(
        label=_("Expires"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    explained_in = LanguageField(label=_("Explained in (language)"))
    interpreter = forms.CharField(label=_("Interpreter"), required=False, max_length=200)
    information_given = forms.CharField(
        label=_("What the person was told"), widget=forms.Textarea(attrs={"rows": 4})
    )
    supersedes = forms.IntegerField(widget=forms.HiddenInput, required=False)
    signed_form = forms.FileField(
        label=_("Scanned signature"),
        required=False,
        allow_empty_file=True,  # the service says on the field why an empty file is refused
        help_text=_(
            "Optional: the signed consent form, scanned (PDF, PNG or JPEG). It is kept with the "
            "case's documents."
        ),
    )
