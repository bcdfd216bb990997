"""The page and the API route of the same referral read write the same audit event (issue 10):
both read through the audited selectors in ``referrals.selectors``; only ``via`` differs."""

from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.services import api_token_create
from opentrm.audit.models import AuditEvent
from opentrm.referrals.tests.test_national import make_scene, send
from opentrm.referrals.tests.test_template import create, sender, setup


def _event(client: Client, url: str) -> dict[str, Any]:
    before = AuditEvent.objects.count()
    response = client.get(url)
    assert response.status_code == 200, url
    events = list(AuditEvent.objects.order_by("sequence")[before:])
    assert len(events) == 1, [event.event_type for event in events]
    detail = dict(events[0].detail)
    via = detail.pop("via", None)
    return {
        "event_type": events[0].event_type,
        "actor_id": events[0].actor_id,
        "target": (events[0].target_type, events[0].target_id),
        "detail": detail,
        "via": via,
    }


def _same_read(actor: Actor, page: str, route: str) -> dict[str, Any]:
    web = Client()
    web.force_login(actor.user)
    _token, secret = api_token_create(actor=actor, name="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    on_page, on_route = _event(web, page), _event(api, route)
    assert on_page.pop("via") is None
    assert on_route.pop("via") == "api"
    assert on_page == on_route
    return on_page


def test_the_referral_page_and_route_audit_the_same_read(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    for actor, side in ((scene.sender, "sender"), (scene.receiver, "receiver")):
        event = _same_read(
            actor,
            reverse("referrals:referral_detail", args=[referral.public_id]),
            f"/api/v1/referrals/{referral.public_id}",
        )
        assert event["detail"]["side"] == side


def test_the_outbox_page_and_route_audit_the_same_read(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    event = _same_read(
        scene.sender,
        reverse("referrals:referral_list") + "?box=outbox",
        "/api/v1/referrals/?box=outbox",
    )
    assert event["detail"]["referral_ids"] == [referral.pk]


def test_the_template_page_and_route_audit_the_same_read(world: World) -> None:
    referral = create(setup(world))
    event = _same_read(
        sender(world),
        reverse("referrals:template_editor", args=[referral.public_id]),
        f"/api/v1/referrals/{referral.public_id}/template",
    )
    # The side of the template (the country's role in the case), on both channels.
    assert event["detail"] == {
        "referral": referral.reference,
        "part": "template",
        "side": "exploitation",
    }
