"""``/metrics``: request figures by route pattern and queue depths, for the holder of the
monitoring token only (docs/deployment.md, "Monitoring")."""

import pytest
from django.test import Client
from django.test.utils import override_settings

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser

pytestmark = pytest.mark.django_db
TOKEN = "a-long-random-monitoring-token"


def test_without_a_token_configured_there_is_no_endpoint(client: Client) -> None:
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@override_settings(OPENTRM_METRICS_TOKEN=TOKEN)
def test_only_the_token_opens_it_not_a_session_nor_another_token(world: World) -> None:
    member = browser(world, Role.NATIONAL_COORDINATOR)
    assert member.get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404  # no scheme


@override_settings(OPENTRM_METRICS_TOKEN=TOKEN)
def test_it_counts_requests_by_route_pattern_never_by_path(world: World) -> None:
    member = browser(world, Role.CASEWORKER)
    case_path = "/cases/00000000-0000-4000-8000-000000000000/"
    member.get(case_path)
    member.get("/healthz")
    body = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert 'opentrm_http_requests_total{method="GET",route="healthz",status="2xx"}' in body
    assert 'route="cases/<uuid:public_id>/",status="4xx"' in body
    assert "00000000-0000-4000" not in body  # an id never becomes a label
    assert "opentrm_http_request_duration_seconds_bucket" in body
    assert 'opentrm_exchange_outbox_messages{status="queued"} 0.0' in body
    assert "opentrm_tasks_overdue" in body
