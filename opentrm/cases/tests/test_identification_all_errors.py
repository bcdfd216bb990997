"""Issue 12 §5: the identification form shows every mistake after one submit, the service's
(``identification.identification_errors``) with the form's own; the API refuses the same input
with every mistake in one 422."""

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.cases.models import AgeBand, IdentificationDecision
from opentrm.cases.services import identification_record
from opentrm.cases.tests.factories import new_case

FUTURE = "The date is in the future."


def _tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def test_the_identification_form_shows_every_mistake_at_once(world: World) -> None:
    """No outcome (the form's own), a date in the future and an informal decision after a
    formal one (the service's): all three on their fields, nothing recorded."""
    case = new_case(world, age_band=AgeBand.OVER_18)
    formal = identification_record(
        actor=world.actor(Role.POLICE_INVESTIGATOR),
        case=case,
        outcome="identified",
        is_formal=True,
        decided_on=timezone.localdate(),
    )
    response = browser(world, Role.POLICE_INVESTIGATOR).post(
        reverse("cases:identification_create", args=[case.public_id]),
        {"decided_on": _tomorrow(), "country_code": "AL"},
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert "outcome" in errors
    assert errors["decided_on"] == [FUTURE]
    assert errors["is_formal"][0].startswith("A formal decision was recorded on")
    page = response.content.decode()
    for field in ("outcome", "decided_on"):
        assert f'aria-describedby="id_{field}_error"' in page, field
    assert "A formal decision was recorded on" in page
    assert list(IdentificationDecision.objects.all()) == [formal]


def test_the_api_refuses_an_identification_with_every_mistake_in_one_422(world: World) -> None:
    case = new_case(world, age_band=AgeBand.OVER_18)
    response = api(world, Role.POLICE_INVESTIGATOR).post(
        f"/api/v1/cases/{case.public_id}/identification",
        json.dumps(
            {
                "outcome": "identified",
                "is_formal": True,
                "decided_on": _tomorrow(),
                "country_code": "RO",
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {"decided_on", "country_code"}
    assert fields["decided_on"] == FUTURE
    assert not IdentificationDecision.objects.exists()
