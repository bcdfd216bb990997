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
    fingerprint_compared = forms.BooleanField(
        label=_(
            "I compared this fingerprint with the one the other node's administrator read out, "
            "and they match."
        ),
        required=False,
    )


class PeerRefreshForm(VersionForm):
    document = forms.CharField(
        label=_("Paste its node document (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Leave empty to fetch it from the node's address."),
    )
