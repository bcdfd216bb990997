"""Linkage API (issue 16 §4, §6): the decisions on two person records (link, not the same,
undo) and the question "do you hold this person?" to another node, as on the pages under
``/linkage/``. The same access functions (``linkage.access``) and services decide and audit;
a stale version is refused with 409, a record the caller may not open names only its holder."""

import uuid
from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router
from pydantic import ConfigDict

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, require
from opentrm.cases.models import Case
from opentrm.core.api import Routes, api_field_names
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId, Schema
from opentrm.exchange.models import Peer
from opentrm.linkage.access import (
    access_case_link,
    access_identity_case,
    access_other_record,
)
from opentrm.linkage.models import HolderQuery, LinkStatus, PersonLink
from opentrm.linkage.selectors import case_queries
from opentrm.linkage.services import holder
from opentrm.linkage.services.links import link_decide, link_undo

router = Router(tags=["linkage"])
_route = Routes(router, CASE_WORK_ERRORS, auth=member_auth(Action.PERSON_LINK))
_ask_route = _route.having(auth=member_auth(Action.HOLDER_QUERY))
_read_route = _route.having(auth=member_auth(Action.CASE_VIEW))


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    other_case_id: uuid.UUID = Field(description="The public id of the other person's case.")
    decision: Literal["linked", "not_same"]
    version: int = Field(
        ge=0, description="The pair's version as last read; 0 when nobody decided yet."
    )


class LinkVersionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, description="The decision's version as last read.")


class LinkOut(Schema):
    id: str
    status: LinkStatus
    version: int
    decided_at: datetime
    decided_for: str = Field(description="The organisation the reviewer acted for.")


class AskIn(Schema):
    model_config = ConfigDict(extra="forbid")

    peer_id: int = Field(ge=1, description="A peer node this node shares a linkage key with.")


class RemoteHolderOut(Schema):
    reference: str
    organisation: str
    country: str
    focal_point: str


class HolderQueryOut(Schema):
    id: str
    peer: str
    status: str
    asked_at: datetime
    answered_at: datetime | None
    matches: list[RemoteHolderOut] = Field(description="Only who holds a match: whom to contact.")


def _link(link: PersonLink) -> LinkOut:
    return LinkOut(
        id=str(link.public_id),
        status=LinkStatus(link.status),
        version=link.version,
        decided_at=link.decided_at,
        decided_for=link.decided_for.name,
    )


def _query(query: HolderQuery) -> HolderQueryOut:
    return HolderQueryOut(
        id=str(query.public_id),
        peer=query.peer.name,
        status=query.status,
        asked_at=query.created_at,
        answered_at=query.answered_at,
        matches=[
            RemoteHolderOut(
                reference=str(match.get("reference", "")),
                organisation=str(match.get("organisation", "")),
                country=str(match.get("country", "")),
                focal_point=str(match.get("focal_point", "")),
            )
            for match in query.answers
            if isinstance(match, dict)
        ],
    )


@_route("POST", "/cases/{public_id}/decisions", LinkOut, "linkage_decide")
def decide(request: HttpRequest, public_id: PublicId, payload: DecisionIn) -> Any:
    """Decide that the person of the case and the person of another case are the same
    (``linked``) or not (``not_same``); both records stay as entered. For a case manager or
    guardian who may open both; a record the caller may not open names only its holder"""
    actor = acting(request)
    case = access_identity_case(actor, public_id)
    found = Case.objects.filter(public_id=payload.other_case_id)
    other = access_other_record(actor, case, found.select_related("owner_organisation").first())
    link = link_decide(
        actor=actor,
        case=case,
        other=other,
        decision=payload.decision,
        expected_version=payload.version,
    )
    return _link(link)


@_route("POST", "/cases/{public_id}/links/{link_id}/undo", LinkOut, "linkage_undo")
def undo(
    request: HttpRequest, public_id: PublicId, link_id: PublicId, payload: LinkVersionIn
) -> Any:
    """Undo a decision on the person of the case and another record"""
    actor = acting(request)
    case = access_identity_case(actor, public_id)
    link = access_case_link(case, link_id)
    return _link(link_undo(actor=actor, link=link, case=case, expected_version=payload.version))


@_ask_route("POST", "/cases/{public_id}/holder-queries", HolderQueryOut, "linkage_ask", status=201)
def ask(request: HttpRequest, public_id: PublicId, payload: AskIn) -> Any:
    """Ask another node whether it holds the person of the case: only a keyed encoding of the
    normalised name, birth-year band and citizenship travels; the answer names only the holder"""
    actor = acting(request)
    case = access_identity_case(actor, public_id)
    require(actor, Action.HOLDER_QUERY, case)
    peer = Peer.objects.filter(pk=payload.peer_id).first()
    if peer is None:
        raise Http404
    with api_field_names({"peer": "peer_id"}):
        query = holder.holder_query_send(actor=actor, case=case, peer=peer)
    return 201, _query(query)


@_read_route("GET", "/cases/{public_id}/holder-queries", list[HolderQueryOut], "linkage_queries")
def queries(request: HttpRequest, public_id: PublicId) -> Any:
    """The questions asked to other nodes about the person of the case, and their answers"""
    case = access_identity_case(acting(request), public_id)
    return [_query(query) for query in case_queries(case)]
