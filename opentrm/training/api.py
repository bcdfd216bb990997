"""Training register API (/api/v1/training/): the same selectors as the pages, read only."""

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.core.api import Routes
from opentrm.core.schemas import ErrorOut, Schema
from opentrm.training import selectors

router = Router(tags=["training"], auth=member_auth(Action.TRAINING_VIEW))
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_route = Routes(router, _ERRORS, url_prefix="training_")


class TrainingEventOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "country": "country.code",
        "organiser": "organiser.name",
    }
    id: int
    title: str
    scope: str
    country: str
    organiser: str
    starts_on: date
    ends_on: date | None
    place: str
    sop_codes: list[str]
    trainers: str


class TrainingEventFilters(Schema):
    sop: str = Field("", max_length=16, description="Only events covering this SOP (sop1..sop5)")


@_route("GET", "/events", list[TrainingEventOut], "training_events")
def event_list(request: HttpRequest, filters: Query[TrainingEventFilters]) -> Any:
    """Training events you may see (your country's, and those your organisation attended)"""
    return selectors.event_list(actor=acting(request), sop_code=filters.sop)
