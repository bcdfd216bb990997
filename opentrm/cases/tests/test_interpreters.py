"""Interpreters (issue 14, SOP-I-4, REC-44): assigned per case with a confidentiality
undertaking; an interpreter sees only the cases assigned."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, send_json
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseInterpreter
from opentrm.cases.services.interpreters import interpreter_assign, interpreter_unassign
from opentrm.cases.tests.factories import new_case


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Dora Fictiva", interpreter=False)


def _assign(world: World, case: Case, role: Role = Role.CASE_MANAGER, **values: object) -> object:
    fields: dict[str, object] = {
        "interpreter": world.user(Role.INTERPRETER),
        "undertaking_signed_on": timezone.localdate(),
        "languages": "ro sq",
    }
    return interpreter_assign(actor=world.actor(role), case=case, **(fields | values))  # type: ignore[arg-type]


def _status(world: World, case: Case) -> int:
    url = reverse("cases:case_detail", args=[case.public_id])
    return browser(world, Role.INTERPRETER).get(url).status_code


def test_an_interpreter_sees_only_the_cases_assigned(world: World, case: Case) -> None:
    assigned = new_case(world, "Ana Fictiva")  # the factory assigns agency A's interpreter
    assert _status(world, case) == 404
    assert _status(world, assigned) == 200
    listing = browser(world, Role.INTERPRETER).get(reverse("cases:case_list")).content.decode()
    assert assigned.number in listing
    assert case.number not in listing
    # The caseworker of the same organisation sees both.
    assert (
        browser(world, Role.CASEWORKER)
        .get(reverse("cases:case_detail", args=[case.public_id]))
        .status_code
        == 200
    )


def test_an_assignment_records_the_undertaking_and_ending_it_hides_the_case(
    world: World, case: Case
) -> None:
    assignment = _assign(world, case)
    assert isinstance(assignment, CaseInterpreter)
    assert assignment.undertaking_signed_on == timezone.localdate()
    assert _status(world, case) == 200
    event = AuditEvent.objects.get(event_type=EventType.INTERPRETER_ASSIGNED)
    assert event.detail == {"case_id": case.pk, "interpreter_id": world.user(Role.INTERPRETER).pk}
    interpreter_unassign(actor=world.actor(Role.CASE_MANAGER), case=case, assignment=assignment)
    assert _status(world, case) == 404
    assert AuditEvent.objects.filter(event_type=EventType.INTERPRETER_UNASSIGNED).count() == 1


def test_no_assignment_without_the_undertaking(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        _assign(world, case, undertaking_signed_on=None)
    assert "confidentiality undertaking" in refused.value.message_dict["undertaking_signed_on"][0]
    with pytest.raises(ValidationError):
        _assign(world, case, undertaking_signed_on=timezone.localdate() + timedelta(days=1))
    assert _status(world, case) == 404


def test_only_the_owners_case_manager_assigns_and_a_refusal_is_audited(
    world: World, case: Case
) -> None:
    with pytest.raises(PermissionDenied):
        _assign(world, case, role=Role.CASEWORKER)
    denied = AuditEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert denied.detail["action"] == "interpreter.assign"
    assert _status(world, case) == 404


def test_the_interpreter_must_work_for_an_organisation_on_the_case(
    world: World, case: Case
) -> None:
    with pytest.raises(ValidationError) as refused:
        _assign(world, case, interpreter=world.user(Role.INTERPRETER, org="b"))
    assert "takes part in the case" in refused.value.message_dict["interpreter"][0]


def test_the_case_page_lists_and_the_form_assigns(world: World, case: Case) -> None:
    manager = browser(world, Role.CASE_MANAGER)
    response = manager.post(
        reverse("cases:interpreter_create", args=[case.public_id]),
        {
            "interpreter": world.user(Role.INTERPRETER).pk,
            "undertaking_signed_on": timezone.localdate().isoformat(),
            "languages": "Romanian",
        },
    )
    assert response.status_code == 302
    page = manager.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert 'id="interpreters"' in page
    assert "Romanian" in page
    assert _status(world, case) == 200


def test_the_api_assigns_lists_and_ends(world: World, case: Case) -> None:
    base = f"/api/v1/cases/{case.public_id}/interpreters"
    manager = api(world, Role.CASE_MANAGER)
    created = send_json(
        manager,
        base,
        {
            "interpreter_id": world.user(Role.INTERPRETER).pk,
            "undertaking_signed_on": timezone.localdate().isoformat(),
            "languages": "Romanian",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["undertaking_signed_on"] == timezone.localdate().isoformat()
    assert [row["id"] for row in manager.get(base).json()] == [body["id"]]
    interpreter = api(world, Role.INTERPRETER)
    assert interpreter.get(f"/api/v1/cases/{case.public_id}").status_code == 200
    assert interpreter.get(base).status_code == 403  # not who else interprets
    refused = send_json(
        api(world, Role.CASEWORKER),
        base,
        {"interpreter_id": world.user(Role.INTERPRETER).pk, "undertaking_signed_on": "2026-01-01"},
    )
    assert refused.status_code == 403
    ended = manager.post(f"{base}/{body['id']}/end")
    assert ended.status_code == 200
    assert ended.json()["ended_at"] is not None
    assert interpreter.get(f"/api/v1/cases/{case.public_id}").status_code == 404


def test_the_api_records_a_best_interests_assessment(world: World) -> None:
    from opentrm.cases.models import AgeBand

    child = new_case(world, "Mira Fictiva", age_band=AgeBand.UNDER_18)
    url = f"/api/v1/cases/{child.public_id}/best-interests-assessments"
    payload = {
        "action": "return",
        "assessed_on": timezone.localdate().isoformat(),
        "child_participated": False,
        "conclusion": "Return only after the family assessment.",
    }
    refused = send_json(api(world, Role.GUARDIAN), url, payload)
    assert refused.status_code == 422  # without the child: say why
    payload["child_views"] = "In hospital; heard through the guardian."
    assert send_json(api(world, Role.GUARDIAN), url, payload).status_code == 201
    assert send_json(api(world, Role.CASEWORKER), url, payload).status_code == 403
    listed = api(world, Role.CASEWORKER).get(url)
    assert [row["action"] for row in listed.json()] == ["return"]
    assert AuditEvent.objects.filter(
        event_type=EventType.CASE_VIEWED, detail__view="best_interests_assessments"
    ).exists()
