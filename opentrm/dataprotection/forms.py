from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.models import User
from opentrm.dataprotection.models import Breach, RestrictionGround


class BreachForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Breach
        fields = ["summary", "discovered_at", "window_start", "window_end", "account"]
        widgets = {
            "discovered_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "window_start": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "window_end": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args: object, organisation_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Only the organisation's own members' accounts can be named.
        self.fields["account"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__organisation_id=organisation_id
        ).distinct()

    def _post_clean(self) -> None:
        """The service validates (and full_cleans) the breach; the form only parses input."""


class NotifiedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reference = forms.CharField(label=_("Authority's reference"), max_length=100, required=False)


class RestrictForm(forms.Form):
    ground = forms.ChoiceField(
        label=_("Ground (GDPR art. 18(1))"), choices=RestrictionGround.choices
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("What the person asked or contested, and what is being verified."),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the restriction is lifted"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    person_informed_on = forms.DateField(
        label=_("The person was informed on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The person must be told before the restriction is lifted (art. 18(3))."),
    )
