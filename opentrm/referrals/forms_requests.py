"""HTML input for transnational requests, forwarding, exports and the country's referral
settings. The forms collect and pre-check; the services validate again, lock and audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from opentrm.core.forms import Form
from opentrm.directory.models import Country, Organisation
from opentrm.directory.pickers import OrganisationChoiceField
from opentrm.referrals.models import (
    DispatchChannel,
    Formality,
    ReferralKind,
    RequestChannel,
    TimeUnit,
    Urgency,
)
from opentrm.referrals.services.documents import BlankField
from opentrm.referrals.services.export import MIN_PASSWORD
from opentrm.referrals.services.requests import (
    KIND_NOTES,
    REQUEST_KINDS,
    THEMATIC_KINDS,
    RequestedDocument,
)
from opentrm.referrals.services.requests.kinds import KINDS, body_type_labels


@dataclass(frozen=True)
class KindNote:
    label: str
    note: str
    legal_basis: str
    formalities: list[str]
    bodies: list[str]


class EscalateForm(Form):
    """The formal request that follows an informal one up (REC-22)."""

    formality = forms.ChoiceField(label=_("Formal request"))
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        max_length=300,
        help_text=_("Leave empty for the kind's usual legal basis."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=RequestChannel.choices,
        initial=RequestChannel.CENTRAL_AUTHORITY,
    )
    reason = forms.CharField(
        label=_("What you ask formally"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Write no name, birth date, document number or address here."),
    )

    def __init__(self, data: Any = None, *, formalities: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        field = self.fields["formality"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(f, Formality(f).label) for f in formalities]


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def _kind_choices(kinds: frozenset[str]) -> list[tuple[str, str]]:
    return [(kind.value, str(kind.label)) for kind in ReferralKind if kind.value in kinds]


class RequestCreateForm(Form):
    kind = forms.ChoiceField(label=_("Kind of request"))
    receiver_country = forms.ChoiceField(label=_("Country asked"))
    intended = OrganisationChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label=_("Competent body (optional)"),
        help_text=_(
            "The request goes to the country's national focal point, which forwards it; "
            "directly to this body only where your country allows direct requests."
        ),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=[
            (Urgency.ROUTINE.value, Urgency.ROUTINE.label),
            (Urgency.URGENT.value, Urgency.URGENT.label),
        ],
        initial=Urgency.ROUTINE,
        help_text=_("An immediate-danger alert is always immediate."),
    )
    document_type = forms.ChoiceField(
        label=_("Document asked for"),
        required=False,
        choices=[("", "---------"), *RequestedDocument.choices],
    )
    formality = forms.ChoiceField(
        label=_("Formality"),
        required=False,
        choices=[("", _("The kind's usual formality")), *Formality.choices],
        help_text=_(
            "Informal first (liaison officer, police to police) is faster; a formal request, "
            "MLA or letter rogatory lets the answer be used as evidence. An informal request "
            "can be escalated later, keeping the link."
        ),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        max_length=300,
        help_text=_("Leave empty for the kind's usual legal basis (listed below)."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=RequestChannel.choices,
        initial=RequestChannel.NODE,
        required=False,
    )
    reason = forms.CharField(
        label=_("What you ask"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_(
            "Write no name, birth date, document number or address here: the person's data "
            "travel in the fields the consent and the agreement allow."
        ),
    )

    def clean_channel(self) -> str:
        return str(self.cleaned_data.get("channel") or RequestChannel.NODE)

    def __init__(self, data: Any = None, *, own_country_id: int, thematic: bool) -> None:
        super().__init__(data)
        kinds = THEMATIC_KINDS if thematic else REQUEST_KINDS
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = _kind_choices(frozenset(kinds))
        kind.help_text = _("Each kind is described below the form.")
        # each kind offered with its description, legal basis, formalities and competent
        # bodies: listed apart, never one merged text
        self.kind_notes = [
            KindNote(
                label=label,
                note=str(KIND_NOTES[code]),
                legal_basis=KINDS[code].legal_basis,
                formalities=[str(Formality(f).label) for f in KINDS[code].formalities],
                bodies=body_type_labels(KINDS[code]),
            )
            for code, label in kind.choices
            if code in KINDS
        ]
        countries = Country.objects.exclude(pk=own_country_id).order_by("code")
        country = self.fields["receiver_country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", "---------")] + [(c.code, str(c)) for c in countries]
        intended = self.fields["intended"]
        assert isinstance(intended, forms.ModelChoiceField)
        intended.queryset = Organisation.objects.filter(is_active=True).exclude(
            country_id=own_country_id
        )


def _options(name: str) -> tuple[Any, ...]:
    field = RequestCreateForm.base_fields[name]
    assert isinstance(field, forms.ChoiceField)
    choices = cast("list[tuple[str, Any]]", field.choices)  # flat (value, label) pairs here
    return tuple(label for value, label in choices if value)


def blank_fields(kind: str) -> list[BlankField]:
    """The lines the request form asks for ``kind``, with the form's own labels and choices:
    the blank printable form of the kind asks the same."""
    fields = RequestCreateForm.base_fields
    immediate = kind == ReferralKind.IMMEDIATE_DANGER
    asked = [
        BlankField("receiver_country", fields["receiver_country"].label),
        BlankField("intended", fields["intended"].label),
        BlankField(
            "urgency",
            fields["urgency"].label,
            (Urgency.IMMEDIATE.label,) if immediate else _options("urgency"),
        ),
    ]
    if kind == ReferralKind.DOCUMENT_ISSUANCE:
        asked.append(
            BlankField("document_type", fields["document_type"].label, _options("document_type"))
        )
    asked.append(BlankField("reason", fields["reason"].label))
    return asked


class SendForm(VersionForm):
    accept_partial = forms.BooleanField(
        label=_("Send with only the data that may be shared"), required=False
    )


class AnswerForm(VersionForm):
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000
    )


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ForwardForm(VersionForm):
    to = OrganisationChoiceField(queryset=Organisation.objects.none(), label=_("Competent body"))
    note = forms.CharField(
        label=_("Note for the competent body"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(
        self, data: Any = None, *, candidates: QuerySet[Organisation], initial: dict[str, Any]
    ) -> None:
        super().__init__(data, initial=initial)
        to = self.fields["to"]
        assert isinstance(to, forms.ModelChoiceField)
        to.queryset = candidates


class ExportForm(Form):
    password = forms.CharField(
        label=_("Password for the PDF"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        min_length=MIN_PASSWORD,
        strip=False,
        help_text=_(
            "At least 12 characters. Give it to the receiver by another channel (a phone "
            "call), never in the same e-mail as the files. OpenTRM does not keep it."
        ),
    )
    password_again = forms.CharField(
        label=_("The password again"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        strip=False,
    )


class DispatchForm(VersionForm):
    channel = forms.ChoiceField(label=_("Sent by"), choices=DispatchChannel.choices)
    sent_on = forms.DateField(
        label=_("Sent on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class TimeLimitForm(Form):
    acknowledge_within = forms.IntegerField(label=_("Acknowledge within"), min_value=1)
    acknowledge_unit = forms.ChoiceField(label=_("Unit"), choices=TimeUnit.choices)
    answer_within = forms.IntegerField(label=_("Answer within"), min_value=1)
    answer_unit = forms.ChoiceField(label=_("Unit"), choices=TimeUnit.choices)


WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


class CalendarForm(VersionForm):
    weekend_days = forms.TypedMultipleChoiceField(
        label=_("Weekend days"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    holidays = forms.CharField(
        label=_("Public holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One date a line, as YYYY-MM-DD."),
    )
    allow_direct_routes = forms.BooleanField(
        label=_("Organisations may send requests abroad directly"),
        required=False,
        help_text=_("Otherwise every request goes through the other country's focal point."),
    )
