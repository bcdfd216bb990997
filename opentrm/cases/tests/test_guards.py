"""The guards the catalogue lists, enforced (issue 14): SOP-P7 and SOP-P11 on a case.

SOP-P12 is tested with the agreements (opentrm/agreements/tests/test_clearance.py), SOP-P14
with the referrals (opentrm/referrals/tests/test_confidential.py)."""

from dataclasses import replace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import (
    AgeBand,
    Case,
    ConsentPurpose,
    Hearing,
    MeasureStatus,
)
from opentrm.cases.services import GuardBlockedError, measure_plan
from opentrm.cases.services.assessments import assessment_record
from opentrm.cases.tests.factories import complete_measure, new_case, record_consent
from opentrm.cases.tests.proceedings import adult_case, schedule_interview, soon
from opentrm.catalogue import guards, loader
from opentrm.core import shipped_data

P7_REFUSAL = "Family reunification only after a thorough risk assessment"
P11_REFUSAL = "The police must wait for a guardian or a parent before talking to a child"


@pytest.fixture
def child(world: World) -> Case:
    return new_case(world, "Mira Fictiva", age_band=AgeBand.UNDER_18)


@pytest.fixture
def adult(world: World) -> Case:
    return adult_case(world)


def _interview(world: World, case: Case, **fields: Any) -> Hearing:
    return schedule_interview(world, case, **({"scheduled_at": soon(2)} | fields))


def _blocked(guard: str) -> AuditEvent:
    return AuditEvent.objects.get(event_type=EventType.GUARD_BLOCKED, detail__guard=guard)


# --- The catalogue decides ---------------------------------------------------------------------


def test_every_enforced_guard_on_a_measure_is_listed_by_the_catalogue() -> None:
    listed = guards.enforced_guards_listed()
    assert "sop4.family_tracing" in listed["SOP-P7"]
    assert "sop5.evidence_gathering" in listed["SOP-P11"]
    assert listed["SOP-P14"]  # the catalogue lists it; it protects every referral
    for guard_id, codes in guards.GUARD_MEASURES.items():
        assert set(codes) <= set(listed[guard_id]), guard_id


def test_the_loader_refuses_a_guard_the_reference_does_not_know() -> None:
    data = shipped_data.read_shipped_json("opentrm.catalogue", "measures_v1.json")
    data["sops"][0]["measures"][0]["guards"] = ["SOP-P99"]
    with pytest.raises(ValueError, match="unknown guard"):
        loader.parse_catalogue(data, version=1)


def test_a_guard_the_catalogue_drops_is_no_longer_enforced(
    world: World, child: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = loader.load_catalogue()
    without_p11 = replace(
        catalogue,
        sops=tuple(
            replace(
                sop,
                measures=tuple(
                    replace(m, guards=tuple(g for g in m.guards if g != "SOP-P11"))
                    for m in sop.measures
                ),
            )
            for sop in catalogue.sops
        ),
    )
    monkeypatch.setattr(guards, "load_catalogue", lambda version=1: without_p11)
    assert _interview(world, child).pk is not None


# --- SOP-P11 / CH-25: a guardian or parent before the police talk to a child -------------------


def test_a_police_interview_of_a_child_without_a_guardian_is_refused_and_audited(
    world: World, child: Case
) -> None:
    with pytest.raises(GuardBlockedError) as refused:
        _interview(world, child)
    assert refused.value.guard == "SOP-P11"
    assert refused.value.reasons[0].startswith(P11_REFUSAL)
    assert not Hearing.objects.exists()
    event = _blocked("SOP-P11")
    assert event.detail["case_id"] == child.pk
    assert event.detail["kind"] == "police_interview"
    assert event.organisation_id == world.agency_a.pk


def test_a_police_interview_of_a_child_with_the_guardian_present_is_scheduled(
    world: World, child: Case
) -> None:
    hearing = _interview(world, child, guardian_present="Guardian Fictiva")
    assert hearing.guardian_present == "Guardian Fictiva"
    assert not AuditEvent.objects.filter(event_type=EventType.GUARD_BLOCKED).exists()


def test_a_changed_interview_cannot_drop_the_guardian(world: World, child: Case) -> None:
    from opentrm.cases.services.proceedings import hearing_update

    hearing = _interview(world, child, guardian_present="Guardian Fictiva")
    with pytest.raises(GuardBlockedError):
        hearing_update(
            actor=world.actor(Role.POLICE_INVESTIGATOR),
            hearing=hearing,
            expected_version=hearing.version,
            changes={"guardian_present": ""},
        )
    hearing.refresh_from_db()
    assert hearing.guardian_present == "Guardian Fictiva"
    assert _blocked("SOP-P11").detail["case_id"] == child.pk


def test_an_adult_or_a_court_hearing_needs_no_guardian(
    world: World, adult: Case, child: Case
) -> None:
    assert _interview(world, adult).pk is not None
    assert _interview(world, child, kind="court_hearing").pk is not None


def test_the_form_suggests_the_appointed_guardian_and_shows_the_refusal(
    world: World, child: Case
) -> None:
    client = browser(world, Role.POLICE_INVESTIGATOR)
    url = reverse("cases:hearing_schedule", args=[child.public_id])
    response = client.post(
        url,
        {
            "kind": "police_interview",
            "scheduled_at": timezone.localtime(soon(2)).strftime("%Y-%m-%dT%H:%M"),
            "place": "Police station, Fictiva",
        },
    )
    assert P11_REFUSAL in response.content.decode()
    assert not Hearing.objects.exists()
    from opentrm.cases.services.child import child_safeguards_update

    child_safeguards_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=child,
        expected_version=0,
        changes={"guardian_name": "Vera Guardiana", "guardian_appointed_on": timezone.localdate()},
    )
    assert 'value="Vera Guardiana"' in client.get(url).content.decode()


# --- SOP-P7: family reunification only after a thorough risk assessment -------------------------


def _tracing_planned(world: World, case: Case) -> Any:
    """Family tracing planned on ``case``, with the person's consent to it."""
    actor = world.actor(Role.CASEWORKER)
    record_consent(
        actor,
        case,
        ConsentPurpose.FAMILY_TRACING,
        "Tracing the family, what it means and its risks.",
    )
    return measure_plan(actor=actor, case=case, code="sop4.family_tracing")


def test_family_tracing_is_not_completed_without_a_risk_assessment(
    world: World, adult: Case
) -> None:
    measure = _tracing_planned(world, adult)
    with pytest.raises(GuardBlockedError) as refused:
        complete_measure(world, measure)
    assert refused.value.guard == "SOP-P7"
    assert refused.value.reasons[0].startswith(P7_REFUSAL)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED
    assert _blocked("SOP-P7").detail["measure"] == "sop4.family_tracing"
    assessment_record(
        actor=world.actor(Role.CASEWORKER),
        case=adult,
        kind="safety",
        assessed_on=timezone.localdate(),
        unsafe_locations="The home village.",
    )
    assert complete_measure(world, measure).status == MeasureStatus.DONE


def test_the_measure_form_explains_the_p7_refusal(world: World, adult: Case) -> None:
    measure = _tracing_planned(world, adult)
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:measure_edit", args=[adult.public_id, measure.code]),
        {"version": measure.version, "status": "done"},
    )
    assert P7_REFUSAL in response.content.decode()
