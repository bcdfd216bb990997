"""Every mistake of a template section at once (issue 12 §5): the service's rules
(``transnational.template_errors``: a date in the future, an unknown choice) come with the
form's own after one submit, and the API refuses the same values in one 422."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.referrals.tests.test_template import create, instance, setup

IN_THE_FUTURE = "The date is in the future."


def test_the_section_form_shows_the_services_mistakes_with_its_own(
    world: World, client: Client
) -> None:
    referral = create(setup(world))
    before = instance(referral).data
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    client.force_login(world.user(Role.CASEWORKER))
    response = client.post(
        reverse("referrals:template_section_edit", args=[referral.public_id, "s1_1"]),
        {
            "version": instance(referral).version,
            "lang": "en",
            "s1_1.reflection_start": tomorrow,  # the service's rule
            "s1_1.reflection_end": "not a date",  # the form's own
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 422
    assert errors["s1_1.reflection_start"] == [IN_THE_FUTURE]
    assert errors["s1_1.reflection_end"] == ["Enter a valid date."]
    assert IN_THE_FUTURE in response.content.decode()
    assert instance(referral).data == before


def test_the_api_refuses_the_same_values_with_every_mistake(world: World, client: Client) -> None:
    referral = create(setup(world))
    before = instance(referral).data
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    client.force_login(world.user(Role.CASEWORKER))
    response = client.put(
        f"/api/v1/referrals/{referral.public_id}/template",
        {
            "version": instance(referral).version,
            "values": {
                "s1_1.date_of_birth": tomorrow,
                "s1_1.reflection_end": "1850-01-01",
                "s1_1.sex": "nonsense",
            },
        },
        content_type="application/json",
    )

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("s1_1.date_of_birth", IN_THE_FUTURE),
        ("s1_1.reflection_end", "The date is not plausible."),
        ("s1_1.sex", "Unknown choice."),
    }
    assert instance(referral).data == before
