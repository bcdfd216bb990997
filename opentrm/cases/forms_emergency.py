from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import ReviewConclusion
from opentrm.core.forms import Form


class EmergencyOpenForm(Form):
    number = forms.CharField(label=_("Case number"), max_length=32)
    reason = forms.CharField(
        label=_("Why you must open this case now"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The emergency and what you must do. The data-protection officer reviews every "
            "emergency access, and the case's case manager sees it."
        ),
    )


class EmergencyReviewForm(Form):
    conclusion = forms.ChoiceField(
        label=_("Conclusion"), choices=ReviewConclusion.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
