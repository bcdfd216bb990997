"""HTML input of meetings."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.models import User
from opentrm.core.forms import Form
from opentrm.directory.models import Organisation
from opentrm.meetings.models import CASE_KINDS, Meeting, MeetingKind, ParticipantRole

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(kinds: Any) -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in kinds]


class MeetingForm(Form):
    kind = forms.ChoiceField(label=_("Kind"))
    title = forms.CharField(label=_("Title"), max_length=300)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, data: Any = None, *, on_case: bool) -> None:
        super().__init__(data)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        general = [k for k in MeetingKind if k not in CASE_KINDS and k != MeetingKind.AGREEMENT]
        field.choices = _choices(CASE_KINDS if on_case else general)


class MeetingChangeForm(Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data: Any = None, *, meeting: Meeting) -> None:
        initial = {name: getattr(meeting, name) for name in self.base_fields}
        super().__init__(data, initial=initial)


class _OrganisationField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Organisation)
        return f"{obj.name} ({obj.country.code})"


class ParticipantForm(Form):
    organisation = _OrganisationField(label=_("Organisation"), queryset=Organisation.objects.none())
    person = forms.CharField(label=_("Name or position"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ParticipantRole.choices)

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Organisation.objects.filter(is_active=True)
            .select_related("country")
            .order_by("country__code", "name")
        )


class DecisionForm(Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))


class _OwnerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, User)
        return obj.get_full_name() or obj.get_username()


class ActionItemForm(Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = _OwnerField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DATE)

    def __init__(self, data: Any = None, *, owners: list[User]) -> None:
        super().__init__(data)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[user.pk for user in owners]).order_by(
            "last_name", "first_name", "username"
        )


class ActionItemDoneForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class KindFilterForm(Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=lambda: [("", _("All kinds")), *MeetingKind.choices],
        required=False,
    )
