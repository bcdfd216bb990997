import json
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.agreements.tests.factories import make_agreement

Login = Callable[[User], Client]
BASE = "/api/v1/agreements/"


def test_the_whole_lifecycle_through_the_api(world: World, login: Login) -> None:
    client = login(world.user(Role.CASE_MANAGER))
    response = client.post(
        BASE,
        json.dumps({"title": "API MoU", "type": "mou", "scope": "bilateral"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    agreement_id = body["id"]
    assert body["status"] == "draft"
    url = f"{BASE}{agreement_id}"
    response = client.post(
        f"{url}/parties",
        json.dumps({"organisation_id": world.agency_b.pk, "procedures": ["sop2"]}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    response = client.put(
        f"{url}/flows",
        json.dumps(
            {
                "sender_id": world.agency_a.pk,
                "receiver_id": world.agency_b.pk,
                "categories": ["identity", "contact"],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    b_client = Client()
    b_client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    for org, signer in ((world.agency_a, client), (world.agency_b, b_client)):
        response = signer.post(
            f"{url}/signatures",
            json.dumps(
                {
                    "version": 1,
                    "organisation_id": org.pk,
                    "signed_on": timezone.localdate().isoformat(),
                    "signed_by": "Director",
                }
            ),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "in_force"
    assert body["versions"][0]["flows"] == [
        {
            "sender_id": world.agency_a.pk,
            "receiver_id": world.agency_b.pk,
            "categories": ["contact", "identity"],
            "approved_categories": ["contact", "identity"],
            "pending_categories": [],
        }
    ]
    listed = client.get(BASE, {"status": "in_force"}).json()
    assert [row["id"] for row in listed] == [agreement_id]


def test_bad_input_names_the_field(world: World, login: Login) -> None:
    agreement = make_agreement(world)
    client = login(world.user(Role.CASE_MANAGER))
    response = client.post(
        f"{BASE}{agreement.pk}/signatures",
        json.dumps(
            {
                "version": 1,
                "organisation_id": world.agency_a.pk,
                "signed_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
                "signed_by": "X",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "signed_on"


def test_others_get_404_and_viewers_403(world: World, login: Login) -> None:
    agreement = make_agreement(world, others=[world.agency_c])
    client = login(world.user(Role.CASE_MANAGER, org="b"))
    assert client.get(f"{BASE}{agreement.pk}").status_code == 404
    client = login(world.user(Role.CASEWORKER))
    assert client.get(f"{BASE}{agreement.pk}").status_code == 200
    response = client.post(
        f"{BASE}{agreement.pk}/amendments", json.dumps({}), content_type="application/json"
    )
    assert response.status_code == 403
