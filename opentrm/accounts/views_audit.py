"""The audit viewer for the data-protection officer."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opentrm.accounts.alerts import alert_close, alerts_for
from opentrm.accounts.decorators import actor_required
from opentrm.accounts.forms import AlertCloseForm
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.models import AccessAlert
from opentrm.accounts.policy import Action, audit_scope
from opentrm.audit.events import EventType
from opentrm.audit.forms import AuditFilterForm
from opentrm.audit.selectors import audit_event_list
from opentrm.audit.services import record_event
from opentrm.core.views import form_view


@require_GET
@actor_required(Action.AUDIT_VIEW)
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "user": data["user"].strip(),
            "organisation_id": data["organisation"],
            "event_type": data["event_type"],
            "target_type": data["target_type"].strip(),
            "target_id": data["target_id"].strip(),
            "since": data["since"],
            "until": data["until"],
        }
    # Looking at who saw what is itself an access worth recording. Recorded first, so the page
    # (counted and sliced lazily) does not change between its count and its rows.
    record_event(
        event_type=EventType.AUDIT_VIEWED,
        actor=actor,
        detail={k: str(v) for k, v in filters.items() if v},
    )
    # On a node shared by several countries each officer reads her own country's events.
    scope = audit_scope(actor)
    events = audit_event_list(
        organisation_ids=scope.organisation_ids,
        include_unattributed=scope.include_unattributed,
        **filters,
    )
    if form.errors:
        events = events.none()
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@require_GET
@actor_required(Action.AUDIT_VIEW)
def alert_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Unusual access found by ``detect_unusual_access``: open ones first."""
    record_event(
        event_type=EventType.AUDIT_VIEWED, actor=request.actor, detail={"view": "access_alerts"}
    )
    alerts = alerts_for(request.actor).order_by(F("closed_at").asc(nulls_first=True), "-pk")
    page = Paginator(alerts, 100).get_page(request.GET.get("page"))
    return render(request, "audit/alert_list.html", {"page": page, "form": AlertCloseForm()})


@require_POST
@actor_required(Action.AUDIT_VIEW)
def alert_close_view(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    if not alerts_for(request.actor).filter(pk=alert_id).exists():
        raise PermissionDenied
    form = AlertCloseForm(request.POST)

    def save() -> AccessAlert:
        return alert_close(actor=request.actor, alert_id=alert_id, note=form.cleaned_data["note"])

    return form_view(
        request,
        form,
        save=save,
        done=reverse("audit:alert_list"),
        template="audit/alert_close.html",
        context={"alert_id": alert_id},
        success=_("Alert reviewed."),
        refused_status=422,
    )
