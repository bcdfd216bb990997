from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.notifications.models import EmailChoice


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(
        label=_("E-mail me"),
        choices=EmailChoice.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Immediate-danger alerts are always e-mailed at once. An e-mail never holds "
            "personal data: only the kind of notification and a link."
        ),
    )
