"""The linked-records pages of a case. Thin: the action gate, ``access_case`` (404 for a case
the reader does not see), the linkage rules (``linkage.access``), then a service."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, FieldGroup, require
from opentrm.cases.models import Case
from opentrm.cases.selectors import case_read
from opentrm.core.views import action_view, form_view
from opentrm.linkage import selectors
from opentrm.linkage.access import (
    HeldElsewhereError,
    RecordPair,
    access_case_link,
    access_identity_case,
    access_other_record,
)
from opentrm.linkage.forms import AskForm, CompareForm, DecisionForm, UndoForm
from opentrm.linkage.models import QueryStatus
from opentrm.linkage.services import holder
from opentrm.linkage.services.links import link_decide, link_undo, pair_link


def _links_url(case: Case) -> str:
    return reverse("linkage:case_links", args=[case.public_id])


@require_GET
@actor_required(Action.CASE_VIEW)
def case_links(request: AuthenticatedHttpRequest, case_id: str) -> HttpResponse:
    """The records linked to the case, the decisions on it, and the histories together."""
    actor = request.actor
    case = access_identity_case(actor, case_id)
    context = selectors.linked_records(actor, case)
    case_read(actor=actor, case=case, via="web", view="linkage.links")
    return render(
        request,
        "linkage/case_links.html",
        {**context, "form": CompareForm(), "queries": selectors.case_queries(case)},
    )


@require_GET
@actor_required(Action.CASE_VIEW)
def case_queries(request: AuthenticatedHttpRequest, case_id: str) -> HttpResponse:
    """The questions asked about the case's person and their answers (htmx, polled)."""
    case = access_identity_case(request.actor, case_id)
    queries = selectors.case_queries(case)
    pending = any(query.status == QueryStatus.PENDING for query in queries)
    response = render(
        request,
        "linkage/_queries.html",
        {"case": case, "queries": queries, "pending": pending},
    )
    response["Vary"] = "HX-Request"
    return response


def _refused(request: AuthenticatedHttpRequest, case: Case, message: str) -> HttpResponse:
    return render(request, "linkage/refused.html", {"case": case, "message": message}, status=403)


def _compare_page(
    request: AuthenticatedHttpRequest, case: Case, other: Case, form: DecisionForm | None = None
) -> HttpResponse:
    actor = request.actor
    require(actor, Action.PERSON_LINK, RecordPair(case, other))
    link = pair_link(case.person_id, other.person_id)
    for shown in (case, other):
        case_read(
            actor=actor, case=shown, via="web", groups=[FieldGroup.IDENTITY.value], view="linkage"
        )
    version = link.version if link is not None else 0
    return render(
        request,
        "linkage/compare.html",
        {
            "case": case,
            "other": other,
            "link": link,
            "form": form or DecisionForm(initial={"version": version}),
            "version": version,
        },
    )


@require_GET
@actor_required(Action.PERSON_LINK)
def compare(request: AuthenticatedHttpRequest, case_id: str) -> HttpResponse:
    """Both records side by side, found by the other case's number, with the decision."""
    actor = request.actor
    case = access_identity_case(actor, case_id)
    form = CompareForm(request.GET)
    if not form.is_valid():
        return render(request, "linkage/compare_find.html", {"case": case, "form": form})
    number = form.cleaned_data["number"].strip()
    other = Case.objects.live().filter(number__iexact=number).first()
    if other is None:
        form.add_error("number", _("No case has this number."))
        return render(request, "linkage/compare_find.html", {"case": case, "form": form})
    if other.person_id == case.person_id:
        form.add_error("number", _("This is a case of the same person record."))
        return render(request, "linkage/compare_find.html", {"case": case, "form": form})
    try:
        other = access_other_record(actor, case, other)
    except HeldElsewhereError as refusal:
        return _refused(request, case, refusal.message)
    return _compare_page(request, case, other)


@require_http_methods(["GET", "POST"])
@actor_required(Action.PERSON_LINK)
def decide(request: AuthenticatedHttpRequest, case_id: str, other_id: str) -> HttpResponse:
    """Record the reviewer's decision on the two records (GET shows the comparison)."""
    actor = request.actor
    case = access_identity_case(actor, case_id)
    found = Case.objects.filter(public_id=other_id).select_related("owner_organisation").first()
    try:
        other = access_other_record(actor, case, found)
    except HeldElsewhereError as refusal:
        return _refused(request, case, refusal.message)
    require(actor, Action.PERSON_LINK, RecordPair(case, other))
    form = DecisionForm(request.POST or None)
    if request.method == "GET":
        return _compare_page(request, case, other)
    return form_view(
        request,
        form,
        save=lambda: link_decide(
            actor=actor,
            case=case,
            other=other,
            decision=form.cleaned_data["decision"],
            expected_version=form.cleaned_data["version"],
        ),
        done=_links_url(case),
        success=_("Decision recorded. Both records are kept as they were entered."),
        template="linkage/compare.html",
        context=lambda: _compare_context(case, other, form),
        refused_status=409,
    )


def _compare_context(case: Case, other: Case, form: DecisionForm) -> dict[str, Any]:
    link = pair_link(case.person_id, other.person_id)
    return {
        "case": case,
        "other": other,
        "link": link,
        "form": form,
        "version": link.version if link is not None else 0,
    }


@require_POST
@actor_required(Action.PERSON_LINK)
def undo(request: AuthenticatedHttpRequest, case_id: str, link_id: str) -> HttpResponse:
    """Undo a decision on the case's person and another record."""
    actor = request.actor
    case = access_identity_case(actor, case_id)
    link = access_case_link(case, link_id)
    form = UndoForm(request.POST)
    return action_view(
        request,
        form,
        save=lambda: link_undo(
            actor=actor, link=link, case=case, expected_version=form.cleaned_data["version"]
        ),
        done=_links_url(case),
        success=_("Decision undone. Both records are kept as they were entered."),
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.HOLDER_QUERY)
def ask(request: AuthenticatedHttpRequest, case_id: str) -> HttpResponse:
    """Ask another node whether it holds the person (an encoding travels, never the data)."""
    actor = request.actor
    case = access_identity_case(actor, case_id)
    require(actor, Action.HOLDER_QUERY, case)
    peers = holder.peers_to_ask()
    form = AskForm(request.POST or None, peers=peers)
    return form_view(
        request,
        form,
        save=lambda: holder.holder_query_send(
            actor=actor, case=case, peer=form.cleaned_data["peer"]
        ),
        done=_links_url(case),
        success=_("Question sent. The answer appears here when the other node replies."),
        template="linkage/ask.html",
        context={"case": case, "peers": peers},
    )
