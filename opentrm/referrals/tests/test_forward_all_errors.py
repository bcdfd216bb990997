"""Issue 12 §5: forwarding says every mistake of its input at once, the service's
(``forwarding.forward_errors``: the competent body, the note, the override's reason) with the
form's own."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.directory.models import AccreditationStatus, Organisation
from opentrm.referrals.models import Referral
from opentrm.referrals.services import forwarding
from opentrm.referrals.services.confidentiality import MAX_REASON
from opentrm.referrals.services.requests import MAX_TEXT
from opentrm.referrals.tests.test_confidential import _confidential_request
from opentrm.referrals.tests.test_requests import (
    adult_case,
    focal_point,
    fresh,
    receiver,
    sent_request,
)

NOT_ACCREDITED = "This organisation is not accredited: nothing may be sent to it."
TOO_LONG = "At most %d characters."


def test_the_forward_form_says_the_body_with_the_forms_own_error(
    world: World, client: Client
) -> None:
    """A suspended body (the service's) and a note too long (the form's own): both at once."""
    focal_point(world)
    suspended = Organisation.objects.create(
        country=world.country_b,
        name="Suspended registry RO",
        accreditation_status=AccreditationStatus.SUSPENDED,
    )
    original = sent_request(world, adult_case(world))
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    response = client.post(
        reverse("referrals:referral_forward", args=[original.public_id]),
        {"version": original.version, "to": suspended.pk, "note": "x" * (MAX_TEXT + 1)},
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["to"] == [NOT_ACCREDITED]
    assert "note" in errors
    assert NOT_ACCREDITED in response.content.decode()
    assert fresh(original).status == "sent"
    assert Referral.objects.count() == 1


def test_the_service_refuses_the_body_the_note_and_the_reason_together(world: World) -> None:
    """What the API and the form both call: one refusal naming every field."""
    request = _confidential_request(world, kind="immediate_danger", urgency="immediate")
    before = Referral.objects.count()
    with pytest.raises(ValidationError) as refused:
        forwarding.referral_forward(
            actor=receiver(world),
            referral=fresh(request),
            expected_version=fresh(request).version,
            to=world.agency_c,  # abroad
            note="x" * (MAX_TEXT + 1),
            danger_reason="x" * (MAX_REASON + 1),
        )

    assert refused.value.message_dict == {
        "to": ["Pick an organisation in your country."],
        "note": [TOO_LONG % MAX_TEXT],
        "danger_reason": [TOO_LONG % MAX_REASON],
    }
    assert Referral.objects.count() == before


def test_the_forward_form_without_a_body_says_so_and_forwards_nothing(
    world: World, client: Client
) -> None:
    """No competent body picked and a note too long: the service's checks run on the rest of
    the input, the page names both fields, the request stays as it was."""
    focal_point(world)
    original = sent_request(world, adult_case(world))
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    response = client.post(
        reverse("referrals:referral_forward", args=[original.public_id]),
        {"version": original.version, "to": "", "note": "x" * (MAX_TEXT + 1)},
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["to"] == ["This field is required."]
    assert "note" in errors
    assert fresh(original).status == "sent"
    assert Referral.objects.count() == 1
