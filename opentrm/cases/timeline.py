"""The timeline of a case (issue 3 §12): everything that happened, newest first, built from the
domain records (not the audit trail), each entry with its date, what happened and which
organisation.

An entry says what kind of thing happened, never its content (no titles, names or free text),
and entries of field groups the actor may not see of this case are left out (the role's groups,
narrowed for an organisation that does not own the case to what is shared with it,
``access.visible_groups``): health never appears (not even that a medical record was added);
proceedings, hearings and the proceedings SOP's measures need the proceedings group,
assessments, plans and services the assistance group, child safeguards the child-protection
group, other documents and notes their own group.

Bounded: one query per source, each limited to the newest ``PER_SOURCE`` rows, and at most
``LIMIT`` entries in all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.cases.access import visible_groups
from opentrm.cases.models import Assessment as AssessmentModel
from opentrm.cases.models import (
    AssessmentKind,
    AssistanceStatus,
    Case,
    CaseDocument,
    CaseMeasure,
    CaseParticipant,
    CaseService,
    CaseStatus,
    CaseStatusChange,
    ChildSafeguards,
    ConsentDecision,
    ConsentRecord,
    Hearing,
    IdentificationDecision,
    IdentificationStatus,
    Proceeding,
    ReflectionPeriod,
    ReturnStatus,
    Task,
    WitnessStatus,
)
from opentrm.cases.models import AssistancePlan as PlanModel
from opentrm.cases.services.notes import readable_notes
from opentrm.catalogue import measure as catalogue_measure
from opentrm.catalogue.loader import PROCEEDINGS_SOP
from opentrm.directory.models import Organisation

LIMIT = 500
PER_SOURCE = LIMIT

_M = TypeVar("_M", bound=Model)


def _newest(rows: QuerySet[_M], *order: str) -> QuerySet[_M]:
    """The newest ``PER_SOURCE`` rows by ``order``, each with its organisation."""
    return rows.select_related("organisation").order_by(*order)[:PER_SOURCE]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime  # for ordering; for a dated event, the start of that day
    is_date_only: bool  # the record holds a date, not a moment
    kind: str  # a stable code, e.g. "consent.withdrawn"
    label: str  # translated, without personal data
    organisation: str  # the organisation's name, or "" when the record does not say
    organisation_id: int | None


def _moment(value: date | datetime) -> tuple[datetime, bool]:
    if isinstance(value, datetime):
        return value, False
    return timezone.make_aware(datetime.combine(value, time.min)), True


def _org_name(organisation: Organisation | None) -> str:
    return organisation.name if organisation is not None else ""


class _Collector:
    def __init__(self) -> None:
        self.entries: list[TimelineEntry] = []

    def add(
        self,
        when: date | datetime | None,
        kind: str,
        label: str,
        organisation: Organisation | None = None,
    ) -> None:
        if when is None:
            return
        at, date_only = _moment(when)
        self.entries.append(
            TimelineEntry(
                at=at,
                is_date_only=date_only,
                kind=kind,
                label=label,
                organisation=_org_name(organisation),
                organisation_id=organisation.pk if organisation is not None else None,
            )
        )


def _labels(choices: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Value -> label, the labels kept lazy (translated when shown)."""
    return dict(choices)


_STATUS_ATTRIBUTES: dict[str, tuple[Callable[[], str], dict[str, Any]]] = {
    "identification_status": (
        lambda: _("Identification status"),
        _labels(IdentificationStatus.choices),
    ),
    "assistance_status": (lambda: _("Assistance status"), _labels(AssistanceStatus.choices)),
    "witness_status": (lambda: _("Witness status"), _labels(WitnessStatus.choices)),
    "return_status": (lambda: _("Return status"), _labels(ReturnStatus.choices)),
    "case_status": (lambda: _("Case status"), _labels(CaseStatus.choices)),
}


def _measure_name(code: str) -> str:
    try:
        return catalogue_measure(code).name
    except KeyError:
        return code  # a country's own measure: its code


def _case_events(case: Case, out: _Collector) -> None:
    out.add(case.opened_on, "case.opened", _("Case opened"), case.owner_organisation)


def _status_changes(case: Case, out: _Collector) -> None:
    rows = CaseStatusChange.objects.filter(case=case).order_by("-changed_at", "-id")[:PER_SOURCE]
    for row in rows:
        known = _STATUS_ATTRIBUTES.get(row.attribute)
        name = known[0]() if known else row.attribute
        new = str(known[1].get(row.new_value, row.new_value)) if known else row.new_value
        out.add(
            row.changed_at,
            "status.changed",
            _("%(attribute)s: %(value)s") % {"attribute": name, "value": new},
        )


def _participants(case: Case, out: _Collector) -> None:
    rows = (
        CaseParticipant.objects.filter(case=case)
        .exclude(organisation_id=case.owner_organisation_id)
        .select_related("organisation")
        .order_by("-created_at", "-id")[:PER_SOURCE]
    )
    for row in rows:
        out.add(
            row.created_at,
            "participant.added",
            _("Organisation added to the case"),
            row.organisation,
        )


def _consents(case: Case, out: _Collector) -> None:
    rows = (
        ConsentRecord.objects.filter(case=case)
        .select_related("taken_for")
        .order_by("-decided_on", "-id")[:PER_SOURCE]
    )
    for row in rows:
        purpose = row.get_purpose_display()
        if row.decision == ConsentDecision.GIVEN:
            label = _("Consent given: %(purpose)s") % {"purpose": purpose}
        else:
            label = _("Consent refused: %(purpose)s") % {"purpose": purpose}
        out.add(row.decided_on, f"consent.{row.decision}", label, row.taken_for)
        out.add(
            row.withdrawn_at,
            "consent.withdrawn",
            _("Consent withdrawn: %(purpose)s") % {"purpose": purpose},
            row.taken_for,
        )


def _measures(case: Case, out: _Collector, *, proceedings: bool) -> None:
    rows = CaseMeasure.objects.filter(case=case)
    if not proceedings:  # the proceedings SOP's measures are proceedings data
        rows = rows.exclude(code__startswith=f"{PROCEEDINGS_SOP}.")
    rows = rows.select_related("responsible_organisation").order_by("-updated_at", "-id")[
        :PER_SOURCE
    ]
    for row in rows:
        name = _measure_name(row.code)
        org = row.responsible_organisation
        out.add(row.created_at, "measure.planned", _("Measure planned: %(m)s") % {"m": name}, org)
        out.add(row.started_on, "measure.started", _("Measure started: %(m)s") % {"m": name}, org)
        if row.status == "done":
            out.add(row.completed_on, "measure.done", _("Measure done: %(m)s") % {"m": name}, org)
        elif row.status == "not_applicable":
            out.add(
                row.updated_at,
                "measure.not_applicable",
                _("Measure not applicable: %(m)s") % {"m": name},
                org,
            )


def _identification(case: Case, out: _Collector) -> None:
    rows = _newest(IdentificationDecision.objects.filter(case=case), "-decided_on", "-id")
    for row in rows:
        how = _("formal") if row.is_formal else _("informal")
        out.add(
            row.decided_on,
            "identification.decided",
            _("Identification decision (%(how)s): %(outcome)s")
            % {"how": how, "outcome": row.get_outcome_display()},
            row.organisation,
        )


def _reflection(case: Case, out: _Collector, today: date) -> None:
    rows = _newest(ReflectionPeriod.objects.filter(case=case), "-starts_on", "-id")
    for row in rows:
        out.add(
            row.starts_on,
            "reflection.started",
            _("Recovery and reflection period started"),
            row.organisation,
        )
        if row.ends_on <= today:
            out.add(
                row.ends_on,
                "reflection.ended",
                _("Recovery and reflection period ended"),
                row.organisation,
            )


def _tasks(case: Case, out: _Collector, actor: Actor) -> None:
    # As on the case page: an organisation sees its own tasks.
    if actor.organisation_id is None:
        return
    rows = _newest(
        Task.objects.filter(
            case=case, organisation_id=actor.organisation_id, done_at__isnull=False
        ),
        "-done_at",
        "-id",
    )
    for row in rows:
        out.add(
            row.done_at,
            "task.done",
            _("Task done (%(source)s)") % {"source": row.get_source_display()},
            row.organisation,
        )


def _documents(case: Case, out: _Collector, groups: Iterable[str]) -> None:
    rows = _newest(
        CaseDocument.objects.filter(case=case, field_group__in=list(groups)), "-created_at", "-id"
    )
    for row in rows:
        kind = row.get_kind_display()
        out.add(
            row.created_at,
            "document.added",
            _("Document added: %(kind)s") % {"kind": kind},
            row.organisation,
        )
        out.add(
            row.deleted_at,
            "document.deleted",
            _("Document deleted: %(kind)s") % {"kind": kind},
            row.organisation,
        )


def _notes(case: Case, out: _Collector, actor: Actor) -> None:
    # The notes the actor may read (their field group, services.notes), no others.
    rows = _newest(readable_notes(actor, case), "-created_at", "-id")
    for row in rows:
        out.add(row.created_at, "note.added", _("Note added"), row.organisation)
        out.add(row.deleted_at, "note.deleted", _("Note deleted"), row.organisation)


def _assessments(case: Case, out: _Collector) -> None:
    rows = _newest(AssessmentModel.objects.live().filter(case=case), "-assessed_on", "-id")
    kinds = dict(AssessmentKind.choices)
    for row in rows:
        out.add(
            row.assessed_on,
            "assessment.recorded",
            str(kinds.get(row.kind, row.kind)),
            row.organisation,
        )


def _plans(case: Case, out: _Collector) -> None:
    rows = _newest(PlanModel.objects.filter(case=case), "-revision")
    for row in rows:
        number = {"revision": row.revision}
        out.add(
            row.created_at,
            "plan.drafted",
            _("Individual assistance plan drafted (revision %(revision)d)") % number,
            row.organisation,
        )
        out.add(
            row.acknowledged_on,
            "plan.acknowledged",
            _("Individual assistance plan acknowledged by the person (revision %(revision)d)")
            % number,
            row.organisation,
        )
        out.add(
            row.activated_at,
            "plan.activated",
            _("Individual assistance plan activated (revision %(revision)d)") % number,
            row.organisation,
        )


def _services(case: Case, out: _Collector) -> None:
    rows = _newest(CaseService.objects.live().filter(case=case), "-offered_on", "-id")
    for row in rows:
        name = {"service": row.get_service_type_display()}
        org = row.organisation
        out.add(row.offered_on, "service.offered", _("Service offered: %(service)s") % name, org)
        out.add(row.accepted_on, "service.accepted", _("Service accepted: %(service)s") % name, org)
        out.add(
            row.started_on, "service.delivered", _("Service delivered: %(service)s") % name, org
        )
        out.add(
            row.refused_on,
            "service.refused",
            _("Service refused by the person: %(service)s") % name,
            org,
        )


def _proceedings(case: Case, out: _Collector) -> None:
    rows = _newest(Proceeding.objects.filter(case=case), "-created_at", "-id")
    for row in rows:
        out.add(
            row.created_at,
            "proceeding.recorded",
            _("%(kind)s recorded (%(country)s)")
            % {"kind": row.get_kind_display(), "country": row.country_code},
            row.organisation,
        )
    hearings = _newest(Hearing.objects.filter(case=case), "-scheduled_at", "-id")
    for hearing in hearings:
        kind = {"kind": hearing.get_kind_display()}
        if hearing.cancelled_at is None:
            out.add(
                hearing.scheduled_at,
                "hearing.scheduled",
                _("Interview or hearing: %(kind)s") % kind,
                hearing.organisation,
            )
        else:
            out.add(
                hearing.cancelled_at,
                "hearing.cancelled",
                _("Interview or hearing cancelled: %(kind)s") % kind,
                hearing.organisation,
            )


def _child(case: Case, out: _Collector) -> None:
    record = (
        ChildSafeguards.objects.select_related("welfare_clearance_by").filter(case=case).first()
    )
    if record is None:
        return
    out.add(record.guardian_appointed_on, "child.guardian", _("Guardian appointed"))
    out.add(
        record.best_interests_determined_on,
        "child.best_interests",
        _("Best-interests determination recorded"),
    )
    out.add(record.asylum_indicated_on, "child.asylum", _("Asylum requested or indicated"))
    out.add(
        record.welfare_clearance_on,
        "child.welfare_clearance",
        _("Child-welfare safety clearance for return"),
        record.welfare_clearance_by,
    )
    out.add(record.age_assessed_on, "child.age_assessed", _("Age assessed"))


def case_timeline(*, actor: Actor, case: Case, limit: int = LIMIT) -> list[TimelineEntry]:
    """What happened on ``case`` that the actor may see, newest first, at most ``limit``."""

    visible = visible_groups(actor, case)  # the role's, narrowed for a non-owner organisation

    def sees(group: FieldGroup) -> bool:
        return group in visible

    today = timezone.localdate()
    out = _Collector()
    _case_events(case, out)
    _status_changes(case, out)
    _participants(case, out)
    _consents(case, out)
    _measures(case, out, proceedings=sees(FieldGroup.PROCEEDINGS))
    _identification(case, out)
    _reflection(case, out, today)
    _tasks(case, out, actor)
    # Health never shows on the timeline, not even that a medical record was added.
    groups = visible - {FieldGroup.HEALTH}
    _documents(case, out, [group.value for group in groups])
    _notes(case, out, actor)
    if sees(FieldGroup.ASSISTANCE):
        _assessments(case, out)
        _plans(case, out)
        _services(case, out)
    if sees(FieldGroup.PROCEEDINGS):
        _proceedings(case, out)
    if sees(FieldGroup.CHILD_PROTECTION):
        _child(case, out)
    out.entries.sort(key=lambda entry: entry.at, reverse=True)
    return out.entries[:limit]
