"""Referring a case within the country: every mistake shows after one submit, the service's
(the receiver, the measure or service) with the form's own, and the API refuses the same input
with all of them (issue 12 §5)."""

from django.urls import reverse

from conftest import World
from opentrm.accounts.tests.factories import actor_api, send_json
from opentrm.referrals.models import Referral
from opentrm.referrals.tests.test_national import client_for, make_scene

OWN = "Your organisation cannot refer a case to itself."
NO_MEASURE = "Name the measure or the service the referral is for."
NO_REASON = "This field is required."


def test_the_form_shows_the_services_mistakes_with_its_own_in_one_response(
    world: World,
) -> None:
    scene = make_scene(world)
    url = reverse("referrals:referral_create", args=[scene.case.public_id])
    data = {"receiver": world.agency_a.pk, "measure_code": "", "service_type": ""}

    response = client_for(scene.sender).post(url, {**data, "urgency": "routine", "reason": ""})
    page = response.content.decode()

    assert response.status_code == 200
    errors = response.context["form"].errors
    for field, message in (("receiver", OWN), ("measure_code", NO_MEASURE), ("reason", NO_REASON)):
        assert errors[field] == [message], field  # on its field
        assert message in page, field
    assert not Referral.objects.exists()


def test_a_valid_form_hears_every_mistake_before_the_preview(world: World) -> None:
    scene = make_scene(world)
    url = reverse("referrals:referral_create", args=[scene.case.public_id])
    data = {"receiver": world.agency_a.pk, "measure_code": "", "service_type": ""}

    response = client_for(scene.sender).post(url, {**data, "urgency": "routine", "reason": "Safe"})
    page = response.content.decode()

    assert OWN in page
    assert NO_MEASURE in page
    assert "Send the referral" not in page  # no preview of a referral that cannot go
    assert not Referral.objects.exists()


def test_the_api_refuses_the_same_input_with_every_mistake(world: World) -> None:
    scene = make_scene(world)

    response = send_json(
        actor_api(scene.sender),
        "/api/v1/referrals/",
        {
            "case_public_id": str(scene.case.public_id),
            "receiver_organisation_id": world.agency_a.pk,
            "reason": "   ",
            "measure_code": "",
        },
    )

    assert response.status_code == 422
    errors = {(e["field"], e["message"]) for e in response.json()["errors"]}
    assert errors == {
        ("receiver", OWN),
        ("measure_code", NO_MEASURE),
        ("reason", "Say why you refer the case."),
    }
    assert not Referral.objects.exists()
