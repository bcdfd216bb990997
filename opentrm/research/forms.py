from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.research import kanon, synthetic
from opentrm.research.models import DatasetKind
from opentrm.research.services import MAX_EPSILON, MAX_K


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DatasetKind.choices)
    k = forms.IntegerField(
        label=_("k (smallest group of records alike)"),
        min_value=2,
        max_value=MAX_K,
        initial=kanon.DEFAULT_K,
        required=False,
    )
    epsilon = forms.FloatField(
        label=_("Epsilon (privacy budget; smaller is more private)"),
        min_value=0.01,
        max_value=MAX_EPSILON,
        initial=synthetic.DEFAULT_EPSILON,
        required=False,
    )
