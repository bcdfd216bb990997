"""Labour inspections: the labour inspectorate's entry point (LAB-03) and the three-way
classification of what it found (LAB-06; issue 14 part C).

An inspector records the inspection (date, trigger, sector, workers, classification, what was
found) and, when it suspects trafficking, the police unit it notified and when. From an
inspection classified as labour exploitation or forced labour it registers a presumed victim:
the case is linked to the inspection, and the case page shows the classification. Only members
of a labour inspectorate record inspections (``access.may_record_labour_inspection``); an
inspection is seen by its inspectorate only.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import may_record_labour_inspection
from opentrm.cases.models import (
    Case,
    InspectionTrigger,
    LabourClassification,
    LabourInspection,
)
from opentrm.cases.models.aftercare import SUSPECTED_TRAFFICKING
from opentrm.cases.services.registration import case_register
from opentrm.directory.models import Organisation, OrganisationType

POLICE_TYPES = frozenset(
    {
        OrganisationType.POLICE,
        OrganisationType.ANTI_TRAFFICKING_POLICE,
        OrganisationType.BORDER_POLICE,
        OrganisationType.OTHER_POLICE,
    }
)
MAX_TEXT = 4000


@dataclass(frozen=True)
class InspectionData:
    inspected_on: date
    trigger: str
    classification: str
    sector: str = ""
    workers_found: int = 0
    indicators: str = ""
    notified_to: Organisation | None = None
    notified_on: date | None = None


def inspection_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of an inspection's input at once, by field (issue 12 §5): the rules
    ``labour_inspection_record`` applies, for a form's precheck. A field not in ``values`` (one
    with its own error) counts as not given, and its date is not checked."""
    given: dict[str, Any] = {"inspected_on": None, "trigger": "", "classification": ""}
    given |= {
        name: values[name]
        for name in (field.name for field in dataclass_fields(InspectionData))
        if name in values
    }
    return {name: [message] for name, message in _check(InspectionData(**given)).items()}


def _check(data: InspectionData) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if data.inspected_on is not None and data.inspected_on > today:
        errors["inspected_on"] = _("The date is in the future.")
    if data.trigger not in InspectionTrigger.values:
        errors["trigger"] = _("Pick what triggered the inspection.")
    if data.classification not in LabourClassification.values:
        errors["classification"] = _("Pick a classification.")
    if len(data.indicators.strip()) > MAX_TEXT or len(data.sector) > 120:
        errors["indicators"] = _("At most %(max)d characters.") % {"max": MAX_TEXT}
    if data.notified_to is not None:
        if data.notified_to.type not in POLICE_TYPES or not data.notified_to.is_active:
            errors["notified_to"] = _("Pick an active police unit from the directory.")
        if data.notified_on is None:
            errors["notified_on"] = _("Say when the police unit was notified.")
        elif data.notified_on > today:
            errors["notified_on"] = _("The date is in the future.")
    elif data.notified_on is not None:
        errors["notified_to"] = _("Name the police unit that was notified.")
    if data.classification in SUSPECTED_TRAFFICKING and data.notified_to is None:
        errors["notified_to"] = _(
            "Labour exploitation or forced labour is notified to the police: name the unit."
        )
    return errors


@transaction.atomic
def labour_inspection_record(*, actor: Actor, data: InspectionData) -> LabourInspection:
    if not may_record_labour_inspection(actor):
        raise PermissionDenied
    assert actor.membership is not None
    errors = _check(data)
    if errors:
        raise ValidationError(errors)
    inspection = LabourInspection.objects.create(
        organisation=actor.membership.organisation,
        inspected_on=data.inspected_on,
        trigger=data.trigger,
        classification=data.classification,
        sector=data.sector.strip(),
        workers_found=data.workers_found,
        indicators=data.indicators.strip(),
        notified_to=data.notified_to,
        notified_on=data.notified_on,
        recorded_by=actor.user,
        updated_by=actor.user,
    )
    record_event(
        event_type=EventType.LABOUR_INSPECTION_RECORDED,
        actor=actor,
        target=inspection,
        detail={
            "inspection_id": inspection.pk,
            "trigger": data.trigger,
            "classification": data.classification,
            "notified_to_id": data.notified_to.pk if data.notified_to else None,
        },
    )
    return inspection


@transaction.atomic
def labour_inspection_register_case(*, actor: Actor, inspection: LabourInspection) -> Case:
    """Register a presumed victim found at the inspection; the case is linked to it."""
    if (
        not may_record_labour_inspection(actor)
        or inspection.organisation_id != actor.organisation_id
    ):
        raise PermissionDenied
    locked = LabourInspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.classification not in SUSPECTED_TRAFFICKING:
        raise ValidationError(
            {
                "__all__": _(
                    "Only an inspection that found labour exploitation or forced labour "
                    "leads to a case."
                )
            }
        )
    if locked.case_id is not None:
        raise ValidationError({"__all__": _("A case was already registered from it.")})
    case = case_register(actor=actor)
    locked.case = case
    locked.save(update_fields=["case", "updated_at"])
    inspection.case = case
    record_event(
        event_type=EventType.LABOUR_INSPECTION_CHANGED,
        actor=actor,
        target=locked,
        detail={"inspection_id": locked.pk, "case_id": case.pk, "fields": ["case"]},
    )
    return case


def labour_inspections(actor: Actor) -> list[LabourInspection]:
    """The actor's inspectorate's inspections, newest first (the 200 latest)."""
    if not may_record_labour_inspection(actor) or actor.membership is None:
        raise PermissionDenied
    return list(
        LabourInspection.objects.filter(organisation=actor.membership.organisation).select_related(
            "notified_to", "case"
        )[:200]
    )


def access_labour_inspection(actor: Actor, inspection_id: int) -> LabourInspection:
    """An inspection of the actor's own inspectorate (404 for any other)."""
    if not may_record_labour_inspection(actor) or actor.membership is None:
        raise PermissionDenied
    inspection = (
        LabourInspection.objects.select_related("notified_to", "case")
        .filter(pk=inspection_id, organisation=actor.membership.organisation)
        .first()
    )
    if inspection is None:
        raise Http404
    return inspection
