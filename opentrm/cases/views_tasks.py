"""Tasks and deadlines: "My tasks", "Due this week", "Overdue", and the tasks of a case."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import states
from opentrm.cases.forms_child import CountryContactForm
from opentrm.cases.forms_tasks import TaskForm, TaskVersionForm
from opentrm.cases.lookups import access_task
from opentrm.cases.models import Case, Task
from opentrm.cases.services import tasks as services
from opentrm.cases.services.tasks import TaskView
from opentrm.cases.views_common import FormPage, case_form_page, case_url, case_view
from opentrm.core.forms import cleaned
from opentrm.core.html import escape_cell
from opentrm.core.pagination import ProbePaginator
from opentrm.core.views import action_view

PAGE_SIZE = 50


@dataclass(frozen=True)
class TaskRow:
    """One line of a task list, worked out once in Python (as ``selectors.CaseRow``): 50 rows
    of template lookups, filters and ``{% url %}`` tags cost more than the rest of the page."""

    task: Task
    due: str
    overdue: bool
    case_url: str
    complete_url: str
    case_number: str
    is_child: bool
    title: str
    assignee: str


def _task_rows(tasks: list[Task], today: date) -> list[TaskRow]:
    # ``services.task_list`` reads each case with its person and safeguards: no query here.
    child_cases = states.children_among((task.case for task in tasks), today)
    return [
        TaskRow(
            task=task,
            due=date_format(task.due_on, "SHORT_DATE_FORMAT"),
            overdue=task.due_on < today,
            case_url=reverse("cases:case_detail", args=[task.case.public_id]),
            complete_url=reverse("cases:task_complete", args=[task.case.public_id, task.pk]),
            case_number=task.case.number,
            is_child=task.case_id in child_cases,
            title=task.shown_title,
            assignee=str(task.assignee) if task.assignee else "—",
        )
        for task in tasks
    ]


def rows_html(request: HttpRequest, rows: list[TaskRow], *, may_manage: bool) -> SafeString:
    """The table's rows, written here rather than by the template (50 rows of template
    lookups, filters and a ``{% csrf_token %}`` each cost more than the rest of the request,
    issue 18); the same markup, every value escaped."""
    due, case, task = escape(_("Due")), escape(_("Case")), escape(_("Task"))
    assignee = escape(_("Assigned to"))
    late = f' <span class="badge stale">{escape(_("overdue"))}</span>'
    child = (
        f' <span class="badge stale" title="{escape(_("A child: act first"))}">'
        f"{escape(_('child · priority'))}</span>"
    )
    token = escape(get_token(request)) if may_manage else ""
    back, done = escape(request.get_full_path()), escape(_("Done"))
    lines = []
    for row in rows:
        form = ""
        if may_manage:
            form = (
                f'<form method="post" action="{escape_cell(row.complete_url)}" class="inline">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                f'<input type="hidden" name="version" value="{int(row.task.version)}">'
                f'<input type="hidden" name="next" value="{back}">'
                f'<button type="submit" class="secondary">{done}</button></form>'
            )
        lines.append(
            f'<tr>\n    <td data-label="{due}">{escape_cell(row.due)}'
            f"{late if row.overdue else ''}</td>\n"
            f'    <td data-label="{case}">'
            f'<a href="{escape_cell(row.case_url)}?section=tasks#tasks">'
            f"{escape_cell(row.case_number)}</a>{child if row.is_child else ''}</td>\n"
            f'    <td data-label="{task}">{escape_cell(row.title)}</td>\n'
            f'    <td data-label="{assignee}">{escape_cell(row.assignee)}</td>\n'
            f"    <td>{form}</td>\n  </tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - every value escaped above


def tasks_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's tasks section: the acting organisation's own tasks on the case."""
    open_tasks, done_tasks = services.case_tasks(actor=actor, case=case)
    return {
        "tasks_open": open_tasks,
        "tasks_done": done_tasks,
        "today": timezone.localdate(),
        "country_contact_form": CountryContactForm(auto_id="contact_%s"),
    }


@require_GET
@actor_required(Action.CASE_VIEW)
def task_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        view = TaskView(request.GET.get("show", TaskView.MINE))
    except ValueError:
        view = TaskView.MINE
    today = timezone.localdate()
    # No count of the open tasks: a next-page probe (core.pagination.ProbePaginator).
    tasks_found = services.task_list(actor=actor, view=view, today=today)
    page = ProbePaginator(tasks_found, PAGE_SIZE).get_page(request.GET.get("page"))
    tasks: list[Task] = list(page)
    record_event(
        event_type=EventType.TASKS_LISTED,
        actor=actor,
        detail={
            "show": view.value,
            "count": len(tasks),
            "case_ids": sorted({task.case_id for task in tasks}),
        },
    )
    titles = {
        TaskView.MINE: _("My tasks"),
        TaskView.WEEK: _("Due this week"),
        TaskView.OVERDUE: _("Overdue"),
    }
    return render(
        request,
        "cases/task_list.html",
        {
            "page": page,
            "rows": rows_html(
                request, _task_rows(tasks, today), may_manage=actor.may(Action.TASK_MANAGE)
            ),
            "next": request.get_full_path(),
            "show": view.value,
            "title": titles[view],
            "views": [(item.value, titles[item]) for item in TaskView],
            "today": today,
            "week_ends": services.end_of_week(today),
            "query": f"show={view.value}",
        },
    )


@case_form_page(
    "cases/task_form.html",
    gettext_lazy("The task was added."),
    anchor="tasks",
    gate=Action.TASK_MANAGE,
)
def task_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    actor = request.actor
    form = TaskForm(request.POST or None, organisation_id=actor.organisation_id)
    return FormPage(
        form,
        lambda: services.task_create(
            actor=actor, case=case, **cleaned(form, "title", "due_on", "assignee")
        ),
    )


def _back_url(request: HttpRequest, case: Case) -> str:
    """Back to the page the button was on (a task list) when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return case_url(case, "tasks")


def _change_state(
    request: AuthenticatedHttpRequest, case: Case, task_id: int, *, done: bool
) -> HttpResponse:
    actor = request.actor
    # Another organisation's task on the same case is not there for this actor.
    task = access_task(actor, case, task_id)
    form = TaskVersionForm(request.POST)
    change = services.task_complete if done else services.task_reopen
    return action_view(
        request,
        form,
        save=lambda: change(actor=actor, task=task, expected_version=form.cleaned_data["version"]),
        success=(_("Done: %(title)s") if done else _("Reopened: %(title)s"))
        % {"title": task.shown_title},
        done=_back_url(request, case),
        incomplete=_("The page was out of date. Reload it and try again."),
    )


@case_view("POST", gate=Action.TASK_MANAGE)
def task_complete(request: AuthenticatedHttpRequest, case: Case, task_id: int) -> HttpResponse:
    return _change_state(request, case, task_id, done=True)


@case_view("POST", gate=Action.TASK_MANAGE)
def task_reopen(request: AuthenticatedHttpRequest, case: Case, task_id: int) -> HttpResponse:
    return _change_state(request, case, task_id, done=False)
