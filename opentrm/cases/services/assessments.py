"""Assessments of a case and the health record (issue 3 §7, reference §3.2-§3.7).

Assessments are assistance data (field group ASSISTANCE); the health record is special-category
data in its own restricted field group (HEALTH). Every write checks the actor again, validates,
and audits field names and ids only, never what was written.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.changes import save_audited
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import (
    AccommodationType,
    Assessment,
    AssessmentKind,
    AssessmentPartner,
    Case,
    HarmSource,
    HealthRecord,
    Need,
    RiskLevel,
)
from opentrm.core.concurrency import (
    soft_delete_if_unchanged,
)
from opentrm.core.errors import ConflictError
from opentrm.core.input import require_known_fields, required_reason

# What each kind of assessment records, besides its date and findings (``summary``).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    AssessmentKind.EARLY_RISK: ("risk_level", "partners"),
    AssessmentKind.NEEDS: ("needs", "accommodation_type"),
    AssessmentKind.SAFETY: ("harm_sources", "harm_source_other", "unsafe_locations"),
    AssessmentKind.RETRAFFICKING: ("risk_level", "partners"),
}
CONTENT_FIELDS = (
    "risk_level",
    "needs",
    "accommodation_type",
    "harm_sources",
    "harm_source_other",
    "unsafe_locations",
    "partners",
    "summary",
)
EDITABLE_FIELDS = ("assessed_on", *CONTENT_FIELDS)
_LIST_CHOICES: dict[str, type[models.TextChoices]] = {
    "needs": Need,
    "harm_sources": HarmSource,
    "partners": AssessmentPartner,
}
_CODE_CHOICES: dict[str, type[models.TextChoices]] = {
    "risk_level": RiskLevel,
    "accommodation_type": AccommodationType,
}
CODED_FIELDS = {**_LIST_CHOICES, **_CODE_CHOICES}  # the fields holding codes, and their words
_TEXT_FIELDS = ("harm_source_other", "unsafe_locations", "summary")

HEALTH_FIELDS = ("medical_history", "chronic_diseases", "addiction", "medication", "comments")


# --- Who may --------------------------------------------------------------------------------


def _require_assistance_edit(actor: Actor, case: Case) -> None:
    require(actor, Action.CASE_VIEW)
    if not can(actor, Action.ASSISTANCE_EDIT, case):
        raise PermissionDenied


# --- Assessments ------------------------------------------------------------------------------


def _codes(value: Any) -> list[str] | None:
    """The list of codes, without repeats, or None when it is not a list of strings."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        return None
    codes: list[str] = []
    for code in value:
        if not isinstance(code, str):
            return None
        if code not in codes:
            codes.append(code)
    return codes


def _clean_choices(values: dict[str, Any], errors: dict[str, str]) -> None:
    """Normalise the fields picked from lists (several codes, or one), noting wrong picks."""
    for name, choices in _LIST_CHOICES.items():
        codes = _codes(values.get(name) or [])
        if codes is None or any(code not in choices.values for code in codes):
            errors[name] = _("Pick from the list.")
            codes = []
        values[name] = codes
    for name, choices in _CODE_CHOICES.items():
        code = values.get(name) or ""
        if code and code not in choices.values:
            errors[name] = _("Pick from the list.")
        values[name] = code


def _clean(kind: str, values: dict[str, Any], today: date) -> dict[str, Any]:
    """Validate an assessment's values; return them normalised. Raises ValidationError."""
    errors: dict[str, str] = {}
    assessed_on = values.get("assessed_on")
    if not isinstance(assessed_on, date):
        errors["assessed_on"] = _("Enter the date of the assessment.")
    elif assessed_on > today:
        errors["assessed_on"] = _("The date is in the future.")
    relevant = KIND_FIELDS.get(kind, ())
    for name in _TEXT_FIELDS:
        values[name] = str(values.get(name) or "").strip()
    _clean_choices(values, errors)
    for name in CONTENT_FIELDS:
        if name != "summary" and name not in relevant and values[name] and name not in errors:
            errors[name] = _("This is not part of this kind of assessment.")
    risk_kinds = (AssessmentKind.EARLY_RISK, AssessmentKind.RETRAFFICKING)
    if kind in risk_kinds and not values["risk_level"] and "risk_level" not in errors:
        errors["risk_level"] = _("Record the level of risk found.")
    if kind == AssessmentKind.SAFETY:
        if HarmSource.OTHER in values["harm_sources"] and not values["harm_source_other"]:
            errors["harm_source_other"] = _("Describe who else may cause harm.")
        elif values["harm_source_other"] and HarmSource.OTHER not in values["harm_sources"]:
            errors["harm_sources"] = _("Tick “Other” when you describe someone else.")
    if len(values["harm_source_other"]) > 200:
        errors["harm_source_other"] = _("Keep it under 200 characters.")
    if errors:
        raise ValidationError(errors)
    return values


def assessment_errors(
    kind: str, values: Mapping[str, Any], assessment: Assessment | None = None
) -> dict[str, list[str]]:
    """Every mistake of an assessment's input at once, by field (issue 12 §5): the rules
    ``assessment_record`` and ``assessment_update`` apply (``_clean``), for a form's precheck.
    A field not in ``values`` (one with its own error) keeps its value, or is empty on a new
    assessment."""
    given: dict[str, Any] = {}
    if assessment is not None:
        given = {name: getattr(assessment, name) for name in EDITABLE_FIELDS}
    given |= {name: value for name, value in values.items() if name in EDITABLE_FIELDS}
    try:
        _clean(kind, given, timezone.localdate())
    except ValidationError as error:
        return error.message_dict
    return {}


@transaction.atomic
def assessment_record(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    assessed_on: date | None,
    risk_level: str = "",
    needs: Iterable[str] = (),
    accommodation_type: str = "",
    harm_sources: Iterable[str] = (),
    harm_source_other: str = "",
    unsafe_locations: str = "",
    partners: Iterable[str] = (),
    summary: str = "",
) -> Assessment:
    """Record an assessment made today or earlier by the actor's organisation. Only the fields
    of its kind may be filled in (``KIND_FIELDS``); every code must be one of the choices."""
    _require_assistance_edit(actor, case)
    assert actor.membership is not None
    if kind not in AssessmentKind.values:
        raise ValidationError({"kind": _("Pick a kind of assessment from the list.")})
    values = _clean(
        kind,
        {
            "assessed_on": assessed_on,
            "risk_level": risk_level,
            "needs": needs,
            "accommodation_type": accommodation_type,
            "harm_sources": harm_sources,
            "harm_source_other": harm_source_other,
            "unsafe_locations": unsafe_locations,
            "partners": partners,
            "summary": summary,
        },
        timezone.localdate(),
    )
    assessment = Assessment(
        case=case,
        kind=kind,
        organisation=actor.membership.organisation,
        assessed_by=actor.user,
        updated_by=actor.user,
        **values,
    )
    assessment.full_clean()
    assessment.save()
    record_event(
        event_type=EventType.ASSESSMENT_RECORDED,
        actor=actor,
        target=assessment,
        detail={"case_id": case.pk, "kind": kind},
    )
    return assessment


def _require_own(actor: Actor, assessment: Assessment) -> None:
    """An assessment is signed by the organisation that made it: only it changes it."""
    require(actor, Action.CASE_VIEW)
    require(actor, Action.ASSISTANCE_EDIT, assessment)
    if assessment.deleted_at is not None:
        raise ConflictError(_("This assessment was deleted meanwhile. Reload the page."))


@transaction.atomic
def assessment_update(
    *, actor: Actor, assessment: Assessment, expected_version: int, changes: Mapping[str, Any]
) -> Assessment:
    """Change an assessment; refused (ConflictError) when someone changed it since the
    editor opened it."""
    _require_own(actor, assessment)
    require_known_fields(changes, EDITABLE_FIELDS, "an assessment")
    before = {name: getattr(assessment, name) for name in EDITABLE_FIELDS}
    values = _clean(assessment.kind, {**before, **changes}, timezone.localdate())
    changed = [name for name in EDITABLE_FIELDS if values[name] != before[name]]
    if not changed and expected_version == assessment.version:
        return assessment
    for name in changed:
        setattr(assessment, name, values[name])
    assessment.full_clean()
    return save_audited(
        assessment,
        actor=actor,
        expected_version=expected_version,
        fields=changed,
        event_type=EventType.ASSESSMENT_CHANGED,
        detail={"case_id": assessment.case_id, "kind": assessment.kind},
    )


@transaction.atomic
def assessment_soft_delete(
    *, actor: Actor, assessment: Assessment, expected_version: int, reason: str
) -> Assessment:
    """Take an assessment off the case file; the row, who and why stay."""
    _require_own(actor, assessment)
    reason = required_reason(reason, _("Say why the assessment is deleted."))
    soft_delete_if_unchanged(
        assessment, expected_version=expected_version, reason=reason, actor=actor.user
    )
    record_event(
        event_type=EventType.ASSESSMENT_DELETED,
        actor=actor,
        target=assessment,
        detail={"case_id": assessment.case_id, "kind": assessment.kind},
    )
    return assessment


# --- Health -----------------------------------------------------------------------------------


def health_record_viewed(*, actor: Actor, case: Case, record: HealthRecord | None) -> None:
    """Audit that the actor saw the case's health data (a screen, a form, the API)."""
    record_event(
        event_type=EventType.HEALTH_VIEWED,
        actor=actor,
        target=case,
        detail={"case_id": case.pk, "health_record_id": record.pk if record else None},
    )


@transaction.atomic
def health_update(
    *, actor: Actor, case: Case, expected_version: int, changes: Mapping[str, str]
) -> HealthRecord:
    """Record the health data; only the fields in ``changes`` change. ``expected_version`` is
    the version the editor started from, 0 when there was no record yet."""
    require(actor, Action.CASE_VIEW)
    if not can(actor, Action.HEALTH_EDIT, case):
        raise PermissionDenied
    require_known_fields(changes, HEALTH_FIELDS, "a health")
    record = HealthRecord.objects.filter(case=case).first()
    is_new = record is None
    if record is None:
        if expected_version != 0:
            raise ConflictError(_("This record no longer exists. Reload the page."))
        record = HealthRecord(case=case)
    changed = []
    for name, value in changes.items():
        value = (value or "").strip()
        if value != getattr(record, name):
            setattr(record, name, value)
            changed.append(name)
    if is_new and not changed:
        return record  # an empty form: nothing to record
    return save_audited(
        record,
        actor=actor,
        is_new=is_new,
        expected_version=expected_version,
        fields=changed,
        event_type=EventType.HEALTH_CHANGED,
        detail={"case_id": case.pk},
    )
