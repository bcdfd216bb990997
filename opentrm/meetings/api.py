"""Meetings API (/api/v1/meetings/): the caller's own action items, read only."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from django.http import HttpRequest
from ninja import Router

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.core.api import Routes
from opentrm.core.schemas import ErrorOut, Schema
from opentrm.meetings import selectors

router = Router(tags=["meetings"], auth=member_auth(Action.MEETING_VIEW))
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}
_route = Routes(router, _ERRORS, url_prefix="meetings_")


class ActionItemOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {"meeting_title": "meeting.title"}
    id: int
    title: str
    due_on: date
    done_at: datetime | None
    meeting_id: int
    meeting_title: str
    version: int


@_route("GET", "/action-items", list[ActionItemOut], "meetings_action_items")
def my_action_items(request: HttpRequest) -> Any:
    """Your action items: the open ones, soonest first, then the last ones done"""
    open_items, done = selectors.my_action_items(actor=acting(request))
    return [*open_items, *done]
