"""Every mistake of a transnational request at once (issue 12 §5): the service's rules
(``requests.request_errors``: the document asked for, the urgency, the route to the receiving
country) come with the form's own after one submit, and the API refuses the same input with
every error in one 422."""

from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.referrals.models import Referral
from opentrm.referrals.tests.test_requests import adult_case

NO_FOCAL_POINT = "This country has no national focal point in the directory."
PICK_THE_DOCUMENT = "Pick the document asked for."


def test_the_request_form_shows_the_services_mistakes_with_its_own(
    world: World, client: Client
) -> None:
    case = adult_case(world)  # Romania has no focal point in the directory
    client.force_login(world.user(Role.CASEWORKER))
    response = client.post(
        reverse("referrals:request_create_for_case", args=[case.public_id]),
        {
            "kind": "document_issuance",
            "receiver_country": "RO",
            "urgency": "routine",
            "formality": "rogatory",
            "reason": "",
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["reason"] == ["This field is required."]  # the form's own
    assert errors["document_type"] == [PICK_THE_DOCUMENT]  # the service's
    assert errors["formality"] == ["This kind of request cannot be made with this formality."]
    assert errors["receiver_country"] == [NO_FOCAL_POINT]
    page = response.content.decode()
    assert PICK_THE_DOCUMENT in page
    assert NO_FOCAL_POINT in page
    assert not Referral.objects.exists()


def test_the_api_refuses_the_same_request_with_every_mistake(world: World, client: Client) -> None:
    case = adult_case(world)
    client.force_login(world.user(Role.CASEWORKER))
    response = client.post(
        "/api/v1/referrals/requests/",
        {
            "kind": "document_issuance",
            "receiver_country": "RO",
            "case_public_id": str(case.public_id),
            "urgency": "immediate",
            "reason": "Issue a laissez-passer.",
        },
        content_type="application/json",
    )

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("document_type", PICK_THE_DOCUMENT),
        (
            "urgency",
            "Immediate urgency is for immediate-danger alerts: send one of those instead.",
        ),
        ("receiver_country", NO_FOCAL_POINT),
    }
    assert not Referral.objects.exists()
