"""Issue 12 §5: the assessment form shows every mistake after one submit, the service's
(``assessments.assessment_errors``) with the form's own; the API refuses the same input with
every mistake in one 422."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, send_json
from opentrm.cases.models import Assessment
from opentrm.cases.tests.factories import new_case

FUTURE = "The date is in the future."
NO_LEVEL = "Record the level of risk found."


def _tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def test_the_assessment_form_shows_every_mistake_at_once(world: World) -> None:
    """A partner not on the list (the form's own), a date in the future and no risk level
    (the service's): all three on their fields, nothing recorded."""
    case = new_case(world, "Ilinca Fictiva")
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:assessment_create", args=[case.public_id, "early_risk"]),
        {"version": "0", "assessed_on": _tomorrow(), "risk_level": "", "partners": ["nobody"]},
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert "partners" in errors
    assert errors["assessed_on"] == [FUTURE]
    assert errors["risk_level"] == [NO_LEVEL]
    page = response.content.decode()
    for field in ("partners", "assessed_on", "risk_level"):
        assert f'aria-describedby="id_{field}_error"' in page, field
    assert not Assessment.objects.exists()


def test_the_api_refuses_an_assessment_with_every_mistake_in_one_422(world: World) -> None:
    case = new_case(world, "Ilinca Fictiva")
    response = send_json(
        api(world, Role.CASEWORKER),
        f"/api/v1/cases/{case.public_id}/assessments",
        {"kind": "early_risk", "assessed_on": _tomorrow(), "needs": ["accommodation"]},
    )

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("assessed_on", FUTURE),
        ("risk_level", NO_LEVEL),
        ("needs", "This is not part of this kind of assessment."),
    }
    assert not Assessment.objects.exists()
