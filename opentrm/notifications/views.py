"""The home page, the notification list and the e-mail preference (thin views).

Every member has a home page and notifications, whatever her role: they are gated by the
action every member holds (``DIRECTORY_VIEW``), and each section of the home asks the policy
itself (``home.home_for``).
"""

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.views import form_view
from opentrm.notifications import selectors, services
from opentrm.notifications.forms import PreferenceForm
from opentrm.notifications.home import home_for

EVERY_MEMBER = Action.DIRECTORY_VIEW
PAGE_SIZE = 25


@require_GET
@actor_required(EVERY_MEMBER)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    page = home_for(actor=actor)
    record_event(
        event_type=EventType.HOME_VIEWED,
        actor=actor,
        detail={"case_ids": page.case_ids(), "referral_ids": page.referral_ids()},
    )
    return render(request, "notifications/home.html", {"home": page})


@require_GET
@actor_required(EVERY_MEMBER)
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list(request.actor.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/notification_list.html", {"page": page})


@require_GET
@actor_required(EVERY_MEMBER)
def notification_open(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go where it is handled (the page checks access)."""
    notification = services.notification_open(actor=request.actor, notification_id=notification_id)
    path = notification.path
    if not url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        path = reverse("notifications:notification_list")
    return HttpResponseRedirect(path)


@require_POST
@actor_required(EVERY_MEMBER)
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(actor=request.actor)
    return HttpResponseRedirect(reverse("notifications:notification_list"))


@require_http_methods(["GET", "POST"])
@actor_required(EVERY_MEMBER)
def preference_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = selectors.preference_of(request.actor.user)
    form = PreferenceForm(request.POST or None, initial={"email": current.email})
    return form_view(
        request,
        form,
        save=lambda: services.preference_set(actor=request.actor, email=form.cleaned_data["email"]),
        done=reverse("notifications:preference_edit"),
        template="notifications/preference_edit.html",
        success=_("Your notification preference is saved."),
    )
