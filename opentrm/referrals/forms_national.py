"""HTML input for a referral within the country and for the steps on the referral page.

The forms collect and pre-check input; ``services/national.py`` validates again (the receiver's
state, the catalogue codes), locks optimistically and audits. No form saves a model itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import Need, ServiceType
from opentrm.core.forms import Form
from opentrm.directory.models import Organisation
from opentrm.directory.pickers import (
    ORGANISATION_HINT,
    PickerSelect,
    by_country,
    organisation_choices,
)
from opentrm.referrals.models import Urgency
from opentrm.referrals.services.national import (
    REASON_MAX,
    measure_choices,
    receiver_candidates,
)


class NationalReferralForm(Form):
    # The receiver whose preview the sender saw: sending needs the preview of this receiver.
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)
    receiver = forms.IntegerField(
        label=_("Refer to"),
        widget=PickerSelect(attrs={"data-picker-hint": ORGANISATION_HINT}),
        help_text=_("Active organisations of your country's directory."),
    )
    measure_code = forms.ChoiceField(label=_("For the measure"), required=False)
    service_type = forms.ChoiceField(label=_("Or for the service"), required=False)
    needs = forms.MultipleChoiceField(
        label=_("Needs"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The receiver reads this before it accepts, with the minimal offer. Do not write "
            "names, dates of birth, document numbers, addresses or anything else that "
            "identifies the person."
        ),
    )

    def __init__(self, data: Any = None, *, sender: Organisation) -> None:
        super().__init__(data)
        receiver = self.fields["receiver"]
        receiver.widget.choices = [
            ("", "---------"),
            *organisation_choices(by_country(receiver_candidates(sender))),
        ]
        measure = self.fields["measure_code"]
        assert isinstance(measure, forms.ChoiceField)
        measure.choices = [("", "---------"), *measure_choices()]
        service = self.fields["service_type"]
        assert isinstance(service, forms.ChoiceField)
        service.choices = [("", "---------"), *ServiceType.choices]

    def clean_receiver(self) -> Organisation | None:
        # Any organisation: the service says clearly why an inactive or unaccredited one, or
        # one of another country, cannot receive the referral.
        value = self.cleaned_data["receiver"]
        organisation: Organisation | None = (
            Organisation.objects.select_related("country").filter(pk=value).first()
        )
        if organisation is None:
            raise forms.ValidationError(_("Pick an organisation from the directory."))
        return organisation

    def was_previewed(self) -> bool:
        receiver = self.cleaned_data.get("receiver")
        return receiver is not None and self.cleaned_data.get("previewed") == str(receiver.pk)


class StepForm(Form):
    """Acknowledge or accept: the version of the referral the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(StepForm):
    """Decline or withdraw: with a reason (required)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SharingForm(StepForm):
    """Share more or less with the receiver of an accepted referral: the data categories the
    gate allows today (``choices``), those shared now ticked."""

    groups = forms.MultipleChoiceField(
        label=_("Data categories to share from now on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = choices  # type: ignore[attr-defined]
