"""HTML input for documents, notes and the organisations on a case.

The forms collect and pre-check input; the services in ``services/documents.py``,
``services/notes.py`` and ``services/participants.py`` validate again (file type, size,
field group, organisation) and audit. No form saves a model itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.forms import MemberChoiceField
from opentrm.accounts.models import User
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.cases.access import editable_groups
from opentrm.cases.models import Case, DocumentKind, NoteVisibility
from opentrm.cases.services.participants import addable_organisations, case_manager_candidates
from opentrm.core.forms import Form
from opentrm.directory.models import Organisation
from opentrm.directory.pickers import OrganisationChoiceField

FIELD_GROUP_LABELS: dict[str, Any] = {
    FieldGroup.IDENTITY: _("Those who see the person's identity"),
    FieldGroup.CONTACT: _("Those who see contact data"),
    FieldGroup.HEALTH: _("Those who see health data"),
    FieldGroup.PROCEEDINGS: _("Those who see the proceedings"),
    FieldGroup.CHILD_PROTECTION: _("Those who see child-protection data"),
    FieldGroup.TRAVEL: _("Those who see travel documents"),
    FieldGroup.ASSISTANCE: _("Those who see assessments, plans and services"),
}


class DocumentForm(Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("What the document is, e.g. 'Medical certificate'. Not the file's name."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=DocumentKind.choices)
    field_group = forms.ChoiceField(
        label=_("Who may open it"),
        required=False,
        help_text=_(
            "Leave empty to follow the type: medical records only for those who see health "
            "data, legal documents for those who see the proceedings, and so on."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,  # the service explains a missing file on the field
        allow_empty_file=True,  # ... and an empty one
        help_text=_("PDF, PNG, JPEG or plain text."),
    )

    def __init__(self, *args: Any, actor: Actor, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["field_group"]
        assert isinstance(field, forms.ChoiceField)
        editable = editable_groups(actor, case)
        field.choices = [("", _("As for the type"))] + [
            (group.value, FIELD_GROUP_LABELS[group]) for group in FieldGroup if group in editable
        ]


class DocumentDeleteForm(Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class NoteForm(Form):
    text = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
        help_text=_(
            "Only those who may see what the note is about read it. Record health, proceedings "
            "or child-protection details in their own sections where you can."
        ),
    )
    field_group = forms.ChoiceField(
        label=_("About"),
        required=False,
        help_text=_(
            "A note about the whole case is read only by those who may see all of the case."
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        choices=NoteVisibility.choices,
        initial=NoteVisibility.CASE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, groups: list[FieldGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("The whole case"))]
        choices += [(group.value, FIELD_GROUP_LABELS[group]) for group in groups]
        field = self.fields["field_group"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class NoteDeleteForm(DocumentDeleteForm):
    pass


class ParticipantAddForm(Form):
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=_(
            "Organisations of the case's country, from the directory. To hand the case over to "
            "another country, refer it instead."
        ),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = addable_organisations(case)


class CaseManagerForm(Form):
    case_manager = MemberChoiceField(
        label=_("Case manager"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
        help_text=_("A member of your organisation who works on cases."),
    )

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["case_manager"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = case_manager_candidates(organisation_id)
