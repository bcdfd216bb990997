import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import AgeBand, ConsentDecision, ConsentPurpose, Sex
from opentrm.core.forms import Form
from opentrm.directory.models import Organisation


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
    languages = forms.CharField(
        label=_("Languages spoken"),
        required=False,
        max_length=200,
        help_text=_("ISO 639 codes separated by commas, e.g. ro, sq, uk"),
    )
    citizenship = forms.CharField(
        label=_("Citizenship"),
        required=False,
        max_length=60,
        help_text=_("ISO 3166 country codes separated by commas, e.g. MD"),
    )
    at_risk_only = forms.BooleanField(
        label=_("Person at risk (prevention record), not a presumed victim"), required=False
    )

    def clean_date_of_birth(self) -> object:
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future."))
        return born

    @staticmethod
    def codes(value: str) -> list[str]:
        return [code.strip() for code in value.replace(";", ",").split(",") if code.strip()]


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
    recipient_organisation = forms.ModelChoiceField(
        label=_("Recipient organisation"),
        queryset=Organisation.objects.filter(is_active=True).select_related("country"),
        required=False,
        help_text=_("For sharing data: the organisation the person agreed to."),
    )
    recipient_country = forms.CharField(
        label=_("Recipient country"),
        required=False,
        max_length=2,
        help_text=_("Or a whole country (ISO 3166 code, e.g. MD)."),
    )
    expires_on = forms.DateField(
        label=_("Expires"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    explained_in = forms.CharField(
        label=_("Explained in (language)"), max_length=3, help_text=_("ISO 639 code, e.g. ro")
    )
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
