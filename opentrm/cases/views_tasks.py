"""Tasks and deadlines: "My tasks", "Due this week", "Overdue", and the tasks of a case."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.policy import Action, Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import access_case, access_task
from opentrm.cases.forms_child import CountryContactForm
from opentrm.cases.forms_tasks import TaskForm, TaskVersionForm
from opentrm.cases.models import Case, Task
from opentrm.cases.services import tasks as services
from opentrm.cases.services.tasks import TaskView
from opentrm.core.errors import ConflictError
from opentrm.core.forms import add_service_errors

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return actor


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
def task_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    try:
        view = TaskView(request.GET.get("show", TaskView.MINE))
    except ValueError:
        view = TaskView.MINE
    today = timezone.localdate()
    page = Paginator(services.task_list(actor=actor, view=view, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
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
            "tasks": tasks,
            "show": view.value,
            "title": titles[view],
            "views": [(item.value, titles[item]) for item in TaskView],
            "today": today,
            "week_ends": services.end_of_week(today),
            "query": f"show={view.value}",
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.TASK_MANAGE)
def task_create(request: HttpRequest, public_id: str) -> HttpResponse:
    actor = _actor(request)
    case = access_case(actor, public_id)
    form = TaskForm(request.POST or None, organisation_id=actor.organisation_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_create(
                actor=actor,
                case=case,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
                assignee=form.cleaned_data["assignee"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The task was added."))
            return redirect(reverse("cases:case_detail", args=[case.public_id]) + "#tasks")
    return render(request, "cases/task_form.html", {"form": form, "case": case})


def _back(request: HttpRequest, case: Case) -> HttpResponseRedirect:
    """Back to the page the button was on (a task list) when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("cases:case_detail", args=[case.public_id]) + "#tasks")


def _change_state(
    request: HttpRequest, public_id: str, task_id: int, *, done: bool
) -> HttpResponse:
    actor = _actor(request)
    case = access_case(actor, public_id)
    # Another organisation's task on the same case is not there for this actor.
    task = access_task(actor, case, task_id)
    form = TaskVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date. Reload it and try again."))
        return _back(request, case)
    change = services.task_complete if done else services.task_reopen
    try:
        change(actor=actor, task=task, expected_version=form.cleaned_data["version"])
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (_("Done: %(title)s") if done else _("Reopened: %(title)s")) % {"title": task.title},
        )
    return _back(request, case)


@require_POST
@actor_required(Action.TASK_MANAGE)
def task_complete(request: HttpRequest, public_id: str, task_id: int) -> HttpResponse:
    return _change_state(request, public_id, task_id, done=True)


@require_POST
@actor_required(Action.TASK_MANAGE)
def task_reopen(request: HttpRequest, public_id: str, task_id: int) -> HttpResponse:
    return _change_state(request, public_id, task_id, done=False)
