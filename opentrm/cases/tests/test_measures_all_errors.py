"""Issue 12 §5: a measure's form shows every mistake after one submit, the service's
(``measures.measure_errors``) with the form's own, and the API refuses the same change with
every mistake in one 422."""

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.cases.models import AgeBand, CaseMeasure, MeasureStatus
from opentrm.cases.services import measure_plan
from opentrm.cases.tests.factories import new_case

CODE = "sop2.legal_information"
STARTS_LATER = "The start date is in the future."
NOT_DONE = "Only a measure that is done has a completion date."


def test_the_measure_form_shows_every_mistake_at_once(world: World) -> None:
    """A due date that is no date (the form's own), a start in the future and a completion of
    a measure not done (the service's): all three on their fields, nothing changed."""
    case = new_case(world, age_band=AgeBand.OVER_18)
    measure = measure_plan(actor=world.actor(Role.CASEWORKER), case=case, code=CODE)
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:measure_edit", args=[case.public_id, CODE]),
        {
            "version": measure.version,
            "status": "planned",
            "due_on": "not a date",
            "started_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "completed_on": timezone.localdate().isoformat(),
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert "due_on" in errors
    assert errors["started_on"] == [STARTS_LATER]
    assert errors["completed_on"] == [NOT_DONE]
    page = response.content.decode()
    for field in ("due_on", "started_on", "completed_on"):
        assert f'aria-describedby="id_{field}_error"' in page, field
    measure.refresh_from_db()
    assert (measure.version, measure.started_on) == (1, None)


def test_the_api_refuses_a_measure_change_with_every_mistake_in_one_422(world: World) -> None:
    case = new_case(world)
    measure_plan(actor=world.actor(Role.CASEWORKER), case=case, code=CODE)
    response = api(world, Role.CASEWORKER).patch(
        f"/api/v1/cases/{case.public_id}/measures/{CODE}",
        json.dumps(
            {
                "version": 1,
                "status": "planned",
                "started_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
                "completed_on": timezone.localdate().isoformat(),
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("started_on", STARTS_LATER),
        ("completed_on", NOT_DONE),
    }
    assert CaseMeasure.objects.get(case=case, code=CODE).status == MeasureStatus.PLANNED
