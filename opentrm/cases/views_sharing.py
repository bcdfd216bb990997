"""Who a case's data is shared with, and why: the owner's view of the agreements and consents
that widen access to it (issue 9). A page of its own, also loaded into the case page."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, can
from opentrm.cases import selectors
from opentrm.cases.access import access_case
from opentrm.cases.sharing_overview import group_labels


@require_GET
@actor_required(Action.CASE_VIEW)
def case_sharing(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    case = access_case(actor, public_id)
    if not can(actor, Action.CASE_SHARING_VIEW, case):
        raise PermissionDenied
    rows = selectors.case_sharing(actor=actor, case=case, via="web")
    template = (
        "cases/_sharing_panel.html"
        if getattr(request, "htmx", False)
        else "cases/case_sharing.html"
    )
    context = {
        "case": case,
        "rows": [
            {
                "organisation": row.participant.organisation,
                "openings": [
                    {
                        "agreement": opening.agreement,
                        "version": opening.version,
                        "labels": group_labels(opening.groups),
                    }
                    for opening in row.openings
                ],
                "consent": row.consent,
                "labels": group_labels(row.groups),
            }
            for row in rows
        ],
    }
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response
