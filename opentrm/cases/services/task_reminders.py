"""Reminders of tasks due soon or overdue (issue 3 §11): one e-mail a day per user, in the user's
language, with links and no personal data (`opentrm send_reminders`, daily from cron)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from opentrm.accounts.models import Membership, User
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import CaseParticipant, Task
from opentrm.cases.services.tasks import CASE_ROLES


@dataclass(frozen=True)
class ReminderResult:
    emails: int = 0
    tasks: int = 0
    no_address: int = 0
    failed: int = 0


def _due_for_reminder(today: date, days: int) -> QuerySet[Task]:
    """Open tasks due within ``days`` (or overdue) whose assignee may still see them and was
    not reminded of them today."""
    still_member = Membership.objects.filter(
        user_id=OuterRef("assignee_id"),
        organisation_id=OuterRef("organisation_id"),
        is_active=True,
        role__in=CASE_ROLES,
    )
    still_on_case = CaseParticipant.objects.filter(
        case_id=OuterRef("case_id"), organisation_id=OuterRef("organisation_id"), is_active=True
    )
    return (
        Task.objects.filter(
            done_at__isnull=True,
            assignee__isnull=False,
            assignee__is_active=True,
            due_on__lte=today + timedelta(days=days),
            case__deleted_at__isnull=True,
        )
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
        .filter(Exists(still_member), Exists(still_on_case))
        .select_related("case", "assignee")
        .order_by("assignee_id", "due_on", "id")
    )


def _claim(task_ids: Iterable[int], today: date) -> list[Task]:
    """Mark the tasks as reminded today, returning those not already claimed by another run.

    ``last_reminded_on`` is bookkeeping, not an edit: the version stays, so a form someone has
    open is not refused because of a reminder.
    """
    with transaction.atomic():
        claimed = list(
            Task.objects.select_for_update()
            .filter(pk__in=list(task_ids), done_at__isnull=True)
            .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
            .select_related("case")
            .order_by("due_on", "id")
        )
        Task.objects.filter(pk__in=[task.pk for task in claimed]).update(last_reminded_on=today)
    return claimed


def _digest(user: User, tasks: list[Task], today: date) -> EmailMessage:
    """Case numbers and task titles only: an e-mail leaves the system's protection."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        overdue = sum(1 for task in tasks if task.due_on < today)
        subject = ngettext(
            "OpenTRM: %(count)d task due or overdue",
            "OpenTRM: %(count)d tasks due or overdue",
            len(tasks),
        ) % {"count": len(tasks)}
        body = render_to_string(
            "cases/task_reminder_email.txt",
            {
                "tasks": tasks,
                "today": today,
                "overdue": overdue,
                "node": settings.OPENTRM_NODE_NAME,
            },
        )
    return EmailMessage(subject=subject, body=body, to=[user.email])


def task_reminders_send(*, days: int | None = None, today: date | None = None) -> ReminderResult:
    """E-mail each assignee one digest of their tasks due within ``days`` and overdue.

    At most once a day per task (``Task.last_reminded_on``); a task whose e-mail could not be
    sent is reminded again on the next run.
    """
    day = today or timezone.localdate()
    horizon = settings.OPENTRM_TASK_REMINDER_DAYS if days is None else days
    by_user: dict[int, list[Task]] = defaultdict(list)
    users: dict[int, User] = {}
    for task in _due_for_reminder(day, horizon):
        assert task.assignee is not None
        users[task.assignee.pk] = task.assignee
        by_user[task.assignee.pk].append(task)
    emails = reminded = no_address = failed = 0
    for user_id, tasks in by_user.items():
        user = users[user_id]
        if not user.email:
            no_address += len(tasks)
            continue
        claimed = _claim((task.pk for task in tasks), day)
        if not claimed:
            continue
        try:
            _digest(user, claimed, day).send()
        except Exception:  # any transport error: try the others, retry this one tomorrow
            Task.objects.filter(pk__in=[task.pk for task in claimed]).update(last_reminded_on=None)
            failed += 1
            continue
        emails += 1
        reminded += len(claimed)
    result = ReminderResult(emails=emails, tasks=reminded, no_address=no_address, failed=failed)
    if emails or failed:
        record_event(
            event_type=EventType.TASK_REMINDERS_SENT,
            actor=None,
            detail={"emails": emails, "tasks": reminded, "failed": failed},
        )
    return result
