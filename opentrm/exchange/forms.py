"""Forms of the peers pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.core.forms import Form


class PeerRegisterForm(Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("How this node is called here, e.g. the country's national referral node."),
    )
    base_url = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("The node's address, e.g. https://trm.example.org: its keys are fetched."),
    )
    document = forms.CharField(
        label=_("Or paste its node document"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "For a closed network: the content of /.well-known/opentrm-node.json on that node."
        ),
    )


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PeerConfirmForm(VersionForm):
    fingerprint = forms.CharField(
        label=_("Fingerprint read out by the other node's administrator"),
        max_length=200,
        help_text=_(
            "Type it as you hear it, group by group (e.g. ABCD EFGH …); spaces and letter case "
            "do not matter."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class PeerRefreshForm(VersionForm):
    document = forms.CharField(
        label=_("Paste its node document (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Leave empty to fetch it from the node's address."),
    )
