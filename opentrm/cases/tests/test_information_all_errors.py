"""Issue 12 §5: the form of the information given to the person shows the service's mistake (a
date in the future, ``case_data.information_given_errors``) with the form's own."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.cases.models import InformationGiven
from opentrm.cases.tests.factories import new_case


def test_the_information_form_shows_every_mistake_at_once(world: World) -> None:
    """No format and no topic (the form's own) with a date in the future (the service's)."""
    case = new_case(world)
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:information_create", args=[case.public_id]),
        {
            "given_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "language": "ro",
            "format": "",
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert {"format", "topics"} <= set(errors)
    assert errors["given_on"] == ["The date is in the future."]
    assert 'aria-describedby="id_given_on_error"' in response.content.decode()
    assert not InformationGiven.objects.exists()
