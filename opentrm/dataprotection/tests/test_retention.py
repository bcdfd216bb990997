"""Retention: what a closed case keeps after its periods run out, and what proceedings hold."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import (
    Assessment,
    BestInterestsAssessment,
    Case,
    CaseClosure,
    CaseNote,
    CaseService,
    ChildSafeguards,
    HealthRecord,
    PersonName,
    Proceeding,
)
from opentrm.cases.services import note_add, proceeding_record
from opentrm.cases.services.closure import case_close
from opentrm.cases.tests.factories import new_case
from opentrm.dataprotection.erasure import ERASED, apply_retention
from opentrm.matching.models import MatchKey, MatchProfile


def closed_case(world: World, years_ago: float, *, decision: str = "sentenced") -> Case:
    case = new_case(world, "Fictiva Retention", interpreter=False)
    manager = world.actor(Role.CASE_MANAGER)
    note_add(
        actor=manager,
        case=case,
        text="Fictional clinic visit",
        visibility="case",
        field_group="health",
    )
    note_add(
        actor=manager,
        case=case,
        text="Fictional shelter plan",
        visibility="case",
        field_group="assistance",
    )
    proceeding_record(
        actor=manager,
        case=case,
        country_code="AL",
        kind="criminal",
        reference="FICT-7/2020",
        initiated=True,
        court_decision=decision,
    )
    case_close(actor=manager, case=case, reason="completed")
    CaseClosure.objects.filter(case=case).update(
        closed_at=timezone.now() - timedelta(days=365 * years_ago)
    )
    case.refresh_from_db()
    return case


def notes(case: Case) -> dict[str, str]:
    return dict(CaseNote._base_manager.filter(case=case).values_list("field_group", "text"))


def test_after_the_period_the_case_is_anonymous_and_the_erasure_audited(world: World) -> None:
    case = closed_case(world, years_ago=6)
    outcomes = apply_retention()
    assert [outcome.case for outcome in outcomes] == [case]
    assert not PersonName.objects.filter(person=case.person).exists()
    assert set(notes(case).values()) == {ERASED}
    assert Proceeding.objects.get(case=case).reference == ""
    event = AuditEvent.objects.get(event_type="RETENTION_ERASED")
    assert event.detail["case_id"] == case.pk
    assert "identity" in event.detail["categories"]
    assert "Fictiva" not in str(event.detail)
    # The case itself stays, anonymous, for the statistics; a second run changes nothing.
    assert Case._base_manager.filter(pk=case.pk).exists()
    assert apply_retention() == []
    assert AuditEvent.objects.filter(event_type="RETENTION_ERASED").count() == 1


def test_pending_proceedings_hold_back_identity_and_proceedings_with_the_reason(
    world: World,
) -> None:
    case = closed_case(world, years_ago=6, decision="underway")
    (outcome,) = apply_retention()
    assert outcome.held == {
        "identity": "proceedings_pending",
        "proceedings": "proceedings_pending",
    }
    assert PersonName.objects.filter(person=case.person).exists()
    assert Proceeding.objects.get(case=case).reference == "FICT-7/2020"
    assert notes(case)["health"] == ERASED
    held = AuditEvent.objects.get(event_type="RETENTION_HELD_BACK")
    assert held.detail["held"]["identity"] == "proceedings_pending"


def test_each_category_has_its_own_period(world: World, settings: Any) -> None:
    settings.OPENTRM_RETENTION_YEARS = "default=10,health=2"
    case = closed_case(world, years_ago=3)
    apply_retention()
    assert notes(case) == {"health": ERASED, "assistance": "Fictional shelter plan"}
    assert PersonName.objects.filter(person=case.person).exists()


def test_a_case_closed_recently_or_open_is_untouched(world: World) -> None:
    recent = closed_case(world, years_ago=1)
    open_case = new_case(world, "Fictiva Open", interpreter=False)
    assert apply_retention() == []
    assert "Fictional clinic visit" in notes(recent).values()
    assert PersonName.objects.filter(person=open_case.person).exists()


def test_a_dry_run_says_what_it_would_erase_and_changes_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    case = closed_case(world, years_ago=6)
    call_command("apply_retention", dry_run=True)
    out = capsys.readouterr().out
    assert f"{case.number}: would erase" in out
    assert "Fictiva" not in out
    assert PersonName.objects.filter(person=case.person).exists()
    assert not AuditEvent.objects.filter(event_type="RETENTION_ERASED").exists()


def _structured_records(world: World, case: Case) -> None:
    """Fictional health, assistance and child-protection records of ``case``."""
    organisation, user = world.agency_a, world.user(Role.CASE_MANAGER)
    today = timezone.localdate()
    HealthRecord.objects.create(case=case, medical_history="Fictional asthma", medication="X")
    Assessment.objects.create(
        case=case,
        kind="needs",
        assessed_on=today,
        organisation=organisation,
        assessed_by=user,
        risk_level="high",
        harm_sources=["family"],
        unsafe_locations="Fictional street 4",
        summary="Fictional findings",
    )
    CaseService.objects.create(
        case=case,
        service_type="shelter",
        offered_on=today,
        organisation=organisation,
        description="Fictional shelter room",
        comments="Fictional comment",
    )
    ChildSafeguards.objects.update_or_create(
        case=case, defaults={"best_interests_summary": "Fictional BID", "guardian_name": "F. G."}
    )
    BestInterestsAssessment.objects.create(
        case=case,
        action="accommodation",
        assessed_on=today,
        child_participated=True,
        child_views="Fictional wish to stay",
        conclusion="Fictional conclusion",
        organisation=organisation,
        assessed_by=user,
    )


def test_health_assistance_and_child_protection_records_are_erased_field_by_field(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    case = closed_case(world, years_ago=6)
    _structured_records(world, case)
    call_command("apply_retention", dry_run=True)
    out = capsys.readouterr().out
    assert f"{case.number}: would erase health (cases.casenote 1, cases.healthrecord 1)" in out
    assert "cases.assessment 1" in out
    assert "child_protection (cases.bestinterestsassessment 1, cases.childsafeguards 1)" in out
    assert HealthRecord.objects.get(case=case).medical_history == "Fictional asthma"

    apply_retention()
    health = HealthRecord.objects.get(case=case)
    assert (health.medical_history, health.medication) == ("", "")
    assessment = Assessment.objects.get(case=case)
    assert (assessment.summary, assessment.unsafe_locations, assessment.harm_sources) == (
        "",
        "",
        [],
    )
    assert (assessment.kind, assessment.risk_level) == ("needs", "high")  # codes stay
    service = CaseService.objects.get(case=case)
    assert (service.description, service.comments, service.service_type) == ("", "", "shelter")
    safeguards = ChildSafeguards.objects.get(case=case)
    assert (safeguards.best_interests_summary, safeguards.guardian_name) == ("", "")
    assessment_for_child = BestInterestsAssessment.objects.get(case=case)
    assert (assessment_for_child.child_views, assessment_for_child.conclusion) == ("", "")
    event = AuditEvent.objects.get(event_type="RETENTION_ERASED")
    assert event.detail["records"]["health"]["cases.healthrecord"] == 1
    assert event.detail["records"]["assistance"]["cases.caseservice"] == 1
    assert "Fictional" not in str(event.detail)
    assert apply_retention() == []  # nothing left to erase, nothing audited again


def test_the_identity_resolution_index_goes_with_the_identity_unless_held(
    world: World,
) -> None:
    held = closed_case(world, years_ago=6, decision="underway")
    erased = closed_case(world, years_ago=6)
    assert MatchProfile.objects.filter(person=erased.person).exists()
    assert MatchKey.objects.filter(person=erased.person).exists()
    outcomes = {outcome.case: outcome for outcome in apply_retention()}
    assert not MatchProfile.objects.filter(person=erased.person).exists()
    assert not MatchKey.objects.filter(person=erased.person).exists()
    assert outcomes[erased].records["identity"]["matching.matchprofile"] == 1
    assert MatchProfile.objects.filter(person=held.person).exists()
    assert MatchKey.objects.filter(person=held.person).exists()
    assert outcomes[held].held["identity"] == "proceedings_pending"
