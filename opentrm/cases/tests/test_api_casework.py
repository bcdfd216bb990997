"""The case file's measures, identification, reflection periods, tasks and child safeguards
through the API (issue 14 part C): the same rules as the screens, audited."""

import json
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseMeasure, ChildSafeguards, Task
from opentrm.cases.services import reflection_period_start
from opentrm.cases.tests.factories import new_case


def _url(case: Case, tail: str) -> str:
    return f"/api/v1/cases/{case.public_id}/{tail}"


def _send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _case(world: World) -> Case:
    return new_case(world)  # agency A's interpreter assigned: they see only such cases


def test_it_plans_and_changes_a_measure_and_lists_it(world: World) -> None:
    case = _case(world)
    client = api(world, Role.CASEWORKER)

    planned = _send(
        client,
        "post",
        _url(case, "measures"),
        {"code": "sop2.intake_needs_assessment", "notes": "N1"},
    )
    assert planned.status_code == 201
    assert planned.json()["status"] == "planned"
    changed = _send(
        client,
        "patch",
        _url(case, "measures/sop2.intake_needs_assessment"),
        {"version": planned.json()["version"], "status": "in_progress"},
    )
    assert changed.status_code == 200
    assert changed.json()["status"] == "in_progress"
    assert changed.json()["notes"] == "N1"  # left out of the PATCH: kept

    listed = client.get(_url(case, "measures")).json()
    assert [m["code"] for m in listed] == ["sop2.intake_needs_assessment"]
    assert AuditEvent.objects.filter(event_type="MEASURE_CHANGED").count() == 1
    assert AuditEvent.objects.filter(event_type="CASE_VIEWED", detail__view="measures").exists()


def test_a_stale_version_is_refused_with_409(world: World) -> None:
    case = _case(world)
    CaseMeasure.objects.create(case=case, code="sop2.intake_needs_assessment", version=3)

    response = _send(
        api(world, Role.CASEWORKER),
        "patch",
        _url(case, "measures/sop2.intake_needs_assessment"),
        {"version": 1, "status": "done"},
    )

    assert response.status_code == 409


def test_a_guard_refuses_a_return_during_the_reflection_period_with_its_reasons(
    world: World,
) -> None:
    case = _case(world)
    reflection_period_start(actor=world.actor(Role.CASEWORKER), case=case)
    client = api(world, Role.CASEWORKER)
    planned = _send(client, "post", _url(case, "measures"), {"code": "sop4.safe_transport"})

    refused = _send(
        client,
        "patch",
        _url(case, "measures/sop4.safe_transport"),
        {
            "version": planned.json()["version"],
            "status": "done",
            "completed_on": timezone.localdate().isoformat(),
        },
    )

    assert refused.status_code == 400
    assert refused.json()["code"] == "blocked"
    assert "reflection" in refused.json()["message"]
    assert AuditEvent.objects.filter(event_type="GUARD_BLOCKED").exists()


def test_identification_and_reflection_periods(world: World) -> None:
    case = _case(world)
    client = api(world, Role.CASEWORKER)
    today = timezone.localdate().isoformat()

    decided = _send(
        client,
        "post",
        _url(case, "identification"),
        {"outcome": "identified", "is_formal": True, "decided_on": today, "legal_basis": "Art. 1"},
    )
    started = _send(client, "post", _url(case, "reflection-periods"), {})

    assert decided.status_code == 201
    assert started.status_code == 201
    assert started.json()["running"] is True
    case.refresh_from_db()
    assert case.identification_status == "identified_formally"
    # the legal basis is proceedings data: an interpreter sees the decision, not its basis
    seen = api(world, Role.INTERPRETER).get(_url(case, "identification")).json()
    assert seen[0]["outcome"] == "identified"
    assert seen[0]["legal_basis"] is None


def test_tasks_are_added_completed_and_reopened_by_the_organisation(world: World) -> None:
    case = _case(world)
    client = api(world, Role.CASEWORKER)
    due = (timezone.localdate() + timedelta(days=2)).isoformat()

    added = _send(client, "post", _url(case, "tasks"), {"title": "Call the shelter", "due_on": due})
    task_id = added.json()["id"]
    done = _send(client, "post", _url(case, f"tasks/{task_id}/complete"), {"version": 1})
    stale = _send(client, "post", _url(case, f"tasks/{task_id}/reopen"), {"version": 1})

    assert added.status_code == 201
    assert done.status_code == 200
    assert done.json()["done_at"] is not None
    assert stale.status_code == 409
    assert Task.objects.get(pk=task_id).done_at is not None
    assert [t["id"] for t in client.get(_url(case, "tasks")).json()] == [task_id]


def test_child_safeguards_are_read_and_written_by_who_may(world: World) -> None:
    case = _case(world)  # age unknown: a child until assessed

    written = _send(
        api(world, Role.GUARDIAN),
        "patch",
        _url(case, "child-safeguards"),
        {"version": 0, "guardian_name": "Fictive Guardian"},
    )
    refused = _send(
        api(world, Role.CASEWORKER),
        "patch",
        _url(case, "child-safeguards"),
        {"version": 1, "guardian_name": "Other"},
    )
    hidden = api(world, Role.INTERPRETER).get(_url(case, "child-safeguards"))

    assert written.status_code == 200
    assert written.json()["guardian_name"] == "Fictive Guardian"
    assert written.json()["is_child"] is True
    assert refused.status_code == 403
    assert hidden.status_code == 403
    assert ChildSafeguards.objects.get(case=case).guardian_name == "Fictive Guardian"
    read = api(world, Role.CASEWORKER).get(_url(case, "child-safeguards")).json()
    assert read["version"] == 1
    assert AuditEvent.objects.filter(
        event_type="CASE_VIEWED", detail__groups=["child_protection"]
    ).exists()


def test_a_case_of_another_organisation_is_not_found(world: World) -> None:
    case = _case(world)
    for tail in ("measures", "identification", "reflection-periods", "tasks", "child-safeguards"):
        assert api(world, Role.CASEWORKER, org="b").get(_url(case, tail)).status_code == 404


def test_the_childs_situation_participants_and_durable_solution_go_through_the_api(
    world: World,
) -> None:
    case = _case(world)
    client = api(world, Role.GUARDIAN)
    today = timezone.localdate().isoformat()

    early = _send(
        client,
        "patch",
        _url(case, "child-safeguards"),
        {
            "version": 0,
            "durable_solution": "local_integration",
            "durable_solution_decided_on": today,
        },
    )
    contradicting = _send(
        client,
        "patch",
        _url(case, "child-safeguards"),
        {"version": 0, "unaccompanied": True, "separated": False},
    )
    unknown = _send(
        client, "patch", _url(case, "child-safeguards"), {"version": 0, "durable_solution": "x"}
    )
    # the same rules as the form, by the service: refused on the field, nothing written
    assert early.status_code == 422
    assert [e["field"] for e in early.json()["errors"]] == ["durable_solution"]
    assert contradicting.status_code == 422
    assert [e["field"] for e in contradicting.json()["errors"]] == ["separated"]
    assert unknown.status_code == 422
    assert not ChildSafeguards.objects.filter(case=case).exists()

    written = _send(
        client,
        "patch",
        _url(case, "child-safeguards"),
        {
            "version": 0,
            "separated": True,
            "unaccompanied": True,
            "street_child": False,
            "best_interests_determined_on": today,
            "best_interests_summary": "Fictional: stays with the foster family.",
            "best_interests_participants": "Social worker, guardian, psychologist; the child.",
            "age_assessed_on": today,
            "age_assessment_result": "child",
            "age_assessment_participants": "Paediatrician, social worker (multi-disciplinary)",
            "durable_solution": "local_integration",
            "durable_solution_decided_on": today,
        },
    )
    assert written.status_code == 200
    body = written.json()
    assert (body["separated"], body["unaccompanied"], body["street_child"]) == (True, True, False)
    assert body["durable_solution"] == "local_integration"
    assert body["durable_solution_decided_on"] == today
    assert body["age_assessment_participants"].startswith("Paediatrician")
    assert body["best_interests_participants"].startswith("Social worker")
    record = ChildSafeguards.objects.get(case=case)
    assert (record.unaccompanied, record.durable_solution) == (True, "local_integration")

    cleared = _send(
        client,
        "patch",
        _url(case, "child-safeguards"),
        {
            "version": body["version"],
            "street_child": None,
            "durable_solution": None,
            "durable_solution_decided_on": None,
        },
    )
    assert cleared.status_code == 200
    assert cleared.json()["street_child"] is None  # not known
    assert cleared.json()["durable_solution"] == ""
    read = api(world, Role.CASEWORKER).get(_url(case, "child-safeguards")).json()
    assert (read["unaccompanied"], read["durable_solution"]) == (True, "")
