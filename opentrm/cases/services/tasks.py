"""Tasks and deadlines on a case (issue 3 §11): made by hand, or made from the dates that
other records carry (measure deadlines, the end of a reflection period, consent expiries,
plan reviews).

Tasks belong to one organisation on the case: each organisation plans its own work, and a
partner abroad never sees or closes another organisation's tasks. Reads of this area live here
too, next to the writes they mirror.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import ROLE_ACTIONS, Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import task_titles as titles
from opentrm.cases.access import require_open
from opentrm.cases.models import (
    Case,
    CaseParticipant,
    ConsentDecision,
    MeasureStatus,
    PlanStatus,
    RiskManagementPlan,
    Task,
    TaskSource,
)
from opentrm.cases.task_titles import render_title
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.errors import ConflictError

# Roles that work on cases: only they can be given a task about one.
CASE_ROLES = frozenset(
    role.value for role, actions in ROLE_ACTIONS.items() if Action.CASE_VIEW in actions
)
_OPEN_MEASURE = (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)


def assignable_users(organisation_id: int | None) -> QuerySet[User]:
    """Active members of the organisation whose role works on cases."""
    if organisation_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__is_active=True,
            memberships__role__in=CASE_ROLES,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- Writes by hand ---------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    case: Case,
    title: str,
    due_on: date,
    assignee: User | None = None,
    title_key: str = "",
    title_params: dict[str, str] | None = None,
) -> Task:
    """A task for the actor's organisation on ``case``, optionally assigned to a colleague.
    A task the system words gives ``title_key`` and ``title_params`` (``task_titles``): it is
    shown in each reader's language, ``title`` being the stored fallback."""
    require(actor, Action.TASK_MANAGE)
    require_open(case)
    assert actor.membership is not None
    errors: dict[str, str] = {}
    title = " ".join(title.split())
    if not title:
        errors["title"] = _("Say what has to be done.")
    if due_on < timezone.localdate():
        errors["due_on"] = _("A new task cannot be due in the past.")
    if (
        assignee is not None
        and not assignable_users(actor.organisation_id).filter(pk=assignee.pk).exists()
    ):
        errors["assignee"] = _(
            "A task can be assigned only to a member of your organisation who works on cases."
        )
    if errors:
        raise ValidationError(errors)
    task = Task(
        case=case,
        title=title,
        title_key=title_key,
        title_params=title_params or {},
        due_on=due_on,
        assignee=assignee,
        organisation=actor.membership.organisation,
        updated_by=actor.user,
    )
    task.full_clean()
    task.save()
    record_event(
        event_type=EventType.TASK_CREATED,
        actor=actor,
        target=task,
        detail={"case_id": case.pk, "source": task.source},
    )
    return task


def _require_own_task(actor: Actor, task: Task) -> None:
    require(actor, Action.TASK_MANAGE, task)
    require_open(task.case)


def _set_done(actor: Actor, task: Task, *, done: bool, expected_version: int) -> bool:
    """Mark the task done or open; False when it already was (and nobody changed it since)."""
    if (task.done_at is not None) == done and task.version == expected_version:
        return False
    before = task.done_at
    task.done_at = timezone.now() if done else None
    try:
        save_if_unchanged(
            task, expected_version=expected_version, fields=["done_at"], actor=actor.user
        )
    except ConflictError:
        task.done_at = before  # the object still shows the row as it was read
        raise
    return True


@transaction.atomic
def task_complete(*, actor: Actor, task: Task, expected_version: int) -> Task:
    """Done. Refused (ConflictError) if someone changed the task after the page was loaded."""
    return _mark(actor, task, done=True, expected_version=expected_version)


@transaction.atomic
def task_reopen(*, actor: Actor, task: Task, expected_version: int) -> Task:
    return _mark(actor, task, done=False, expected_version=expected_version)


def _mark(actor: Actor, task: Task, *, done: bool, expected_version: int) -> Task:
    """Mark the task done or open, and record it when that changed something."""
    _require_own_task(actor, task)
    if _set_done(actor, task, done=done, expected_version=expected_version):
        record_event(
            event_type=EventType.TASK_COMPLETED if done else EventType.TASK_REOPENED,
            actor=actor,
            target=task,
            detail={"case_id": task.case_id},
        )
    return task


# --- Tasks made from other records' dates -----------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    source: TaskSource
    key: str
    title_key: str
    title_params: dict[str, str]
    due_on: date
    organisation_id: int
    assignee_id: int | None

    @property
    def title(self) -> str:
        """The title in the active language (the node's when stored)."""
        return render_title(self.title_key, self.title_params) or self.title_key


@dataclass(frozen=True)
class SyncResult:
    created: int = 0
    moved: int = 0
    closed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.moved or self.closed)


class _Sources:
    """What a case's records ask for, and who should do it."""

    def __init__(self, case: Case, today: date) -> None:
        self.case = case
        self.today = today
        participants = list(CaseParticipant.objects.filter(case=case, is_active=True))
        self.managers = {p.organisation_id: p.case_manager_id for p in participants}
        self.members = set(
            Membership.objects.filter(
                organisation_id__in=self.managers,
                is_active=True,
                user__is_active=True,
                role__in=CASE_ROLES,
            ).values_list("organisation_id", "user_id")
        )

    def organisation(self, organisation_id: int | None) -> int:
        """The organisation itself if it takes part in the case, else the case's owner."""
        if organisation_id is not None and organisation_id in self.managers:
            return organisation_id
        return self.case.owner_organisation_id

    def assignee(self, organisation_id: int, person_id: int | None) -> int | None:
        """The person named on the record, else the organisation's case manager, if either is
        still a member who works on cases."""
        for user_id in (person_id, self.managers.get(organisation_id)):
            if user_id is not None and (organisation_id, user_id) in self.members:
                return user_id
        return None

    def want(
        self,
        source: TaskSource,
        key: str,
        *,
        title: tuple[str, dict[str, str]],
        due_on: date,
        organisation_id: int | None,
        person_id: int | None,
    ) -> _Wanted:
        """A task for the organisation (the case's owner if it no longer takes part), given to
        the person named on the record or its case manager."""
        organisation = self.organisation(organisation_id)
        return _Wanted(
            source=source,
            key=key,
            title_key=title[0],
            title_params=title[1],
            due_on=due_on,
            organisation_id=organisation,
            assignee_id=self.assignee(organisation, person_id),
        )

    def wanted(self) -> tuple[list[_Wanted], set[tuple[str, str]]]:
        """The tasks to make or keep up to date, and the keys whose tasks stay open."""
        wanted: list[_Wanted] = []
        alive: set[tuple[str, str]] = set()
        case = self.case
        for measure in case.measures.filter(status__in=_OPEN_MEASURE, due_on__isnull=False):
            assert measure.due_on is not None
            wanted.append(
                self.want(
                    TaskSource.MEASURE,
                    measure.code,
                    due_on=measure.due_on,
                    organisation_id=measure.responsible_organisation_id,
                    person_id=measure.responsible_person_id,
                    title=(titles.MEASURE_DUE, {"measure": measure.code}),
                )
            )
        days = timedelta(days=settings.OPENTRM_REFLECTION_REMINDER_DAYS)
        for period in case.reflection_periods.all():
            alive.add((TaskSource.REFLECTION, str(period.pk)))
            if period.ends_on < self.today:
                continue
            wanted.append(
                self.want(
                    TaskSource.REFLECTION,
                    str(period.pk),
                    due_on=max(period.ends_on - days, period.starts_on),
                    organisation_id=period.organisation_id,
                    person_id=period.granted_by_id,
                    title=(titles.REFLECTION_ENDS, {"date": period.ends_on.isoformat()}),
                )
            )
        consents = case.consents.filter(
            decision=ConsentDecision.GIVEN, withdrawn_at__isnull=True, expires_on__isnull=False
        )
        for consent in consents:
            assert consent.expires_on is not None
            alive.add((TaskSource.CONSENT_EXPIRY, str(consent.pk)))
            if consent.expires_on < self.today:
                continue
            wanted.append(
                self.want(
                    TaskSource.CONSENT_EXPIRY,
                    str(consent.pk),
                    due_on=consent.expires_on,
                    organisation_id=consent.taken_for_id,
                    person_id=consent.taken_by_id,
                    title=(
                        titles.CONSENT_EXPIRES,
                        {"purpose": consent.purpose, "date": consent.expires_on.isoformat()},
                    ),
                )
            )
        wanted += self.plan_reviews() + self.follow_up_visits()
        alive |= {(item.source, item.key) for item in wanted}
        return wanted, alive

    def follow_up_visits(self) -> list[_Wanted]:
        """A task per follow-up visit after return not yet made (SOP-T13), due on its day."""
        return [
            self.want(
                TaskSource.FOLLOW_UP_VISIT,
                str(visit.pk),
                due_on=visit.due_on,
                organisation_id=visit.organisation_id,
                person_id=visit.scheduled_by_id,
                title=(titles.FOLLOW_UP_VISIT, {}),
            )
            for visit in self.case.visits.filter(visited_on__isnull=True)
        ]

    def plan_reviews(self) -> list[_Wanted]:
        """The next review of the risk management plan and of the assistance plan in force
        (one task each, keyed by the plan; gone when the plan is closed or superseded)."""
        wanted: list[_Wanted] = []
        case = self.case
        risk_plan = RiskManagementPlan.objects.filter(case=case).first()
        if risk_plan is not None:
            wanted.append(
                self.want(
                    TaskSource.PLAN_REVIEW,
                    f"risk:{risk_plan.pk}",
                    due_on=risk_plan.next_review_on,
                    organisation_id=risk_plan.organisation_id,
                    person_id=None,
                    title=(titles.RISK_PLAN_REVIEW, {}),
                )
            )
        plans = case.assistance_plans.filter(status=PlanStatus.ACTIVE, review_on__isnull=False)
        for plan in plans:
            assert plan.review_on is not None
            wanted.append(
                self.want(
                    TaskSource.PLAN_REVIEW,
                    f"assistance:{plan.pk}",
                    due_on=plan.review_on,
                    organisation_id=plan.organisation_id,
                    person_id=plan.drafted_by_id,
                    title=(titles.ASSISTANCE_PLAN_REVIEW, {}),
                )
            )
        return wanted


@transaction.atomic
def sync_generated_tasks(case: Case, *, actor: Actor | None = None) -> SyncResult:
    """Bring the case's generated tasks in line with the dates its records carry.

    Makes each task once (the ``cases_task_generated_once`` constraint holds even when two
    syncs race), moves the due date of an open task when its source date moved, and closes
    open tasks whose source is gone (a measure done or not applicable, a consent withdrawn).
    Tasks people completed stay completed. Call it after any change to measures, reflection
    periods or consents; it is cheap when nothing changed.
    """
    today = timezone.localdate()
    wanted, alive = _Sources(case, today).wanted()
    # The stored text is the fallback: the node's language, whoever triggered the sync. Readers
    # see the title rendered from its key in their own language (``Task.shown_title``).
    with translation.override(settings.LANGUAGE_CODE):
        stored = {(item.source, item.key): item.title for item in wanted}
    existing = {
        (task.source, task.source_key): task
        for task in Task.objects.filter(case=case).exclude(source=TaskSource.MANUAL)
    }
    new = [
        Task(
            case=case,
            source=item.source,
            source_key=item.key,
            title=stored[item.source, item.key],
            title_key=item.title_key,
            title_params=item.title_params,
            due_on=item.due_on,
            organisation_id=item.organisation_id,
            assignee_id=item.assignee_id,
        )
        for item in wanted
        if (item.source, item.key) not in existing
    ]
    created = len(Task.objects.bulk_create(new, ignore_conflicts=True)) if new else 0
    now = timezone.now()
    moved = 0
    for item in wanted:
        task = existing.get((item.source, item.key))
        if task is None or task.done_at is not None:
            continue
        title = stored[item.source, item.key]
        if (task.due_on, task.title, task.title_key, task.title_params) != (
            item.due_on,
            title,
            item.title_key,
            item.title_params,
        ):
            # Only if nobody changed the task meanwhile: a person's edit wins over the sync.
            moved += Task.objects.filter(pk=task.pk, version=task.version).update(
                due_on=item.due_on,
                title=title,
                title_key=item.title_key,
                title_params=item.title_params,
                version=F("version") + 1,
                updated_at=now,
            )
    gone = [task.pk for key, task in existing.items() if key not in alive and not task.done_at]
    closed = (
        Task.objects.filter(pk__in=gone, done_at__isnull=True).update(
            done_at=now, version=F("version") + 1, updated_at=now
        )
        if gone
        else 0
    )
    result = SyncResult(created=created, moved=moved, closed=closed)
    if result.changed:
        record_event(
            event_type=EventType.TASKS_GENERATED,
            actor=actor,
            target=case,
            detail={"case_id": case.pk, "created": created, "moved": moved, "closed": closed},
        )
    return result


# --- Reads ------------------------------------------------------------------------------------


class TaskView(StrEnum):
    MINE = "mine"
    WEEK = "week"
    OVERDUE = "overdue"


def end_of_week(today: date) -> date:
    """The Sunday of ``today``'s week."""
    return today + timedelta(days=6 - today.weekday())


def task_list(*, actor: Actor, view: TaskView, today: date | None = None) -> QuerySet[Task]:
    """Open tasks of the actor's organisation on the cases it may see (only those assigned to
    the actor for a role that does not manage tasks).

    ``mine``: assigned to the actor; ``week``: due from today to Sunday; ``overdue``: due
    before today.
    """
    day = today or timezone.localdate()
    if actor.organisation_id is None:
        return Task.objects.none()
    tasks = Task.objects.filter(
        organisation_id=actor.organisation_id,
        done_at__isnull=True,
        case__in=Case.objects.visible_to(actor).values("pk"),
    )
    if view == TaskView.MINE or not actor.may(Action.TASK_MANAGE):
        tasks = tasks.filter(assignee=actor.user)
    elif view == TaskView.WEEK:
        tasks = tasks.filter(due_on__gte=day, due_on__lte=end_of_week(day))
    else:
        tasks = tasks.filter(due_on__lt=day)
    # The case's person and child safeguards too: the list marks children's cases
    # (``states.children_among``) without a second query.
    return tasks.select_related("case__person", "case__child_safeguards", "assignee").order_by(
        "due_on", "id"
    )


def case_tasks(*, actor: Actor, case: Case, done_shown: int = 10) -> tuple[list[Task], list[Task]]:
    """The actor's organisation's open tasks on ``case``, and the last ones it completed."""
    if actor.organisation_id is None:
        return [], []
    tasks = Task.objects.filter(case=case, organisation_id=actor.organisation_id).select_related(
        "assignee"
    )
    if not actor.may(Action.TASK_MANAGE):
        # A task's title is free text the organisation's case workers write: a role that does
        # not plan the work (the interpreter) sees only the tasks given to it.
        tasks = tasks.filter(assignee=actor.user)
    open_tasks = list(tasks.filter(done_at__isnull=True).order_by("due_on", "id"))
    done = list(tasks.filter(done_at__isnull=False).order_by("-done_at", "-id")[:done_shown])
    return open_tasks, done
