"""The individual assistance plan (SOP III-1/III-2) and the risk management plan (SOP IV-3).

An assistance plan is drafted with the person, acknowledged by them, and activated only when
consent to implement it is in force in the consent register (guard SOP-P4). A revision is a new
draft copied from the active plan; activating it supersedes the old one. A withdrawal of the
consent pauses an active plan: computed from the register (``plan_is_paused``), never stored.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.changes import save_audited
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import (
    AssistancePlan,
    Case,
    ConsentPurpose,
    PlanActivity,
    PlanStatus,
    RiskManagementPlan,
    RiskPlanReview,
    ServiceType,
)
from opentrm.cases.selectors import consent_in_force
from opentrm.cases.services.measures import GuardBlockedError
from opentrm.cases.services.plans_checks import (
    acknowledge_errors,
    plan_errors,
    risk_plan_errors,
)
from opentrm.cases.services.statuses import statuses_refresh
from opentrm.cases.services.tasks import sync_generated_tasks
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.errors import ConflictError
from opentrm.directory.models import Organisation

MAX_ACTIVITIES = 30


@dataclass(frozen=True)
class ActivityData:
    """One activity or service of a plan, as a form or the API gives it."""

    description: str
    service_type: str = ""
    provider: Organisation | None = None
    starts_on: date | None = None
    ends_on: date | None = None


def _require_edit(actor: Actor, case: Case) -> None:
    require(actor, Action.CASE_VIEW)
    if not can(actor, Action.ASSISTANCE_EDIT, case):
        raise PermissionDenied


# --- Reads ------------------------------------------------------------------------------------


def plan_is_paused(plan: AssistancePlan, *, on: date | None = None) -> bool:
    """An active plan is paused while no consent to implement it is in force (withdrawn,
    refused later, or expired)."""
    if plan.status != PlanStatus.ACTIVE:
        return False
    return consent_in_force(case=plan.case, purpose=ConsentPurpose.ASSISTANCE_PLAN, on=on) is None


def activation_blockers(plan: AssistancePlan, *, on: date | None = None) -> list[str]:
    """Why the plan cannot be activated now; empty when it can."""
    reasons: list[str] = []
    if plan.status != PlanStatus.DRAFT:
        reasons.append(_("Only a draft plan can be activated."))
        return reasons
    if plan.acknowledged_on is None:
        reasons.append(
            _("The person has not acknowledged the plan: record their acknowledgement first.")
        )
    if consent_in_force(case=plan.case, purpose=ConsentPurpose.ASSISTANCE_PLAN, on=on) is None:
        reasons.append(
            _(
                "No consent to implement the assistance plan is in force: record the person's "
                "consent in the consent register first (it may have been refused, withdrawn or "
                "have expired)."
            )
        )
    return reasons


# --- Validation -------------------------------------------------------------------------------


def _clean_activities(activities: Sequence[ActivityData]) -> list[ActivityData]:
    errors: list[str] = []
    cleaned: list[ActivityData] = []
    if len(activities) > MAX_ACTIVITIES:
        raise ValidationError(
            {
                "activities": _("A plan holds at most %(count)d activities.")
                % {"count": MAX_ACTIVITIES}
            }
        )
    for number, activity in enumerate(activities, start=1):
        description = " ".join(activity.description.split())
        row = {"number": number}
        if not description:
            errors.append(_("Activity %(number)d: describe the activity.") % row)
        elif len(description) > 300:
            errors.append(
                _("Activity %(number)d: keep the description under 300 characters.") % row
            )
        if activity.service_type and activity.service_type not in ServiceType.values:
            errors.append(_("Activity %(number)d: pick a service from the list.") % row)
        if activity.provider is not None and not activity.provider.is_active:
            errors.append(
                _("Activity %(number)d: pick an active organisation from the directory.") % row
            )
        if activity.starts_on and activity.ends_on and activity.ends_on < activity.starts_on:
            errors.append(_("Activity %(number)d: it cannot end before it starts.") % row)
        cleaned.append(
            ActivityData(
                description=description,
                service_type=activity.service_type,
                provider=activity.provider,
                starts_on=activity.starts_on,
                ends_on=activity.ends_on,
            )
        )
    if errors:
        raise ValidationError({"activities": errors})
    return cleaned


def _clean_plan(
    plan: AssistancePlan | None,
    goals: str,
    activities: Sequence[ActivityData],
    review_on: date | None,
) -> tuple[str, list[ActivityData]]:
    errors = plan_errors(plan, {"goals": goals, "review_on": review_on})
    goals = goals.strip()
    try:
        cleaned = _clean_activities(activities)
    except ValidationError as error:
        errors.update(error.message_dict)
        cleaned = []
    if errors:
        raise ValidationError(errors)
    return goals, cleaned


def _write_activities(plan: AssistancePlan, activities: Sequence[ActivityData]) -> None:
    PlanActivity.objects.bulk_create(
        [
            PlanActivity(
                plan=plan,
                description=activity.description,
                service_type=activity.service_type,
                provider=activity.provider,
                starts_on=activity.starts_on,
                ends_on=activity.ends_on,
                order=order,
            )
            for order, activity in enumerate(activities)
        ]
    )


def _activity_data(plan: AssistancePlan) -> list[ActivityData]:
    return [
        ActivityData(
            description=a.description,
            service_type=a.service_type,
            provider=a.provider,
            starts_on=a.starts_on,
            ends_on=a.ends_on,
        )
        for a in plan.activities.select_related("provider").order_by("order", "id")
    ]


def _lock_plans(case: Case) -> list[AssistancePlan]:
    """The case's plans, locked: drafting, activating and revising are serialised per case."""
    return list(AssistancePlan.objects.select_for_update().filter(case=case).order_by("revision"))


def _new_draft(
    *,
    actor: Actor,
    case: Case,
    goals: str,
    activities: Sequence[ActivityData],
    review_on: date | None,
    revises: AssistancePlan | None,
) -> AssistancePlan:
    assert actor.membership is not None
    revision = (AssistancePlan.objects.filter(case=case).aggregate(n=Max("revision"))["n"] or 0) + 1
    plan = AssistancePlan(
        case=case,
        revision=revision,
        status=PlanStatus.DRAFT,
        goals=goals,
        organisation=actor.membership.organisation,
        drafted_by=actor.user,
        updated_by=actor.user,
        review_on=review_on,
    )
    plan.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ConflictError(
            _("Someone drafted a plan for this case meanwhile. Reload the page.")
        ) from None
    _write_activities(plan, activities)
    detail: dict[str, int] = {"case_id": case.pk, "revision": revision}
    if revises is not None:
        detail["revises_plan_id"] = revises.pk
    record_event(event_type=EventType.PLAN_DRAFTED, actor=actor, target=plan, detail=detail)
    return plan


# --- The assistance plan ----------------------------------------------------------------------


@transaction.atomic
def plan_draft(
    *,
    actor: Actor,
    case: Case,
    goals: str,
    activities: Sequence[ActivityData] = (),
    review_on: date | None = None,
) -> AssistancePlan:
    """Draft the case's first assistance plan, or a new one after the last was closed. While a
    plan is active, revise it instead; while a draft exists, edit it."""
    _require_edit(actor, case)
    goals, cleaned = _clean_plan(None, goals, activities, review_on)
    plans = _lock_plans(case)
    if any(plan.status == PlanStatus.DRAFT for plan in plans):
        raise ValidationError(
            {"__all__": _("A draft plan exists already for this case: change that draft.")}
        )
    if any(plan.status == PlanStatus.ACTIVE for plan in plans):
        raise ValidationError(
            {"__all__": _("A plan is active for this case: revise it to draft the next one.")}
        )
    return _new_draft(
        actor=actor, case=case, goals=goals, activities=cleaned, review_on=review_on, revises=None
    )


@transaction.atomic
def plan_update(
    *,
    actor: Actor,
    plan: AssistancePlan,
    expected_version: int,
    goals: str,
    activities: Sequence[ActivityData],
    review_on: date | None,
) -> AssistancePlan:
    """Change a draft: its goals, its activities (replaced as a whole) and its review date."""
    _require_edit(actor, plan.case)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(
            {"__all__": _("Only a draft can be changed: revise the active plan instead.")}
        )
    goals, cleaned = _clean_plan(plan, goals, activities, review_on)
    before_activities = _activity_data(plan)
    changed = [
        name
        for name, before, after in (
            ("goals", plan.goals, goals),
            ("review_on", plan.review_on, review_on),
        )
        if before != after
    ]
    plan.goals, plan.review_on = goals, review_on
    save_if_unchanged(plan, expected_version=expected_version, fields=changed, actor=actor.user)
    if cleaned != before_activities:
        plan.activities.all().delete()
        _write_activities(plan, cleaned)
        changed.append("activities")
    if changed:
        record_event(
            event_type=EventType.PLAN_CHANGED,
            actor=actor,
            target=plan,
            changed_fields=changed,
            detail={"case_id": plan.case_id, "revision": plan.revision},
        )
    return plan


@transaction.atomic
def plan_acknowledge(
    *,
    actor: Actor,
    plan: AssistancePlan,
    expected_version: int,
    acknowledged_on: date | None,
    how: str,
) -> AssistancePlan:
    """Record that the person acknowledged (co-signed) the draft, when and how."""
    _require_edit(actor, plan.case)
    errors = acknowledge_errors(plan, {"acknowledged_on": acknowledged_on, "acknowledged_how": how})
    if plan.status != PlanStatus.DRAFT:
        errors["__all__"] = [_("Only a draft plan is acknowledged.")]
    how = " ".join(how.split())
    if errors:
        raise ValidationError(errors)
    plan.acknowledged_on, plan.acknowledged_how = acknowledged_on, how
    save_if_unchanged(
        plan,
        expected_version=expected_version,
        fields=["acknowledged_on", "acknowledged_how"],
        actor=actor.user,
    )
    record_event(
        event_type=EventType.PLAN_ACKNOWLEDGED,
        actor=actor,
        target=plan,
        detail={"case_id": plan.case_id, "revision": plan.revision},
    )
    return plan


@transaction.atomic
def plan_activate(*, actor: Actor, plan: AssistancePlan, expected_version: int) -> AssistancePlan:
    """Put the draft into force (SOP-P4): only once the person acknowledged it and consent to
    implement it is in force. The plan it revises becomes superseded.

    Raises GuardBlockedError with every reason when it may not be activated yet.
    """
    _require_edit(actor, plan.case)
    plans = _lock_plans(plan.case)
    current = next((p for p in plans if p.pk == plan.pk), None)
    if current is None or current.version != expected_version:
        # Let the optimistic lock name who changed it.
        save_if_unchanged(plan, expected_version=expected_version, fields=[], actor=actor.user)
    reasons = activation_blockers(current or plan)
    if reasons:
        raise GuardBlockedError("assistance_plan_consent", reasons)
    now = timezone.now()
    superseded = [p for p in plans if p.status == PlanStatus.ACTIVE]
    if superseded:
        AssistancePlan.objects.filter(pk__in=[p.pk for p in superseded]).update(
            status=PlanStatus.SUPERSEDED, version=F("version") + 1, updated_at=now
        )
    plan.status, plan.activated_at = PlanStatus.ACTIVE, now
    save_if_unchanged(
        plan, expected_version=expected_version, fields=["status", "activated_at"], actor=actor.user
    )
    detail: dict[str, int] = {"case_id": plan.case_id, "revision": plan.revision}
    if superseded:
        detail["superseded_plan_id"] = superseded[0].pk
    record_event(event_type=EventType.PLAN_ACTIVATED, actor=actor, target=plan, detail=detail)
    sync_generated_tasks(plan.case, actor=actor)  # the review date of the plan now in force
    statuses_refresh(case=plan.case, actor=actor)
    return plan


@transaction.atomic
def plan_revise(*, actor: Actor, plan: AssistancePlan) -> AssistancePlan:
    """A new draft revision of the active plan, with its goals and activities copied. The
    active plan stays in force until the revision is activated."""
    _require_edit(actor, plan.case)
    plans = _lock_plans(plan.case)
    current = next((p for p in plans if p.pk == plan.pk), None)
    if current is None or current.status != PlanStatus.ACTIVE:
        raise ValidationError({"__all__": _("Only the active plan can be revised.")})
    if any(p.status == PlanStatus.DRAFT for p in plans):
        raise ValidationError({"__all__": _("A draft revision exists already: change that draft.")})
    review_on = current.review_on
    if review_on is not None and review_on < timezone.localdate():
        review_on = None
    return _new_draft(
        actor=actor,
        case=plan.case,
        goals=current.goals,
        activities=_activity_data(current),
        review_on=review_on,
        revises=current,
    )


@transaction.atomic
def plan_close(*, actor: Actor, plan: AssistancePlan, expected_version: int) -> AssistancePlan:
    """Close the active plan (its goals reached, or the assistance ended) or discard a draft."""
    _require_edit(actor, plan.case)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
        raise ValidationError({"__all__": _("This plan is closed or superseded already.")})
    was = plan.status
    plan.status = PlanStatus.CLOSED
    save_if_unchanged(plan, expected_version=expected_version, fields=["status"], actor=actor.user)
    record_event(
        event_type=EventType.PLAN_CLOSED,
        actor=actor,
        target=plan,
        detail={"case_id": plan.case_id, "revision": plan.revision, "was": str(was)},
    )
    sync_generated_tasks(plan.case, actor=actor)  # no more reviews of this plan
    return plan


# --- The risk management plan -----------------------------------------------------------------

RISK_PLAN_FIELDS = ("risks", "measures", "review_every_days", "next_review_on")


@transaction.atomic
def risk_plan_save(
    *,
    actor: Actor,
    case: Case,
    expected_version: int,
    risks: str,
    measures: str,
    review_every_days: int | None,
    next_review_on: date | None,
) -> RiskManagementPlan:
    """Write the case's risk management plan (``expected_version`` 0: there was none yet).
    Its next review date makes a task for the case manager."""
    _require_edit(actor, case)
    assert actor.membership is not None
    plan = RiskManagementPlan.objects.filter(case=case).first()
    risks, measures = risks.strip(), measures.strip()
    errors = risk_plan_errors(
        plan,
        {
            "risks": risks,
            "measures": measures,
            "review_every_days": review_every_days,
            "next_review_on": next_review_on,
        },
    )
    if errors:
        raise ValidationError(errors)
    assert review_every_days is not None
    assert next_review_on is not None
    values = {
        "risks": risks,
        "measures": measures,
        "review_every_days": review_every_days,
        "next_review_on": next_review_on,
    }
    is_new = plan is None
    if plan is None:
        if expected_version != 0:
            raise ConflictError(_("This record no longer exists. Reload the page."))
        plan = RiskManagementPlan(case=case, organisation=actor.membership.organisation, **values)
        changed = list(RISK_PLAN_FIELDS)
    else:
        changed = [name for name, value in values.items() if getattr(plan, name) != value]
        if not changed and expected_version == plan.version:
            return plan
        for name in changed:
            setattr(plan, name, values[name])
    save_audited(
        plan,
        actor=actor,
        is_new=is_new,
        expected_version=expected_version,
        fields=changed,
        event_type=EventType.RISK_PLAN_CHANGED,
        detail={"case_id": case.pk},
    )
    # Something changed here: a new plan has every field, and a save of nothing from another
    # version than the one just read is refused by the save.
    sync_generated_tasks(case, actor=actor)
    return plan


@transaction.atomic
def risk_plan_review(
    *,
    actor: Actor,
    plan: RiskManagementPlan,
    expected_version: int,
    reviewed_on: date | None,
    with_person: bool,
    notes: str,
) -> RiskPlanReview:
    """Record a review; the next review falls ``review_every_days`` after it."""
    _require_edit(actor, plan.case)
    errors: dict[str, str] = {}
    if reviewed_on is None:
        errors["reviewed_on"] = _("Enter the date of the review.")
    elif reviewed_on > timezone.localdate():
        errors["reviewed_on"] = _("The date is in the future.")
    elif reviewed_on < timezone.localdate(plan.created_at):
        errors["reviewed_on"] = _("The date is before the plan was made.")
    if errors:
        raise ValidationError(errors)
    assert reviewed_on is not None
    plan.next_review_on = reviewed_on + timedelta(days=plan.review_every_days)
    save_if_unchanged(
        plan, expected_version=expected_version, fields=["next_review_on"], actor=actor.user
    )
    review = RiskPlanReview.objects.create(
        plan=plan,
        reviewed_on=reviewed_on,
        reviewed_by=actor.user,
        with_person=with_person,
        notes=notes.strip(),
    )
    record_event(
        event_type=EventType.RISK_PLAN_REVIEWED,
        actor=actor,
        target=plan,
        detail={"case_id": plan.case_id, "review_id": review.pk, "with_person": with_person},
    )
    sync_generated_tasks(plan.case, actor=actor)  # the reminder moves to the next review
    return review
