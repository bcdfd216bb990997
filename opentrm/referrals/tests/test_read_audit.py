"""The page and the API route of the same referral read write the same audit event (issue 10):
both read through the audited selectors in ``referrals.selectors``; only ``via`` differs."""

from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.services import api_token_create
from opentrm.cases.tests.test_read_audit import assert_same_read, read_event
from opentrm.referrals.tests.test_national import make_scene, send
from opentrm.referrals.tests.test_template import create, sender, setup


def _same_read(actor: Actor, page: str, route: str) -> dict[str, Any]:
    web = Client()
    web.force_login(actor.user)
    _token, secret = api_token_create(actor=actor, name="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    on_page, on_route = read_event(web, page), read_event(api, route)
    assert_same_read(on_page, on_route)
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
