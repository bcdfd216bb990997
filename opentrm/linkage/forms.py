"""The reviewer's forms: which other record, the decision, the question to another node."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.exchange.models import Peer
from opentrm.linkage.models import LinkStatus


class CompareForm(forms.Form):
    number = forms.CharField(
        label=_("Case number of the other record"),
        max_length=32,
        help_text=_("The number of the case whose person may be the same person."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (LinkStatus.LINKED.value, LinkStatus.LINKED.label),
            (LinkStatus.NOT_SAME.value, LinkStatus.NOT_SAME.label),
        ]
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class UndoForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class AskForm(forms.Form):
    peer = forms.ModelChoiceField(
        label=_("Node to ask"), queryset=Peer.objects.none(), empty_label=None
    )

    def __init__(self, *args: object, peers: list[Peer], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["peer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Peer.objects.filter(pk__in=[peer.pk for peer in peers]).order_by("name")
