"""HTML input for measures, the identification decision, the reflection period and a country's
case settings. The forms collect and pre-check; the services in ``cases/services`` decide."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.models import User
from opentrm.accounts.policy import Actor
from opentrm.cases.access import measure_notes_visible
from opentrm.cases.models import Case, IdentificationOutcome, MeasureStatus
from opentrm.cases.services.case_settings import roles_that_may_identify
from opentrm.cases.services.measures import (
    responsible_bodies,
    responsible_people,
)
from opentrm.catalogue.loader import load_catalogue
from opentrm.core.forms import Form
from opentrm.directory.models import Organisation
from opentrm.directory.pickers import (
    ORGANISATION_HINT,
    CountryField,
    PickerSelect,
    by_country,
    organisation_choices,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # dev-only package: types only

_DATE = {"type": "date"}


def _date_field(label: "StrOrPromise", **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=kwargs.pop("required", False),
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        **kwargs,
    )


class MeasureForm(Form):
    """Plan a measure (no version, no status) or change one on the case."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
    responsible_organisation = forms.TypedChoiceField(
        label=_("Responsible organisation"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=PickerSelect(attrs={"data-picker-hint": ORGANISATION_HINT}),
        help_text=_("The bodies the directory names for this procedure are listed first."),
    )
    responsible_person = forms.TypedChoiceField(
        label=_("Responsible person"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A member of the responsible organisation, if it works on this case."),
    )
    due_on = _date_field(_("Due"))
    started_on = _date_field(_("Started"))
    completed_on = _date_field(_("Completed"))
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        data: Any = None,
        *,
        actor: Actor,
        case: Case,
        sop_code: str,
        planning: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        if planning:
            for name in ("version", "status", "started_on", "completed_on"):
                del self.fields[name]
        if not measure_notes_visible(actor, case, sop_code):
            del self.fields["notes"]  # free text of a group the actor may not see
        suggested = responsible_bodies(case, [sop_code])[sop_code]
        on_case = [
            p.organisation
            for p in case.participants.filter(is_active=True).select_related("organisation")
        ]
        others = (
            Organisation.objects.visible_to(actor).filter(is_active=True).select_related("country")
        )
        self._organisations: dict[int, Organisation] = {}
        groups: list[tuple[str, list[Organisation]]] = []
        first_groups = (
            (_("Responsible for this procedure"), suggested),
            (_("On this case"), on_case),
        )
        # The rest by country, the reader's first: never ten "Child Protection Agency" alike.
        other_groups = [
            (_("Other organisations: %(country)s") % {"country": country}, members)
            for country, members in by_country(others)
        ]
        for label, organisations in (*first_groups, *other_groups):
            members = []
            for organisation in organisations:
                if organisation.pk not in self._organisations:
                    self._organisations[organisation.pk] = organisation
                    members.append(organisation)
            if members:
                groups.append((str(label), members))
        organisation_field = self.fields["responsible_organisation"]
        assert isinstance(organisation_field, forms.ChoiceField)
        organisation_field.choices = [("", "—"), *organisation_choices(groups)]
        if planning and suggested and "responsible_organisation" not in self.initial:
            self.initial["responsible_organisation"] = suggested[0].pk
        self._people: dict[int, User] = {user.pk: user for user in responsible_people(case)}
        person_field = self.fields["responsible_person"]
        assert isinstance(person_field, forms.ChoiceField)
        person_field.choices = [
            ("", "—"),
            *(
                (pk, user.get_full_name() or user.get_username())
                for pk, user in self._people.items()
            ),
        ]

    def organisation(self) -> Organisation | None:
        pk = self.cleaned_data.get("responsible_organisation")
        return self._organisations.get(pk) if pk is not None else None

    def person(self) -> User | None:
        pk = self.cleaned_data.get("responsible_person")
        return self._people.get(pk) if pk is not None else None


class IdentificationForm(Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=IdentificationOutcome.choices, widget=forms.RadioSelect
    )
    is_formal = forms.BooleanField(
        label=_("Formal identification"),
        required=False,
        help_text=_("Only the roles your country names may formally identify."),
    )
    decided_on = _date_field(_("Date of the decision"), required=True)
    country_code = CountryField(label=_("Country"), help_text=_("The deciding country."))
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300)
    indicators_used = forms.CharField(
        label=_("Indicators or questionnaire used"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReflectionPeriodForm(Form):
    starts_on = _date_field(_("Starts"), required=True)
    ends_on = _date_field(_("Ends"))


class CountrySettingsForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reflection_days = forms.IntegerField(
        label=_("Recovery and reflection period (days)"),
        min_value=1,
        max_value=32767,
        help_text=_("At least 30 days (Council of Europe Convention, Article 13)."),
    )
    identifying_roles = forms.MultipleChoiceField(
        label=_("Roles that may formally identify a victim"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "None ticked: the default list (police investigator, prosecutor, case manager, "
            "caseworker)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["identifying_roles"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(role.value, role.label) for role in roles_that_may_identify()]


def _deadline_days_field() -> forms.IntegerField:
    """A measure's default deadline, for a catalogue measure's national setting and a
    country's own measure alike."""
    return forms.IntegerField(
        label=_("Default deadline (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Days from planning the measure to its due date; empty for none."),
    )


class MeasureSettingForm(Form):
    label = forms.CharField(
        label=_("Name in this country"),
        required=False,
        max_length=200,
        help_text=_("Empty: the catalogue's name."),
    )
    # A choice, not a checkbox: an unticked checkbox sends nothing, so an empty POST would
    # switch the measure off. The choice must be sent.
    is_enabled = forms.TypedChoiceField(
        label=_("In use"),
        choices=[("on", _("In use")), ("off", _("Switched off"))],
        coerce=lambda value: value == "on",
        widget=forms.RadioSelect,
    )
    default_deadline_days = _deadline_days_field()
    guidance = forms.CharField(
        label=_("National guidance"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown with the measure, after the catalogue's guidance."),
    )


class CustomMeasureForm(Form):
    sop = forms.ChoiceField(label=_("Procedure"))
    label = forms.CharField(label=_("Name"), max_length=200)
    default_deadline_days = _deadline_days_field()
    guidance = forms.CharField(
        label=_("Guidance"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What, when, who and how: shown with the measure on every case."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sop"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(sop.code, sop.name) for sop in load_catalogue().sops]
