"""Writes of the national action plan: plans, objectives, actions and their status history.

Only a national coordinator of the plan's country writes (``access._edit_plan``). Each write is
atomic, refused when the row changed since the form was opened (``version``), and writes its
audit event (ids and field names only) in the same transaction.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.concurrency import change_if_unchanged
from opentrm.directory.models import Organisation
from opentrm.monitoring.models import (
    ActionPlan,
    ActionStatus,
    Objective,
    PlanAction,
    StatusChange,
)

PLAN_FIELDS = ("title", "starts_on", "ends_on")
OBJECTIVE_FIELDS = ("code", "title", "description")
ACTION_FIELDS = ("code", "title", "owner", "due_on", "status", "indicator", "target")

_CODE_TAKEN = {
    "code": _("This number is already used here. Choose another one."),
}


def _check_owner(plan: ActionPlan, owner: Organisation) -> None:
    """The organisation responsible for an action is one of the plan's country."""
    if owner.country_id != plan.country_id or not owner.is_active:
        raise ValidationError({"owner": _("Choose an active organisation of the plan's country.")})


def code_errors(
    *, parent: ActionPlan | Objective, row: Objective | PlanAction | None, values: Mapping[str, Any]
) -> dict[str, list[str]]:
    """A number already used under ``parent`` (an objective's in its plan, an action's in its
    objective) by a row other than ``row``, by field (issue 12 §5): checked before writing, for a
    form's precheck and the services; the constraint decides a concurrent write. A number not
    in ``values`` is not checked."""
    code = str(values.get("code") or "").strip()
    rows = parent.objectives if isinstance(parent, ActionPlan) else parent.actions
    taken = rows.filter(code=code)
    if row is not None:
        taken = taken.exclude(pk=row.pk)
    if code and taken.exists():
        return {"code": [str(_CODE_TAKEN["code"])]}
    return {}


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _saved(obj: Any) -> None:
    """Insert ``obj``; a number already used under the same parent is a field error."""
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError(_CODE_TAKEN) from None


def _changed(
    obj: Any, values: Any, *, fields: tuple[str, ...], expected_version: int, actor: Actor
) -> list[str]:
    """``change_if_unchanged`` for a row of the plan; a number already used under the same parent
    is a field error, not a crash."""
    try:
        with transaction.atomic():
            return change_if_unchanged(
                obj, values, fields=fields, expected_version=expected_version, actor=actor.user
            )
    except IntegrityError:
        raise ValidationError(_CODE_TAKEN) from None


@transaction.atomic
def plan_create(*, actor: Actor, title: str, starts_on: date, ends_on: date) -> ActionPlan:
    """A new plan of the coordinator's own country."""
    require(actor, Action.ACTION_PLAN_EDIT)
    assert actor.country_id is not None  # a member, by the action
    plan = ActionPlan(
        country_id=actor.country_id,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by=actor.user,
        updated_by=actor.user,
    )
    _saved(plan)
    record_event(event_type=EventType.ACTION_PLAN_CREATED, actor=actor, target=plan)
    return plan


@transaction.atomic
def plan_change(
    *, actor: Actor, plan: ActionPlan, expected_version: int, **values: Any
) -> ActionPlan:
    require(actor, Action.ACTION_PLAN_EDIT, plan)
    changed = _changed(
        plan, values, fields=PLAN_FIELDS, expected_version=expected_version, actor=actor
    )
    record_event(
        event_type=EventType.ACTION_PLAN_CHANGED,
        actor=actor,
        target=plan,
        changed_fields=changed,
    )
    return plan


@transaction.atomic
def objective_add(
    *, actor: Actor, plan: ActionPlan, code: str, title: str, description: str = ""
) -> Objective:
    require(actor, Action.ACTION_PLAN_EDIT, plan)
    objective = Objective(
        plan=plan,
        code=code.strip(),
        title=title.strip(),
        description=description,
        updated_by=actor.user,
    )
    _raise(code_errors(parent=plan, row=None, values={"code": objective.code}))
    _saved(objective)
    record_event(
        event_type=EventType.PLAN_OBJECTIVE_ADDED,
        actor=actor,
        target=objective,
        detail={"plan_id": plan.pk},
    )
    return objective


@transaction.atomic
def objective_change(
    *, actor: Actor, objective: Objective, expected_version: int, **values: Any
) -> Objective:
    require(actor, Action.ACTION_PLAN_EDIT, objective.plan)
    _raise(code_errors(parent=objective.plan, row=objective, values=values))
    changed = _changed(
        objective, values, fields=OBJECTIVE_FIELDS, expected_version=expected_version, actor=actor
    )
    record_event(
        event_type=EventType.PLAN_OBJECTIVE_CHANGED,
        actor=actor,
        target=objective,
        changed_fields=changed,
    )
    return objective


@transaction.atomic
def action_add(
    *,
    actor: Actor,
    objective: Objective,
    code: str,
    title: str,
    owner: Organisation,
    due_on: date,
    indicator: str,
    target: str = "",
    status: str = ActionStatus.PLANNED,
) -> PlanAction:
    require(actor, Action.ACTION_PLAN_EDIT, objective.plan)
    action = PlanAction(
        objective=objective,
        code=code.strip(),
        title=title.strip(),
        owner=owner,
        due_on=due_on,
        status=status,
        indicator=indicator.strip(),
        target=target.strip(),
        updated_by=actor.user,
    )
    errors = code_errors(parent=objective, row=None, values={"code": action.code})
    try:
        _check_owner(objective.plan, owner)
    except ValidationError as error:
        errors |= error.message_dict
    _raise(errors)
    _saved(action)
    record_event(
        event_type=EventType.PLAN_ACTION_ADDED,
        actor=actor,
        target=action,
        detail={"plan_id": objective.plan_id, "status": action.status},
    )
    return action


@transaction.atomic
def action_change(
    *,
    actor: Actor,
    action: PlanAction,
    expected_version: int,
    status_note: str = "",
    **values: Any,
) -> PlanAction:
    """Change the fields of ``values`` (names of ``ACTION_FIELDS``); a change of status is kept
    in the action's history with ``status_note``."""
    plan = action.objective.plan
    require(actor, Action.ACTION_PLAN_EDIT, plan)
    errors = code_errors(parent=action.objective, row=action, values=values)
    if "owner" in values and values["owner"] is not None:
        try:
            _check_owner(plan, values["owner"])
        except ValidationError as error:
            errors |= error.message_dict
    _raise(errors)
    before = action.status
    changed = _changed(
        action, values, fields=ACTION_FIELDS, expected_version=expected_version, actor=actor
    )
    detail: dict[str, Any] = {"plan_id": plan.pk}
    if "status" in changed:
        StatusChange.objects.create(
            action=action,
            from_status=before,
            to_status=action.status,
            changed_at=timezone.now(),
            changed_by=actor.user,
            note=status_note.strip(),
        )
        detail.update({"from_status": before, "to_status": action.status})
    record_event(
        event_type=EventType.PLAN_ACTION_CHANGED,
        actor=actor,
        target=action,
        changed_fields=changed,
        detail=detail,
    )
    return action


def record_plan_export(*, actor: Actor, plan: ActionPlan) -> None:
    record_event(event_type=EventType.ACTION_PLAN_EXPORTED, actor=actor, target=plan)
