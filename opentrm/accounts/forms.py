from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.models import Membership, User
from opentrm.accounts.roles import Role
from opentrm.core.forms import Form


class ChooseOrganisationForm(Form):
    membership = forms.ModelChoiceField(
        label=_("Act for"), queryset=Membership.objects.none(), widget=forms.RadioSelect
    )

    def __init__(self, *args: object, memberships: list[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["membership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Membership.objects.filter(pk__in=[m.pk for m in memberships])


class MemberCreateForm(Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=300)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        min_length=12,
        help_text=_("At least 12 characters. Give it to the person through a separate channel."),
    )


class MembershipChangeForm(Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class ApiTokenCreateForm(Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)


class MemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of users shown by full name (or user name)."""

    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, User)
        return obj.get_full_name() or obj.get_username()


class SecondFactorForm(Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class AlertCloseForm(Form):
    note = forms.CharField(
        label=_("What you found"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
