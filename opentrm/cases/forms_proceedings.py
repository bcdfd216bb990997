"""HTML input for proceedings, the no-contact list and interviews and hearings. The forms
collect and pre-check input; ``services/proceedings.py`` validates, locks and audits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.cases.access import hearing_participants_hidden
from opentrm.cases.forms_documents import FIELD_GROUP_LABELS
from opentrm.cases.models import Case, ChildSafeguards, Hearing, NoContactPerson, Proceeding
from opentrm.cases.services.notes import note_groups
from opentrm.cases.services.proceedings import (
    HEARING_FIELDS,
    PROCEEDING_FIELDS,
    active_no_contact,
)
from opentrm.core.forms import DATETIME_INPUT, Form, model_formfield
from opentrm.directory.pickers import CountryField


class ProceedingForm(Form):
    """One set of proceedings in one country: the template §7 answers."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    GROUPS = (
        (_("Proceedings"), ("country_code", "kind", "initiated", "reference")),
        (
            _("The person"),
            ("statement_taken", "testified", "compensation_claimed", "compensation_obtained"),
        ),
        (_("Outcome"), ("court_decision", "legal_status")),
        (
            _("Victim-witness support"),
            ("support_before_trial", "support_during_trial", "support_after_trial"),
        ),
        (_("Comments"), ("comments",)),
    )

    def __init__(self, data: Any = None, *, proceeding: Proceeding | None = None) -> None:
        initial: dict[str, Any] = {}
        if proceeding is not None:
            initial = model_to_dict(proceeding, fields=list(PROCEEDING_FIELDS))
            initial["version"] = proceeding.version
        super().__init__(data, initial=initial)
        self.fields.update(
            fields_for_model(
                Proceeding, fields=list(PROCEEDING_FIELDS), formfield_callback=model_formfield
            )
        )
        self.fields["country_code"] = CountryField(
            label=self.fields["country_code"].label,
            required=self.fields["country_code"].required,
        )
        self.fields["version"].required = proceeding is not None

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(title), [self[name] for name in names]) for title, names in self.GROUPS]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PROCEEDING_FIELDS}


class NoContactForm(Form):
    person_name_fields = ("name",)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Who this is"),
        max_length=300,
        required=False,
        help_text=_("E.g. suspected recruiter, suspect's relative."),
    )


class NoContactRemoveForm(Form):
    reason = forms.CharField(
        label=_("Why is the person taken off the list?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class _NoContactChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: models.Model) -> str:
        assert isinstance(obj, NoContactPerson)
        return f"{obj.name} ({obj.description})" if obj.description else obj.name


class _ProceedingChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: models.Model) -> str:
        assert isinstance(obj, Proceeding)
        return f"{obj.get_kind_display()} · {obj.country_code}"


def _appointed_guardian(case: Case) -> str:
    """The child's appointed guardian, as the form's suggestion of who will be present."""
    safeguards = ChildSafeguards.objects.select_related("guardian").filter(case=case).first()
    if safeguards is None:
        return ""
    if safeguards.guardian is not None:
        return safeguards.guardian.get_full_name() or safeguards.guardian.username
    return safeguards.guardian_name


class HearingForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self, data: Any = None, *, case: Case, actor: Actor, hearing: Hearing | None = None
    ) -> None:
        initial: dict[str, Any] = {}
        if hearing is not None:
            initial = model_to_dict(hearing, fields=list(HEARING_FIELDS))
            initial["scheduled_at"] = timezone.localtime(hearing.scheduled_at).strftime(
                DATETIME_INPUT
            )
            initial["version"] = hearing.version
        else:
            initial["guardian_present"] = _appointed_guardian(case)
        super().__init__(data, initial=initial)
        names = [name for name in HEARING_FIELDS if name not in ("involved_no_contact",)]
        self.fields.update(
            fields_for_model(Hearing, fields=names, formfield_callback=model_formfield)
        )
        self.fields["involved_no_contact"] = _NoContactChoice(
            queryset=active_no_contact(case),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("People on the no-contact list involved"),
            help_text=_("The person must never meet them."),
        )
        self.fields["participants"].help_text = _("Names and roles, e.g. “Judge Fictiva”.")
        self.fields["separation_arrangements"].help_text = _(
            "Required when someone on the no-contact list takes part."
        )
        self.fields["video_recorded"].help_text = _(
            "Needs the person's consent to a video-recorded interview."
        )
        self.fields["proceeding"] = _ProceedingChoice(
            queryset=Proceeding.objects.filter(case=case),
            required=False,
            label=_("Proceedings"),
        )
        order = ["version", "kind", "scheduled_at", "place", "proceeding", "participants"]
        order += ["participants_group"]
        order += ["involved_no_contact", "separation_arrangements", "video_recorded"]
        order += ["guardian_present"]
        self.fields["guardian_present"].help_text = _(
            "For an interview of a child by the police or the prosecutor: the guardian or "
            "parent who will be present. The police must wait for them (SOP-P11)."
        )
        self._participants_group(case, actor, hearing)
        self.order_fields(order)
        self.fields["version"].required = hearing is not None

    def _participants_group(self, case: Case, actor: Actor, hearing: Hearing | None) -> None:
        """Who may read the people attending: a group the writer may view (issue 17 §8). A
        writer who may not read them of this hearing neither sees nor changes them."""
        if hearing is not None and hearing_participants_hidden(actor, case, hearing):
            del self.fields["participants"], self.fields["participants_group"]
            return
        self.fields["participants_group"] = forms.ChoiceField(
            label=_("People attending visible to those who see"),
            choices=[
                (group.value, FIELD_GROUP_LABELS[group]) for group in note_groups(actor, case)
            ],
            initial=FieldGroup.PROCEEDINGS.value,
            required=False,  # a form posted without it (an older page) files them as before
            help_text=_("Name a doctor or a therapist under health, for example."),
        )

    def values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in HEARING_FIELDS if name in self.fields}
        if "participants_group" in values and not values["participants_group"]:
            values["participants_group"] = FieldGroup.PROCEEDINGS.value
        return values
