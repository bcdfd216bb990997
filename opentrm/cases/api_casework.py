"""Cases API: measures, identification, the reflection period, tasks and the child safeguards
(issue 14 part C). The same services and rules as the case screens: the role's action (403),
the case through ``access_case`` (404), the action on the case (403), every read audited as a
read of the case (``CASE_READ`` with the section), every write audited by its service."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import schemas_casework as schemas
from opentrm.cases import selectors, services, states
from opentrm.cases.access import access_case
from opentrm.cases.lookups import access_task
from opentrm.cases.models import Case, CaseMeasure, ChildSafeguards, IdentificationDecision
from opentrm.cases.services.child import guardian_candidates, liaison_candidates
from opentrm.cases.services.measures import measure_board
from opentrm.cases.services.tasks import assignable_users, case_tasks
from opentrm.core.api import Routes, api_field_names, patch_changes
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId
from opentrm.directory.models import ContactPoint, Organisation

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_route = Routes(router, CASE_WORK_ERRORS, url_prefix="cases_")
_measure_route = _route.having(auth=member_auth(Action.MEASURE_EDIT))
_identify_route = _route.having(auth=member_auth(Action.IDENTIFICATION_RECORD))
_task_route = _route.having(auth=member_auth(Action.TASK_MANAGE))

_MEASURE_NAMES = {
    "responsible_organisation": "responsible_organisation_id",
    "responsible_person": "responsible_person_id",
}
# Choices stored as "" when none is picked: null in a PATCH clears them.
_CHILD_BLANKABLE = frozenset({"age_assessment_result", "durable_solution"})
_CHILD_NAMES = {
    "guardian": "guardian_id",
    "liaison_officer": "liaison_officer_id",
    "welfare_clearance_by": "welfare_clearance_by_id",
}


def _case(
    request: HttpRequest,
    public_id: PublicId,
    *,
    needs: Action | None = None,
    read: str = "",
    groups: tuple[FieldGroup, ...] = (),
) -> tuple[Actor, Case]:
    """The caller and the case it may act on; a read (``read``: the section) is audited."""
    actor = acting(request)
    case = access_case(actor, public_id)
    if needs is not None and not can(actor, needs, case):
        raise PermissionDenied
    if read:
        selectors.case_read(
            actor=actor, case=case, via="api", groups=[g.value for g in groups], view=read
        )
    return actor, case


def _row(model: type[Model], pk: int | None, field: str, queryset: Any = None) -> Any:
    """The row an id names, or None; 422 on ``field`` for an id that names none."""
    if pk is None:
        return None
    rows = queryset if queryset is not None else model._default_manager.all()
    found = rows.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("There is no such record to pick with this id.")})
    return found


def _organisation(pk: int | None, field: str) -> Organisation | None:
    return _row(Organisation, pk, field, Organisation.objects.filter(is_active=True))  # type: ignore[no-any-return]


# --- Measures ----------------------------------------------------------------------------------


def _measures(actor: Actor, case: Case) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "code": row.on_case.code,
            "sop": sop.code,
            "name": str(row.measure.label),
            "status": row.on_case.status,
            "responsible_organisation_id": row.on_case.responsible_organisation_id,
            "responsible_person_id": row.on_case.responsible_person_id,
            "due_on": row.on_case.due_on,
            "started_on": row.on_case.started_on,
            "completed_on": row.on_case.completed_on,
            "overdue": row.is_overdue,
            "notes": row.on_case.notes if row.shows_notes else None,
            "version": row.on_case.version,
        }
        for sop in measure_board(actor=actor, case=case, today=today)
        for row in sop.rows
        if row.on_case is not None
    ]


def _measure_out(actor: Actor, case: Case, code: str) -> dict[str, Any]:
    return next(m for m in _measures(actor, case) if m["code"] == code)


@_route("GET", "/{public_id}/measures", list[schemas.MeasureOut], "cases_measures")
def measure_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The measures on the case, procedure by procedure (proceedings' only for who sees them)"""
    actor, case = _case(request, public_id, read="measures")
    return _measures(actor, case)


@_measure_route("POST", "/{public_id}/measures", schemas.MeasureOut, status=201)
def measure_plan(request: HttpRequest, public_id: PublicId, payload: schemas.MeasureIn) -> Any:
    """Plan a measure of the country's list on the case"""
    actor, case = _case(request, public_id)
    with api_field_names(_MEASURE_NAMES):
        measure = services.measure_plan(
            actor=actor,
            case=case,
            code=payload.code,
            responsible_organisation=_organisation(
                payload.responsible_organisation_id, "responsible_organisation_id"
            ),
            responsible_person=_row(User, payload.responsible_person_id, "responsible_person_id"),
            due_on=payload.due_on,
            notes=payload.notes,
        )
    return Status(201, _measure_out(actor, case, measure.code))


@_measure_route(
    "PATCH",
    "/{public_id}/measures/{code}",
    schemas.MeasureOut,
    "cases_measure_update",
    description="Refused with 400 `blocked` and the reasons when a guard blocks the step "
    "(for example completing a return while the reflection period runs).",
)
def measure_update(
    request: HttpRequest, public_id: PublicId, code: str, payload: schemas.MeasurePatch
) -> Any:
    """Change a measure on the case: status, who, dates, notes"""
    actor, case = _case(request, public_id)
    measure = get_object_or_404(CaseMeasure, case=case, code=code)
    version, changes = patch_changes(payload)
    values: dict[str, Any] = {
        "status": measure.status,
        "responsible_organisation": measure.responsible_organisation,
        "responsible_person": measure.responsible_person,
        "due_on": measure.due_on,
        "started_on": measure.started_on,
        "completed_on": measure.completed_on,
        "notes": None,
    }
    for name, value in changes.items():
        if name == "responsible_organisation_id":
            values["responsible_organisation"] = _organisation(value, name)
        elif name == "responsible_person_id":
            values["responsible_person"] = _row(User, value, name)
        else:
            values[name] = value
    with api_field_names(_MEASURE_NAMES):
        services.measure_update(actor=actor, measure=measure, expected_version=version, **values)
    return _measure_out(actor, case, code)


# --- Identification and the reflection period ---------------------------------------------------


def _identification_out(actor: Actor, case: Case, row: IdentificationDecision) -> dict[str, Any]:
    shows = can(actor, Action.PROCEEDINGS_VIEW, case)
    return {
        "id": row.pk,
        "outcome": row.outcome,
        "is_formal": row.is_formal,
        "decided_on": row.decided_on,
        "country_code": row.country_code,
        "decided_by_role": row.decided_by_role,
        "organisation_id": row.organisation_id,
        "legal_basis": row.legal_basis if shows else None,
        "indicators_used": row.indicators_used if shows else None,
    }


@_route(
    "GET", "/{public_id}/identification", list[schemas.IdentificationOut], "cases_identification"
)
def identification_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The identification decisions, newest first (legal basis for who sees proceedings)"""
    actor, case = _case(request, public_id)
    shows_basis = can(actor, Action.PROCEEDINGS_VIEW, case)
    selectors.case_read(
        actor=actor,
        case=case,
        via="api",
        groups=[FieldGroup.PROCEEDINGS.value] if shows_basis else [],
        view="identification",
    )
    decisions = IdentificationDecision.objects.filter(case=case)
    return [_identification_out(actor, case, row) for row in decisions]


@_identify_route(
    "POST",
    "/{public_id}/identification",
    schemas.IdentificationOut,
    "cases_identification_record",
    status=201,
    description="A formal decision only by the roles the acting organisation's country names "
    "(400 `blocked` otherwise).",
)
def identification_record(
    request: HttpRequest, public_id: PublicId, payload: schemas.IdentificationIn
) -> Any:
    """Record an identification decision"""
    actor, case = _case(request, public_id)
    decision = services.identification_record(actor=actor, case=case, **payload.model_dump())
    return Status(201, _identification_out(actor, case, decision))


def _reflection_out(row: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": row.pk,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "organisation_id": row.organisation_id,
        "running": row.starts_on <= today <= row.ends_on,
    }


@_route(
    "GET",
    "/{public_id}/reflection-periods",
    list[schemas.ReflectionOut],
    "cases_reflection_periods",
)
def reflection_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The recovery and reflection periods granted, newest first"""
    _actor, case = _case(request, public_id, read="reflection")
    return [_reflection_out(row) for row in case.reflection_periods.all()]


@_measure_route(
    "POST",
    "/{public_id}/reflection-periods",
    schemas.ReflectionOut,
    "cases_reflection_start",
    status=201,
)
def reflection_start(
    request: HttpRequest, public_id: PublicId, payload: schemas.ReflectionIn
) -> Any:
    """Start the recovery and reflection period (the country's number of days by default)"""
    actor, case = _case(request, public_id)
    period = services.reflection_period_start(actor=actor, case=case, **payload.model_dump())
    return Status(201, _reflection_out(period))


# --- Tasks -------------------------------------------------------------------------------------


def _task_out(task: Any) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "due_on": task.due_on,
        "done_at": task.done_at,
        "source": task.source,
        "organisation_id": task.organisation_id,
        "assignee_id": task.assignee_id,
        "overdue": task.done_at is None and task.due_on < timezone.localdate(),
        "version": task.version,
    }


@_route("GET", "/{public_id}/tasks", list[schemas.TaskOut], "cases_tasks")
def task_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The acting organisation's tasks on the case: open ones, then the latest done"""
    actor, case = _case(request, public_id, read="tasks")
    open_tasks, done_tasks = case_tasks(actor=actor, case=case)
    return [_task_out(task) for task in [*open_tasks, *done_tasks]]


@_task_route("POST", "/{public_id}/tasks", schemas.TaskOut, status=201)
def task_create(request: HttpRequest, public_id: PublicId, payload: schemas.TaskIn) -> Any:
    """Add a task for the acting organisation, optionally assigned to a colleague"""
    actor, case = _case(request, public_id)
    assignee = _row(
        User, payload.assignee_id, "assignee_id", assignable_users(actor.organisation_id)
    )
    with api_field_names({"assignee": "assignee_id"}):
        task = services.task_create(
            actor=actor, case=case, title=payload.title, due_on=payload.due_on, assignee=assignee
        )
    return Status(201, _task_out(task))


@_task_route("POST", "/{public_id}/tasks/{task_id}/complete", schemas.TaskOut)
def task_complete(
    request: HttpRequest, public_id: PublicId, task_id: int, payload: schemas.VersionIn
) -> Any:
    """Mark one of the organisation's tasks done"""
    actor, case = _case(request, public_id)
    task = access_task(actor, case, task_id)
    return _task_out(
        services.task_complete(actor=actor, task=task, expected_version=payload.version)
    )


@_task_route("POST", "/{public_id}/tasks/{task_id}/reopen", schemas.TaskOut)
def task_reopen(
    request: HttpRequest, public_id: PublicId, task_id: int, payload: schemas.VersionIn
) -> Any:
    """Open a done task again"""
    actor, case = _case(request, public_id)
    task = access_task(actor, case, task_id)
    return _task_out(services.task_reopen(actor=actor, task=task, expected_version=payload.version))


# --- Child safeguards --------------------------------------------------------------------------


def _child_out(case: Case) -> dict[str, Any]:
    today = timezone.localdate()
    record = ChildSafeguards.objects.filter(case=case).first()
    out: dict[str, Any] = {
        "is_child": states.is_child_case(case, today),
        "version": 0,
        "warnings": [str(w) for w in states.child_case_warnings(case, today)],
    }
    if record is not None:
        out.update(
            version=record.version,
            guardian_id=record.guardian_id,
            guardian_name=record.guardian_name,
            guardian_appointed_on=record.guardian_appointed_on,
            liaison_officer_id=record.liaison_officer_id,
            best_interests_determined_on=record.best_interests_determined_on,
            best_interests_summary=record.best_interests_summary,
            family_tracing_in_best_interests=record.family_tracing_in_best_interests,
            asylum_indicated_on=record.asylum_indicated_on,
            welfare_clearance_on=record.welfare_clearance_on,
            welfare_clearance_by_id=record.welfare_clearance_by_id,
            age_assessed_on=record.age_assessed_on,
            age_assessment_result=record.age_assessment_result,
            age_assessment_participants=record.age_assessment_participants,
            best_interests_participants=record.best_interests_participants,
            separated=record.separated,
            unaccompanied=record.unaccompanied,
            street_child=record.street_child,
            durable_solution=record.durable_solution,
            durable_solution_decided_on=record.durable_solution_decided_on,
        )
    return out


@_route("GET", "/{public_id}/child-safeguards", schemas.ChildSafeguardsOut, "cases_child")
def child_safeguards(request: HttpRequest, public_id: PublicId) -> Any:
    """The child safeguards (CHILD_PROTECTION field group), with the open warnings"""
    _actor, case = _case(
        request,
        public_id,
        needs=Action.CHILD_PROTECTION_VIEW,
        read="child_safeguards",
        groups=(FieldGroup.CHILD_PROTECTION,),
    )
    return _child_out(case)


@_route(
    "PATCH",
    "/{public_id}/child-safeguards",
    schemas.ChildSafeguardsOut,
    "cases_child_update",
    description="Only the fields sent change. A change that opens something (an asylum "
    "indication withdrawn, a clearance given) is the owner organisation's alone (403).",
)
def child_safeguards_update(
    request: HttpRequest, public_id: PublicId, payload: schemas.ChildSafeguardsPatch
) -> Any:
    """Record the child's safeguards: guardian, best interests, age, situation, solution"""
    actor, case = _case(request, public_id, needs=Action.CHILD_PROTECTION_EDIT)
    version, sent = patch_changes(payload)
    changes: dict[str, Any] = {}
    for name, value in sent.items():
        if name == "guardian_id":
            changes["guardian"] = _row(User, value, name, guardian_candidates(case))
        elif name == "liaison_officer_id":
            changes["liaison_officer"] = _row(ContactPoint, value, name, liaison_candidates(case))
        elif name == "welfare_clearance_by_id":
            changes["welfare_clearance_by"] = _organisation(value, name)
        else:
            changes[name] = "" if value is None and name in _CHILD_BLANKABLE else value
    with api_field_names(_CHILD_NAMES):
        services.child_safeguards_update(
            actor=actor, case=case, expected_version=version, changes=changes
        )
    return _child_out(case)
