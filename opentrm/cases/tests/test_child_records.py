"""A child's case (issue 14): best-interests assessments per significant action, the child's
situation, the durable solution and who took part in the determinations (CH-03..CH-53)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import AgeBand, BestInterestsAssessment, Case, MeasureSetting
from opentrm.cases.services import measure_plan, task_create
from opentrm.cases.services.child import child_safeguards_update
from opentrm.cases.services.child_records import best_interests_assessment_record
from opentrm.cases.tests.factories import case_page, new_case

TODAY = timezone.localdate


@pytest.fixture
def child(world: World) -> Case:
    return new_case(world, "Mira Fictiva", age_band=AgeBand.UNDER_18)


def _record(world: World, case: Case, role: Role = Role.GUARDIAN, **values: object) -> object:
    fields: dict[str, object] = {
        "action": "accommodation",
        "assessed_on": TODAY(),
        "child_participated": True,
        "child_views": "Wants to stay near her school.",
        "conclusion": "A foster family in the same town.",
    }
    return best_interests_assessment_record(
        actor=world.actor(role),
        case=case,
        **(fields | values),  # type: ignore[arg-type]
    )


def _safeguards(world: World, case: Case, **changes: object) -> None:
    current = getattr(Case.objects.get(pk=case.pk), "child_safeguards", None)
    child_safeguards_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=current.version if current else 0,
        changes=changes,
    )


def test_a_best_interests_assessment_is_recorded_audited_and_shown(
    world: World, child: Case
) -> None:
    _record(world, child, action_detail="Placement with a foster family")
    event = AuditEvent.objects.get(event_type=EventType.BEST_INTERESTS_ASSESSED)
    assert event.detail == {
        "case_id": child.pk,
        "action": "accommodation",
        "child_participated": True,
    }
    page = case_page(world, child, Role.CASE_MANAGER)
    assert "Placement with a foster family" in page
    assert "A foster family in the same town." in page


def test_an_assessment_without_the_child_says_why(world: World, child: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(world, child, child_participated=False, child_views="")
    assert "requires the child's participation" in refused.value.message_dict["child_views"][0]
    _record(world, child, child_participated=False, child_views="Too young to be heard (2).")
    assert BestInterestsAssessment.objects.count() == 1


def test_only_roles_that_edit_child_protection_record_one(world: World, child: Case) -> None:
    with pytest.raises(PermissionDenied):
        _record(world, child, role=Role.CASEWORKER)
    with pytest.raises(ValidationError):
        _record(world, child, assessed_on=TODAY() + timedelta(days=1))
    assert not BestInterestsAssessment.objects.exists()


def test_the_form_records_an_assessment(world: World, child: Case) -> None:
    response = browser(world, Role.GUARDIAN).post(
        reverse("cases:best_interests_assessment_create", args=[child.public_id]),
        {
            "action": "interview",
            "assessed_on": TODAY().isoformat(),
            "child_participated": "on",
            "conclusion": "Interview in a child-friendly room, guardian present.",
        },
    )
    assert response.status_code == 302
    assert BestInterestsAssessment.objects.get().action == "interview"


def test_the_childs_situation_is_recorded_and_shown(world: World, child: Case) -> None:
    _safeguards(world, child, separated=True, unaccompanied=True, street_child=True)
    page = case_page(world, child, Role.CASE_MANAGER)
    assert "unaccompanied</span>" in page
    assert "street child</span>" in page
    with pytest.raises(ValidationError) as refused:
        _safeguards(world, child, separated=False)
    assert "also separated" in refused.value.message_dict["separated"][0]


def test_a_durable_solution_needs_a_best_interests_determination(world: World, child: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        _safeguards(
            world,
            child,
            durable_solution="local_integration",
            durable_solution_decided_on=TODAY(),
        )
    assert "best-interests determination" in refused.value.message_dict["durable_solution"][0]
    _safeguards(
        world,
        child,
        best_interests_determined_on=TODAY(),
        best_interests_summary="Stays with the foster family.",
        best_interests_participants="Guardian, psychologist, social worker; the child heard.",
        durable_solution="local_integration",
        durable_solution_decided_on=TODAY(),
    )
    page = case_page(world, child, Role.CASE_MANAGER)
    assert "Integration in the country where the child is" in page
    assert "psychologist" in page


def test_an_age_assessment_without_participants_is_flagged(world: World, child: Case) -> None:
    _safeguards(world, child, age_assessed_on=TODAY(), age_assessment_result="child")
    warning = "The age assessment names no participants"
    assert warning in case_page(world, child, Role.CASE_MANAGER)
    _safeguards(world, child, age_assessment_participants="Paediatrician, psychologist.")
    assert warning not in case_page(world, child, Role.CASE_MANAGER)


# --- Shorter time limits and a priority marker (SOP-T4, REC-102) --------------------------------


def test_a_childs_case_gets_half_the_default_deadline(world: World, child: Case) -> None:
    MeasureSetting.objects.create(
        country=world.country_a, code="sop4.documentation", sop="sop4", default_deadline_days=14
    )
    adult = new_case(world, "Dora Fictiva", age_band=AgeBand.OVER_18)
    actor = world.actor(Role.CASEWORKER)
    planned = measure_plan(actor=actor, case=child, code="sop4.documentation")
    assert planned.due_on == TODAY() + timedelta(days=7)
    planned = measure_plan(actor=actor, case=adult, code="sop4.documentation")
    assert planned.due_on == TODAY() + timedelta(days=14)


def test_my_tasks_mark_a_childs_case_first_to_act_on(world: World, child: Case) -> None:
    adult = new_case(world, "Dora Fictiva", age_band=AgeBand.OVER_18)
    for case in (child, adult):
        task_create(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            title="Call the shelter",
            due_on=TODAY(),
            assignee=world.user(Role.CASEWORKER),
        )
    page = browser(world, Role.CASEWORKER).get(reverse("cases:task_list")).content.decode()
    assert page.count("child · priority") == 1
    row = page.split(child.number)[1].split("</tr>")[0]
    assert "child · priority" in row
