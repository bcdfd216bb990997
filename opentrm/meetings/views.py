"""Meeting pages. Thin: the action gate, ``access_meeting`` (404 for meetings the reader may
not see, 403 for a case meeting whose field group is not theirs, or a change not theirs), then a
service."""

from collections.abc import Callable
from uuid import UUID

from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.agreements.access import access_agreement
from opentrm.agreements.models import Meeting as ScheduledAgreementMeeting
from opentrm.core.forms import cleaned, edited
from opentrm.core.views import action_view, form_view
from opentrm.meetings import selectors, services
from opentrm.meetings.access import (
    access_action_item,
    access_case_for_meeting,
    access_meeting,
    item_permissions,
    meeting_permissions,
)
from opentrm.meetings.forms import (
    ActionItemDoneForm,
    ActionItemForm,
    DecisionForm,
    KindFilterForm,
    MeetingChangeForm,
    MeetingForm,
    ParticipantForm,
)
from opentrm.meetings.models import Meeting


def _detail_url(meeting: Meeting, anchor: str = "") -> str:
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    return url + (f"#{anchor}" if anchor else "")


@require_GET
@actor_required(Action.MEETING_VIEW)
def meeting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = KindFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "form": form,
            "meetings": selectors.meeting_list(actor=request.actor, kind=kind),
            "scheduled": selectors.scheduled_without_record(actor=request.actor),
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.MEETING_RECORD)
def meeting_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None, on_case=False)
    return form_view(
        request,
        form,
        save=lambda: services.meeting_record(
            actor=request.actor, **cleaned(form, *services.RECORD_FIELDS)
        ),
        done=lambda meeting: redirect(_detail_url(meeting)),
        success=_("Meeting recorded."),
        template="meetings/meeting_form.html",
        context={"title": _("Record a meeting")},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def case_meeting_create(request: AuthenticatedHttpRequest, case_id: UUID) -> HttpResponse:
    case = access_case_for_meeting(request.actor, str(case_id))
    form = MeetingForm(request.POST or None, on_case=True)
    return form_view(
        request,
        form,
        save=lambda: services.case_meeting_record(
            actor=request.actor,
            case=case,
            **cleaned(form, *services.RECORD_FIELDS),
        ),
        done=lambda meeting: redirect(_detail_url(meeting)),
        success=_("Meeting recorded."),
        template="meetings/meeting_form.html",
        context={"title": _("Record a meeting on case %(number)s") % {"number": case.number}},
    )


@require_POST
@actor_required(Action.AGREEMENT_EDIT)
def agreement_meeting_record(request: AuthenticatedHttpRequest, scheduled_id: int) -> HttpResponse:
    scheduled = get_object_or_404(ScheduledAgreementMeeting.objects.live(), pk=scheduled_id)
    access_agreement(request.actor, scheduled.agreement_id, action="edit")
    meeting = services.agreement_meeting_record(actor=request.actor, scheduled=scheduled)
    return redirect(_detail_url(meeting))


@require_GET
@actor_required(Action.MEETING_VIEW)
def meeting_detail(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.actor, meeting_id)
    services.meeting_read(actor=request.actor, meeting=meeting)
    perms = meeting_permissions(request.actor, meeting)
    participants, decisions, items = selectors.meeting_detail_parts(meeting)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "perms": perms,
            "participants": participants,
            "decisions": decisions,
            "items": [(item, item_permissions(request.actor, item)) for item in items],
            "participant_form": ParticipantForm() if perms.can_change else None,
            "decision_form": DecisionForm() if perms.can_change else None,
            "item_form": (
                ActionItemForm(owners=services.owner_candidates(meeting))
                if perms.can_change
                else None
            ),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.MEETING_VIEW)
def meeting_edit(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.actor, meeting_id, action="change")
    form = MeetingChangeForm(request.POST or None, meeting=meeting)
    return form_view(
        request,
        form,
        save=lambda: services.meeting_change(
            actor=request.actor,
            meeting=meeting,
            **edited(form, *services.MEETING_FIELDS),
        ),
        done=_detail_url(meeting),
        success=_("Meeting saved."),
        template="meetings/meeting_form.html",
        context={"title": _("Agenda and minutes"), "meeting": meeting},
    )


def _add_to_meeting(
    request: AuthenticatedHttpRequest,
    meeting_id: int,
    form: Callable[[Meeting], BaseForm],
    save: Callable[[Meeting, BaseForm], object],
    *,
    anchor: str,
    success: str,
    incomplete: str | None = None,
) -> HttpResponse:
    """A row added to a meeting's record by those who may change the meeting, then back to its
    section of the meeting's page."""
    meeting = access_meeting(request.actor, meeting_id, action="change")
    bound = form(meeting)
    return action_view(
        request,
        bound,
        save=lambda: save(meeting, bound),
        done=_detail_url(meeting, anchor),
        success=success,
        incomplete=incomplete,
    )


@require_POST
@actor_required(Action.MEETING_VIEW)
def participant_add(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    return _add_to_meeting(
        request,
        meeting_id,
        lambda _meeting: ParticipantForm(request.POST),
        lambda meeting, form: services.participant_add(
            actor=request.actor, meeting=meeting, **cleaned(form, "organisation", "person", "role")
        ),
        anchor="participants",
        success=_("Participant added."),
    )


@require_POST
@actor_required(Action.MEETING_VIEW)
def decision_add(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    return _add_to_meeting(
        request,
        meeting_id,
        lambda _meeting: DecisionForm(request.POST),
        lambda meeting, form: services.decision_add(
            actor=request.actor, meeting=meeting, text=form.cleaned_data["text"]
        ),
        anchor="decisions",
        success=_("Decision recorded."),
        incomplete=_("Write the decision."),
    )


@require_POST
@actor_required(Action.MEETING_VIEW)
def action_item_add(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    return _add_to_meeting(
        request,
        meeting_id,
        lambda meeting: ActionItemForm(request.POST, owners=services.owner_candidates(meeting)),
        lambda meeting, form: services.action_item_add(
            actor=request.actor, meeting=meeting, **cleaned(form, "title", "owner", "due_on")
        ),
        anchor="action-items",
        success=_("Action item added."),
        incomplete=_("Give the action, its owner and its due date."),
    )


@require_POST
@actor_required(Action.MEETING_VIEW)
def action_item_done(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    item = access_action_item(request.actor, item_id)
    form = ActionItemDoneForm(request.POST)
    back = request.POST.get("next") == "mine"
    return action_view(
        request,
        form,
        save=lambda: services.action_item_complete(
            actor=request.actor, item=item, expected_version=form.cleaned_data["version"]
        ),
        done=(
            reverse("meetings:my_action_items")
            if back
            else _detail_url(item.meeting, "action-items")
        ),
        success=_("Action item done."),
    )


@require_GET
@actor_required(Action.MEETING_VIEW)
def my_action_items(request: AuthenticatedHttpRequest) -> HttpResponse:
    open_items, done = selectors.my_action_items(actor=request.actor)
    return render(
        request,
        "meetings/my_action_items.html",
        {"open_items": open_items, "done": done, "today": timezone.localdate()},
    )
