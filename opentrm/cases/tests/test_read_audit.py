"""The page and the API route of the same read write the same audit event (issue 10): both
read through the audited selectors in ``cases.selectors``; only ``via`` tells them apart."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import NameData, case_register
from opentrm.cases.tests.factories import assign_interpreter


@pytest.fixture
def case(world: World) -> Case:
    case = case_register(actor=world.actor(Role.CASEWORKER), names=[NameData(value="Ana Fictiva")])
    assign_interpreter(world, case)  # an interpreter reads only the cases assigned
    return case


def read_event(client: Client, url: str) -> dict[str, Any]:
    before = AuditEvent.objects.count()
    response = client.get(url)
    assert response.status_code == 200, url
    events = list(AuditEvent.objects.order_by("sequence")[before:])
    assert len(events) == 1, [event.event_type for event in events]
    event = events[0]
    detail = dict(event.detail)
    via = detail.pop("via", None)
    return {
        "event_type": event.event_type,
        "actor_id": event.actor_id,
        "target": (event.target_type, event.target_id),
        "detail": detail,
        "via": via,
    }


def assert_same_read(on_page: dict[str, Any], on_route: dict[str, Any]) -> None:
    """The same event, but for ``via``: none from the page, "api" from the route."""
    assert on_page.pop("via") is None
    assert on_route.pop("via") == "api"
    assert on_page == on_route


def _clients(world: World, login: Any, role: Role) -> tuple[Client, Client]:
    _token, secret = api_token_create(actor=world.actor(role), name="test")
    return login(world.user(role)), Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize(
    ("page", "route", "role"),
    [
        ("cases:case_detail", "/api/v1/cases/{id}", Role.CASEWORKER),
        ("cases:case_detail", "/api/v1/cases/{id}", Role.INTERPRETER),
        ("cases:case_timeline", "/api/v1/cases/{id}/timeline", Role.CASE_MANAGER),
        ("cases:case_sharing", "/api/v1/cases/{id}/sharing", Role.CASE_MANAGER),
        ("cases:assessment_list", "/api/v1/cases/{id}/assessments", Role.CASE_MANAGER),
    ],
)
def test_the_page_and_the_route_audit_the_same_read(
    world: World, login: Any, case: Case, page: str, route: str, role: Role
) -> None:
    web, api = _clients(world, login, role)
    on_page = read_event(web, reverse(page, args=[case.public_id]))
    on_route = read_event(api, route.format(id=case.public_id))
    assert_same_read(on_page, on_route)


def test_the_case_list_page_and_route_audit_the_same_read(
    world: World, login: Any, case: Case
) -> None:
    web, api = _clients(world, login, Role.CASEWORKER)
    on_page = read_event(web, reverse("cases:case_list"))
    on_route = read_event(api, "/api/v1/cases/")
    assert_same_read(on_page, on_route)
    assert on_page["detail"] == {"count": 1, "case_ids": [case.pk]}
