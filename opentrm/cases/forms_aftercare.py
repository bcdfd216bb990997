"""HTML input for follow-up visits after return and labour inspections (issue 14 part C). The
services in ``services/aftercare.py`` and ``services/labour.py`` validate again and audit."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.cases.models import InspectionTrigger, LabourClassification, VisitOutcome
from opentrm.cases.services.labour import POLICE_TYPES
from opentrm.core.forms import Form
from opentrm.directory.models import Organisation
from opentrm.directory.pickers import OrganisationChoiceField

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitScheduleForm(Form):
    first_on = forms.DateField(label=_("First visit"), initial=timezone.localdate, widget=_DATE)
    every_days = forms.IntegerField(
        label=_("Then every (days)"), initial=30, min_value=1, max_value=365
    )
    count = forms.IntegerField(label=_("Number of visits"), initial=3, min_value=1, max_value=12)


class VisitRecordForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    visited_on = forms.DateField(label=_("Visited on"), initial=timezone.localdate, widget=_DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class LabourInspectionForm(Form):
    inspected_on = forms.DateField(
        label=_("Inspected on"), initial=timezone.localdate, widget=_DATE
    )
    trigger = forms.ChoiceField(
        label=_("What triggered the inspection"), choices=InspectionTrigger.choices
    )
    sector = forms.CharField(label=_("Economic sector"), required=False, max_length=120)
    workers_found = forms.IntegerField(label=_("Workers found"), min_value=0, initial=0)
    classification = forms.ChoiceField(
        label=_("What was found"),
        choices=LabourClassification.choices,
        help_text=_(
            "Undeclared labour is not trafficking; labour exploitation and forced labour are "
            "notified to the police and may lead to registering a presumed victim."
        ),
    )
    indicators = forms.CharField(
        label=_("Indicators found"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No names here: register a presumed victim from the inspection instead."),
    )
    notified_to = OrganisationChoiceField(
        queryset=Organisation.objects.filter(is_active=True, type__in=POLICE_TYPES),
        required=False,
        label=_("Suspicion notified to (police unit)"),
    )
    notified_on = forms.DateField(label=_("Notified on"), required=False, widget=_DATE)
