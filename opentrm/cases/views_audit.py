"""The auditor's view of one case: its whole trail by case number, as CSV, and whether the
chain holds (docs/audit.md, "A case's trail"). For the roles that read the audit trail."""

import csv
import io
import json

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, audit_scope
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.audit.services import record_event
from opentrm.audit.verification import verify_audit_trail
from opentrm.cases.audit_trail import case_audit_events, case_by_number
from opentrm.cases.models import Case
from opentrm.core.forms import Form
from opentrm.directory.exporting import neutralise

CSV_COLUMNS = (
    "sequence",
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_label",
    "organisation_id",
    "organisation_label",
    "target_type",
    "target_id",
    "changed_fields",
    "detail",
    "request_id",
)


class CaseTrailForm(Form):
    number = forms.CharField(label=_("Case number"), max_length=32)


def _trail(actor: Actor, number: str, *, export: bool) -> tuple[Case | None, QuerySet[AuditEvent]]:
    scope = audit_scope(actor)
    case = case_by_number(number, scope.organisation_ids)
    # Looking at who did what on a case is itself an access worth recording; before the
    # rows are read, so the page shows its own event. A number that found nothing too.
    detail: dict[str, object] = {"case_id": case.pk if case else None, "view": "case_trail"}
    if export:
        detail["export"] = "csv"
    record_event(event_type=EventType.AUDIT_VIEWED, actor=actor, detail=detail)
    if case is None:
        return None, AuditEvent.objects.none()
    return case, case_audit_events(
        case,
        organisation_ids=scope.organisation_ids,
        include_unattributed=scope.include_unattributed,
    )


@require_GET
@actor_required(Action.AUDIT_VIEW)
def case_trail(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form = CaseTrailForm(request.GET or None)
    case, page, report = None, None, None
    if form.is_valid():
        case, events = _trail(actor, form.cleaned_data["number"], export=False)
        page = Paginator(events, 200).get_page(request.GET.get("page"))
        report = verify_audit_trail()
    return render(
        request,
        "audit/case_trail.html",
        {
            "form": form,
            "case": case,
            "page": page,
            "report": report,
            "searched": form.is_valid(),
            "query": f"number={case.number}" if case else "",
        },
    )


@require_GET
@actor_required(Action.AUDIT_VIEW)
def case_trail_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CaseTrailForm(request.GET)
    if not form.is_valid():
        return HttpResponse(status=400)
    case, events = _trail(request.actor, form.cleaned_data["number"], export=True)
    if case is None:
        return HttpResponse(status=404)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(
            [
                neutralise(str(value))
                for value in (
                    event.sequence,
                    event.occurred_at.isoformat(),
                    event.event_type,
                    event.actor_id or "",
                    event.actor_label,
                    event.organisation_id or "",
                    event.organisation_label,
                    event.target_type,
                    event.target_id,
                    " ".join(event.changed_fields or []),
                    json.dumps(event.detail, sort_keys=True),
                    event.request_id,
                )
            ]
        )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{case.number}.csv"'
    return response
