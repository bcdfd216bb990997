"""The form of an import of a referral received from outside OpenTRM: one JSON file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.core.forms import Form
from opentrm.referrals.services.importing import MAX_BYTES


class ImportForm(Form):
    file = forms.FileField(
        label=_("JSON file of the referral"),
        help_text=_(
            "The JSON file of an OpenTRM export, or one filled in the same format "
            "(opentrm.referral-export, version 1). At most 2 MiB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MiB."))
        return upload
