"""Candidate search pages: "check a person" on demand, and the panel on a case's page.

A name never goes into a URL: the check form is posted and answered directly."""

from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Access, Action, Actor, FieldGroup
from opentrm.cases.access import group_access
from opentrm.cases.models import Case
from opentrm.matching import index
from opentrm.matching.forms import PersonCheckForm
from opentrm.matching.services import find_candidates


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_REGISTER)
def person_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PersonCheckForm(request.POST if request.method == "POST" else None)
    candidates = None
    if request.method == "POST" and form.is_valid():
        candidates = find_candidates(form.person_data(), request.actor, via="check")
    return render(
        request,
        "matching/person_check.html",
        {"form": form, "candidates": candidates},
    )


def candidates_panel(actor: Actor, case: Case) -> Mapping[str, Any] | None:
    """On a case's page (hence right after registering it): the possible matches of its
    person, for those who register cases and see the person's identity."""
    if not actor.may(Action.CASE_REGISTER):
        return None
    if group_access(actor, case, FieldGroup.IDENTITY) < Access.VIEW:
        return None
    data = index.person_data(case.person)
    if not data.names:
        return None
    candidates = find_candidates(data, actor, exclude_person_id=case.person_id, via="case")
    return {"case": case, "candidates": candidates}
