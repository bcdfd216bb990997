"""Measures, the guards on return and family tracing, identification, the reflection period and
a country's case settings (issue 3 §3-§5)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
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
    CaseMeasure,
    CaseStatusChange,
    ChildSafeguards,
    ConsentPurpose,
    CountryCaseSettings,
    IdentificationDecision,
    MeasureSetting,
    MeasureStatus,
    ReflectionPeriod,
    Task,
    TaskSource,
)
from opentrm.cases.services import (
    GuardBlockedError,
    case_register,
    country_settings_update,
    identification_record,
    measure_plan,
    measure_setting_add,
    measure_setting_save,
    measure_update,
    reflection_period_start,
)
from opentrm.cases.services.assessments import assessment_record
from opentrm.cases.services.case_settings import country_settings, effective_measures
from opentrm.cases.services.identification import reflection_period_reminder_due
from opentrm.cases.tests.factories import case_page, complete_measure, new_case, record_consent
from opentrm.core.errors import ConflictError
from opentrm.directory.models import Function, Responsibility
from opentrm.directory.pickers import organisation_label

RETURN = "sop4.safe_transport"
TRACING = "sop4.family_tracing"


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def child(world: World) -> Case:
    return new_case(world, age_band=AgeBand.UNDER_18)


def _consent(world: World, case: Case, purpose: str) -> None:
    record_consent(
        world.actor(Role.CASEWORKER),
        case,
        purpose,
        "What return means, the risks, and that it is voluntary.",
        on=today(),
        explained_in="ro",
    )


def _reflection(world: World, case: Case) -> ReflectionPeriod:
    return reflection_period_start(actor=world.actor(Role.CASEWORKER), case=case)


def _plan(world: World, case: Case, code: str, **kwargs: object) -> CaseMeasure:
    return measure_plan(actor=world.actor(Role.CASEWORKER), case=case, code=code, **kwargs)  # type: ignore[arg-type]


def _risk_assessed(world: World, case: Case) -> None:
    """A re-trafficking risk assessment: family reunification may follow (SOP-P7)."""
    assessment_record(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        kind="retrafficking",
        assessed_on=today(),
        risk_level="low",
    )


def _blocked_reasons(world: World, measure: CaseMeasure) -> list[str]:
    with pytest.raises(GuardBlockedError) as caught:
        complete_measure(world, measure)
    return caught.value.reasons


# --- The return guard ---------------------------------------------------------------------------


def test_it_refuses_to_complete_a_return_during_the_reflection_period(
    world: World, adult: Case
) -> None:
    _consent(world, adult, ConsentPurpose.RETURN)
    period = _reflection(world, adult)
    measure = _plan(world, adult, RETURN)

    reasons = _blocked_reasons(world, measure)

    assert reasons == [
        f"The recovery and reflection period runs until {period.ends_on.isoformat()}."
    ]
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED
    assert measure.completed_on is None
    adult.refresh_from_db()
    assert adult.return_status == "not_considered"


def test_it_refuses_to_complete_a_return_without_consent_to_return(
    world: World, adult: Case
) -> None:
    measure = _plan(world, adult, RETURN)
    assert _blocked_reasons(world, measure) == [
        "The person's consent to return is not recorded: return is voluntary."
    ]


def test_it_refuses_a_child_return_without_welfare_clearance(world: World, child: Case) -> None:
    _consent(world, child, ConsentPurpose.RETURN)
    ChildSafeguards.objects.create(case=child, best_interests_determined_on=today())
    measure = _plan(world, child, RETURN)
    assert _blocked_reasons(world, measure) == [
        "The child-welfare authority has not recorded that return would not place the child "
        "in danger."
    ]


def test_it_lists_every_reason_at_once(world: World, child: Case) -> None:
    _reflection(world, child)
    measure = _plan(world, child, RETURN)
    reasons = _blocked_reasons(world, measure)
    assert len(reasons) == 4
    assert reasons[0].startswith("The recovery and reflection period runs until")
    assert "consent to return" in reasons[1]
    assert "child-welfare authority" in reasons[2]
    assert "best-interests determination" in reasons[3]


def test_it_shows_every_reason_on_the_measure_form(world: World, child: Case) -> None:
    _reflection(world, child)
    measure = _plan(world, child, RETURN)
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:measure_edit", args=[child.public_id, RETURN]),
        {"version": measure.version, "status": "done", "notes": ""},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "The recovery and reflection period runs until" in text
    assert "consent to return is not recorded" in text
    assert "child-welfare authority has not recorded" in text
    assert "No best-interests determination is recorded" in text
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


def test_it_allows_the_return_once_each_condition_is_met(world: World, child: Case) -> None:
    period = _reflection(world, child)
    measure = _plan(world, child, RETURN)
    assert len(_blocked_reasons(world, measure)) == 4

    ReflectionPeriod.objects.filter(pk=period.pk).update(
        starts_on=today() - timedelta(days=40), ends_on=today() - timedelta(days=10)
    )
    assert len(_blocked_reasons(world, measure)) == 3
    _consent(world, child, ConsentPurpose.RETURN)
    assert len(_blocked_reasons(world, measure)) == 2
    safeguards = ChildSafeguards.objects.create(case=child, welfare_clearance_on=today())
    assert len(_blocked_reasons(world, measure)) == 1
    safeguards.best_interests_determined_on = today()
    safeguards.save()

    done = complete_measure(world, measure)

    assert done.status == MeasureStatus.DONE
    assert done.completed_on == today()
    child.refresh_from_db()
    assert child.return_status == "completed"
    change = CaseStatusChange.objects.get(case=child, attribute="return_status")
    assert (change.old_value, change.new_value) == ("not_considered", "completed")


def test_it_audits_each_blocked_attempt(world: World, adult: Case) -> None:
    measure = _plan(world, adult, RETURN)
    _blocked_reasons(world, measure)
    _blocked_reasons(world, measure)
    events = AuditEvent.objects.filter(event_type=EventType.GUARD_BLOCKED)
    assert events.count() == 2
    event = events.first()
    assert event is not None
    assert event.detail == {
        "guard": "return_completion",
        "case_id": adult.pk,
        "measure": RETURN,
        "reasons": 1,
    }
    assert event.target_id == str(adult.pk)
    assert not AuditEvent.objects.filter(event_type=EventType.MEASURE_CHANGED).exists()


def test_it_does_not_guard_a_return_marked_not_applicable(world: World, adult: Case) -> None:
    _reflection(world, adult)
    measure = _plan(world, adult, RETURN)
    changed = measure_update(
        actor=world.actor(Role.CASEWORKER),
        measure=measure,
        expected_version=measure.version,
        status=MeasureStatus.NOT_APPLICABLE,
    )
    assert changed.status == MeasureStatus.NOT_APPLICABLE


# --- The family-tracing guard -------------------------------------------------------------------


def test_it_refuses_family_tracing_for_an_adult_without_consent(world: World, adult: Case) -> None:
    measure = _plan(world, adult, TRACING)
    assert _blocked_reasons(world, measure) == [
        "The person's consent to family tracing is not recorded."
    ]
    _consent(world, adult, ConsentPurpose.FAMILY_TRACING)
    _risk_assessed(world, adult)
    assert complete_measure(world, measure).status == MeasureStatus.DONE


def test_it_refuses_family_tracing_for_a_child_unless_in_the_best_interests(
    world: World, child: Case
) -> None:
    _consent(world, child, ConsentPurpose.FAMILY_TRACING)
    measure = _plan(world, child, TRACING)
    with pytest.raises(GuardBlockedError) as caught:
        measure_update(
            actor=world.actor(Role.CASEWORKER),
            measure=measure,
            expected_version=measure.version,
            status=MeasureStatus.IN_PROGRESS,
        )
    assert caught.value.guard == "family_tracing"
    assert "in the child's best interests" in caught.value.reasons[0]
    event = AuditEvent.objects.get(event_type=EventType.GUARD_BLOCKED)
    assert event.detail["guard"] == "family_tracing"
    ChildSafeguards.objects.create(case=child, family_tracing_in_best_interests=True)
    _risk_assessed(world, child)
    assert complete_measure(world, measure).status == MeasureStatus.DONE


# --- Measures ---------------------------------------------------------------------------------


def test_it_takes_measures_in_any_order(world: World, adult: Case) -> None:
    for code in ("sop5.compensation_claims", RETURN, "sop1.initial_referral", "sop3.legal_support"):
        _plan(world, adult, code)
    started = CaseMeasure.objects.get(case=adult, code="sop3.legal_support")
    measure_update(
        actor=world.actor(Role.CASEWORKER),
        measure=started,
        expected_version=started.version,
        status=MeasureStatus.IN_PROGRESS,
    )
    started.refresh_from_db()
    assert started.started_on == today()
    assert set(adult.measures.values_list("code", flat=True)) == {
        "sop5.compensation_claims",
        RETURN,
        "sop1.initial_referral",
        "sop3.legal_support",
    }
    event = AuditEvent.objects.filter(event_type=EventType.MEASURE_PLANNED).order_by("sequence")[0]
    assert event.detail == {"case_id": adult.pk, "measure": "sop5.compensation_claims"}


def test_it_refuses_an_unknown_or_switched_off_measure(world: World, adult: Case) -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(world, adult, "sop9.teleportation")
    assert "code" in caught.value.message_dict
    MeasureSetting.objects.create(
        country=world.country_a, code="sop2.legal_information", sop="sop2", is_enabled=False
    )
    with pytest.raises(ValidationError):
        _plan(world, adult, "sop2.legal_information")
    assert not adult.measures.exists()


def test_it_refuses_the_same_measure_twice(world: World, adult: Case) -> None:
    _plan(world, adult, RETURN)
    with pytest.raises(ValidationError, match="already on the case"):
        _plan(world, adult, RETURN)


def test_it_takes_the_due_date_from_the_country_deadline(world: World, adult: Case) -> None:
    MeasureSetting.objects.create(
        country=world.country_a, code=RETURN, sop="sop4", default_deadline_days=14
    )
    assert _plan(world, adult, RETURN).due_on == today() + timedelta(days=14)
    explicit = today() + timedelta(days=3)
    assert _plan(world, adult, "sop4.documentation", due_on=explicit).due_on == explicit


def test_it_refuses_a_stale_save(world: World, adult: Case) -> None:
    measure = _plan(world, adult, "sop2.legal_information")
    stale_version = measure.version
    first = CaseMeasure.objects.get(pk=measure.pk)
    measure_update(
        actor=world.actor(Role.CASE_MANAGER),
        measure=first,
        expected_version=stale_version,
        status=MeasureStatus.IN_PROGRESS,
        notes="Lawyer booked.",
    )
    second = CaseMeasure.objects.get(pk=measure.pk)
    with pytest.raises(ConflictError, match="changed by A_Case_Manager"):
        measure_update(
            actor=world.actor(Role.CASEWORKER),
            measure=second,
            expected_version=stale_version,
            status=MeasureStatus.NOT_APPLICABLE,
        )
    measure.refresh_from_db()
    assert (measure.status, measure.notes) == (MeasureStatus.IN_PROGRESS, "Lawyer booked.")


def test_it_shows_the_conflict_on_the_form(world: World, adult: Case) -> None:
    measure = _plan(world, adult, "sop2.legal_information")
    url = reverse("cases:measure_edit", args=[adult.public_id, measure.code])
    data = {"version": measure.version, "status": "in_progress", "notes": ""}
    assert browser(world, Role.CASE_MANAGER).post(url, data).status_code == 302
    response = browser(world, Role.CASEWORKER).post(url, {**data, "status": "done"})
    assert response.status_code == 200
    assert "Reload it and apply your changes again." in response.content.decode()


@pytest.mark.parametrize(
    ("status", "started", "completed", "field"),
    [
        ("done", 0, -1, "completed_on"),  # completed before it started
        ("in_progress", 2, None, "started_on"),  # started in the future
        ("done", None, 1, "completed_on"),  # completed in the future
        ("planned", None, 0, "completed_on"),  # completed but not done
    ],
)
def test_it_refuses_impossible_dates(
    world: World,
    adult: Case,
    status: str,
    started: int | None,
    completed: int | None,
    field: str,
) -> None:
    measure = _plan(world, adult, "sop2.legal_information")
    with pytest.raises(ValidationError) as caught:
        measure_update(
            actor=world.actor(Role.CASEWORKER),
            measure=measure,
            expected_version=measure.version,
            status=status,
            started_on=None if started is None else today() + timedelta(days=started),
            completed_on=None if completed is None else today() + timedelta(days=completed),
        )
    assert list(caught.value.message_dict) == [field]
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED
    assert measure.version == 1


def test_it_refuses_a_responsible_person_of_another_organisation(world: World, adult: Case) -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(
            world,
            adult,
            RETURN,
            responsible_organisation=world.agency_c,
            responsible_person=world.user(Role.CASEWORKER),
        )
    assert "responsible_person" in caught.value.message_dict


def test_it_suggests_the_body_responsible_for_the_procedure(world: World, adult: Case) -> None:
    Responsibility.objects.create(
        country=world.country_a, function=Function.RETURN, organisation=world.agency_c
    )
    response = browser(world, Role.CASEWORKER).get(
        reverse("cases:measure_plan", args=[adult.public_id, RETURN])
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["responsible_organisation"] == world.agency_c.pk
    first_group = form.fields["responsible_organisation"].choices[1]
    assert first_group == (
        "Responsible for this procedure",
        [(world.agency_c.pk, organisation_label(world.agency_c))],
    )
    text = response.content.decode()
    assert "Safe transport" in text or "safe" in text.lower()
    assert "<details open>" in text  # the WHAT/WHEN/WHO/HOW guidance where the user works


def test_it_plans_and_changes_a_measure_through_the_pages(world: World, adult: Case) -> None:
    client = browser(world, Role.CASEWORKER)
    response = client.post(
        reverse("cases:measure_plan", args=[adult.public_id, "sop2.legal_information"]),
        {
            "responsible_organisation": world.agency_a.pk,
            "responsible_person": world.user(Role.CASEWORKER).pk,
            "due_on": (today() + timedelta(days=5)).isoformat(),
            "notes": "",
        },
    )
    assert response.status_code == 302
    measure = CaseMeasure.objects.get(case=adult, code="sop2.legal_information")
    assert measure.responsible_person == world.user(Role.CASEWORKER)
    page = client.get(
        reverse("cases:case_detail", args=[adult.public_id]), {"section": "measures"}
    ).content.decode()
    assert "Legal information" in page or "legal" in page.lower()
    assert reverse("cases:measure_edit", args=[adult.public_id, measure.code]) in page
    assert "<summary>Guidance</summary>" in page


def test_it_shows_a_country_s_name_for_a_measure(world: World, adult: Case) -> None:
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    measure_setting_save(
        actor=coordinator,
        country=world.country_a,
        code="sop2.legal_information",
        label="Informim ligjor",
    )
    added = measure_setting_add(
        actor=coordinator, country=world.country_a, sop_code="sop2", label="Hotline follow-up"
    )
    assert added.code == "sop2.al_1"
    page = case_page(world, adult, Role.CASEWORKER)
    assert "Informim ligjor" in page
    assert "Hotline follow-up" in page
    assert _plan(world, adult, added.code).code == "sop2.al_1"


def test_it_keeps_a_switched_off_measure_on_cases_that_have_it(world: World, adult: Case) -> None:
    _plan(world, adult, "sop2.legal_information")
    measure_setting_save(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        country=world.country_a,
        code="sop2.legal_information",
        is_enabled=False,
    )
    codes = [m.code for m in effective_measures(world.country_a)]
    assert "sop2.legal_information" not in codes
    page = case_page(world, adult, Role.CASEWORKER)
    assert 'id="measure-sop2.legal_information"' in page
    assert "no longer in use in this country" in page


def test_it_hides_proceedings_measures_from_an_interpreter(world: World, adult: Case) -> None:
    _plan(world, adult, "sop5.compensation_claims")
    _plan(world, adult, "sop1.initial_referral")
    page = case_page(world, adult, Role.INTERPRETER)
    assert 'id="sop1"' in page
    assert 'id="sop5"' not in page
    assert "measure-sop5.compensation_claims" not in page


# --- Identification ---------------------------------------------------------------------------


def _identify(world: World, case: Case, role: Role, **overrides: object) -> IdentificationDecision:
    values: dict[str, object] = {
        "actor": world.actor(role),
        "case": case,
        "outcome": "identified",
        "is_formal": True,
        "decided_on": today(),
        "legal_basis": "Law on trafficking, art. 12",
        "indicators_used": "National indicator list, version 2",
    }
    values.update(overrides)
    return identification_record(**values)  # type: ignore[arg-type]


def test_it_records_a_formal_identification_and_the_status_change(
    world: World, adult: Case
) -> None:
    decision = _identify(world, adult, Role.POLICE_INVESTIGATOR)
    adult.refresh_from_db()
    assert adult.identification_status == "identified_formally"
    assert (decision.country_code, decision.decided_by_role) == ("AL", "police_investigator")
    change = CaseStatusChange.objects.filter(case=adult, attribute="identification_status").latest(
        "id"
    )
    assert (change.old_value, change.new_value) == ("presumed", "identified_formally")
    assert change.changed_by == world.user(Role.POLICE_INVESTIGATOR)
    event = AuditEvent.objects.get(event_type=EventType.IDENTIFICATION_RECORDED)
    assert event.detail == {"case_id": adult.pk, "outcome": "identified", "is_formal": True}
    assert event.changed_fields == ["identification_status"]


def test_it_refuses_a_formal_identification_by_a_role_not_configured(
    world: World, adult: Case
) -> None:
    with pytest.raises(GuardBlockedError, match="only these roles may formally identify"):
        _identify(world, adult, Role.GUARDIAN)
    adult.refresh_from_db()
    assert adult.identification_status == "presumed"
    assert not IdentificationDecision.objects.exists()
    event = AuditEvent.objects.get(event_type=EventType.GUARD_BLOCKED)
    assert event.detail == {"guard": "formal_identification", "case_id": adult.pk, "reasons": 1}
    # An informal identification is open to the same role.
    _identify(world, adult, Role.GUARDIAN, is_formal=False)
    adult.refresh_from_db()
    assert adult.identification_status == "identified_informally"


def test_it_answers_403_with_the_reason_on_the_page(world: World, adult: Case) -> None:
    response = browser(world, Role.GUARDIAN).post(
        reverse("cases:identification_create", args=[adult.public_id]),
        {
            "outcome": "identified",
            "is_formal": "on",
            "decided_on": today().isoformat(),
            "country_code": "AL",
        },
    )
    assert response.status_code == 403
    assert "only these roles may formally identify" in response.content.decode()
    assert not IdentificationDecision.objects.exists()


def test_it_follows_the_roles_the_country_configured(world: World, adult: Case) -> None:
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    country_settings_update(
        actor=coordinator,
        country=world.country_a,
        expected_version=1,
        reflection_days=30,
        identifying_roles=[Role.GUARDIAN, Role.PROSECUTOR],
    )
    _identify(world, adult, Role.GUARDIAN)
    with pytest.raises(GuardBlockedError):
        _identify(world, adult, Role.POLICE_INVESTIGATOR)


def test_it_keeps_a_formal_decision_against_a_later_informal_one(world: World, adult: Case) -> None:
    _identify(world, adult, Role.PROSECUTOR, outcome="not_a_victim")
    with pytest.raises(ValidationError) as caught:
        _identify(world, adult, Role.CASEWORKER, is_formal=False)
    assert "is_formal" in caught.value.message_dict
    adult.refresh_from_db()
    assert adult.identification_status == "not_a_victim"


def test_it_refuses_an_identification_dated_in_the_future(world: World, adult: Case) -> None:
    with pytest.raises(ValidationError) as caught:
        _identify(world, adult, Role.PROSECUTOR, decided_on=today() + timedelta(days=1))
    assert list(caught.value.message_dict) == ["decided_on"]


def test_it_records_a_declined_formal_identification(world: World, adult: Case) -> None:
    _identify(world, adult, Role.CASEWORKER, outcome="declined", is_formal=False)
    adult.refresh_from_db()
    assert adult.identification_status == "declined_formal"


# --- The reflection period --------------------------------------------------------------------


def test_it_starts_the_reflection_period_for_the_country_s_days(world: World, adult: Case) -> None:
    period = _reflection(world, adult)
    assert (period.starts_on, period.ends_on) == (today(), today() + timedelta(days=30))
    measure = CaseMeasure.objects.get(case=adult, code="sop1.reflection_period")
    assert (measure.status, measure.started_on) == (MeasureStatus.IN_PROGRESS, today())
    event = AuditEvent.objects.get(event_type=EventType.REFLECTION_PERIOD_STARTED)
    assert event.detail == {"case_id": adult.pk, "days": 30}

    CountryCaseSettings.objects.create(country=world.country_b, reflection_days=90)
    other = case_register(actor=world.actor(Role.CASEWORKER, org="b"))
    longer = reflection_period_start(actor=world.actor(Role.CASEWORKER, org="b"), case=other)
    assert longer.ends_on == today() + timedelta(days=90)


def test_it_shows_the_countdown_on_the_case(world: World, adult: Case) -> None:
    reflection_period_start(
        actor=world.actor(Role.CASEWORKER),
        case=adult,
        starts_on=today() - timedelta(days=20),
        ends_on=today() + timedelta(days=12),
    )
    page = case_page(world, adult, Role.CASEWORKER)
    assert "12 days left." in page
    assert "No return or removal can be completed while it runs." in page


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [(0, -1, "ends_on"), (1, None, "starts_on")],
)
def test_it_refuses_impossible_reflection_dates(
    world: World, adult: Case, starts: int, ends: int | None, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        reflection_period_start(
            actor=world.actor(Role.CASEWORKER),
            case=adult,
            starts_on=today() + timedelta(days=starts),
            ends_on=None if ends is None else today() + timedelta(days=ends),
        )
    assert list(caught.value.message_dict) == [field]
    assert not ReflectionPeriod.objects.exists()


def test_it_shows_a_bad_end_date_on_the_field(world: World, adult: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:reflection_start", args=[adult.public_id]),
        {"starts_on": today().isoformat(), "ends_on": (today() - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == ["The period cannot end before it starts."]


def test_it_refuses_a_second_overlapping_period(world: World, adult: Case) -> None:
    _reflection(world, adult)
    with pytest.raises(ValidationError, match="already recorded"):
        _reflection(world, adult)


@override_settings(OPENTRM_REFLECTION_REMINDER_DAYS=7)
def test_it_makes_the_reminder_due_in_the_last_days(world: World, adult: Case) -> None:
    period = _reflection(world, adult)
    assert reflection_period_reminder_due(adult, today()) is None
    assert reflection_period_reminder_due(adult, period.ends_on - timedelta(days=7)) == period
    assert reflection_period_reminder_due(adult, period.ends_on + timedelta(days=1)) is None


# --- Country settings -------------------------------------------------------------------------


def test_it_gives_defaults_to_a_country_without_settings(world: World) -> None:
    settings = country_settings(world.country_a)
    assert settings._state.adding  # not saved: no row, the defaults
    assert settings.reflection_days == 30


def test_it_lets_a_coordinator_change_the_own_country_only(world: World) -> None:
    client = browser(world, Role.NATIONAL_COORDINATOR)
    url = reverse("cases:case_settings")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"version": 1, "reflection_days": 45, "identifying_roles": ["prosecutor"]}
    )
    assert response.status_code == 302
    settings = CountryCaseSettings.objects.get(country=world.country_a)
    assert (settings.reflection_days, settings.identifying_roles) == (45, ["prosecutor"])
    with pytest.raises(PermissionDenied):
        country_settings_update(
            actor=world.actor(Role.NATIONAL_COORDINATOR, org="b"),
            country=world.country_a,
            expected_version=settings.version,
            reflection_days=60,
            identifying_roles=[],
        )
    assert browser(world, Role.CASE_MANAGER).get(url).status_code == 403


def test_it_refuses_fewer_reflection_days_than_the_convention(world: World) -> None:
    response = browser(world, Role.NATIONAL_COORDINATOR).post(
        reverse("cases:case_settings"), {"version": 1, "reflection_days": 10}
    )
    assert response.status_code == 200
    assert "reflection_days" in response.context["form"].errors
    assert not CountryCaseSettings.objects.exists()


# --- Need to know -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("measure_plan", "get"),
        ("measure_edit", "get"),
        ("measure_edit", "post"),
        ("identification_create", "post"),
        ("reflection_start", "post"),
    ],
)
def test_it_hides_the_case_from_an_organisation_not_on_it(
    world: World, adult: Case, name: str, method: str
) -> None:
    _plan(world, adult, RETURN)
    args = [adult.public_id, RETURN] if name.startswith("measure") else [adult.public_id]
    client = browser(world, Role.CASE_MANAGER, org="b")
    response = getattr(client, method)(reverse(f"cases:{name}", args=args), {})
    assert response.status_code == 404
    assert not ReflectionPeriod.objects.exists()
    assert not IdentificationDecision.objects.exists()


def test_it_refuses_measure_changes_to_an_interpreter(world: World, adult: Case) -> None:
    response = browser(world, Role.INTERPRETER).get(
        reverse("cases:measure_plan", args=[adult.public_id, RETURN])
    )
    assert response.status_code == 403


def test_it_opens_every_page_for_a_permitted_role(world: World, adult: Case) -> None:
    _plan(world, adult, RETURN)
    caseworker = browser(world, Role.CASEWORKER)
    for url in (
        reverse("cases:measure_edit", args=[adult.public_id, RETURN]),
        reverse("cases:measure_plan", args=[adult.public_id, "sop1.initial_referral"]),
        reverse("cases:identification_create", args=[adult.public_id]),
        reverse("cases:reflection_start", args=[adult.public_id]),
    ):
        assert caseworker.get(url).status_code == 200, url
    coordinator = browser(world, Role.NATIONAL_COORDINATOR)
    for url in (
        reverse("cases:case_settings"),
        reverse("cases:measure_setting_create"),
        reverse("cases:measure_setting_edit", args=[RETURN]),
    ):
        assert coordinator.get(url).status_code == 200, url


def test_it_lets_a_coordinator_add_and_rename_measures_through_the_pages(world: World) -> None:
    client = browser(world, Role.NATIONAL_COORDINATOR)
    response = client.post(
        reverse("cases:measure_setting_create"),
        {"sop": "sop3", "label": "Vocational training voucher", "default_deadline_days": "60"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("cases:measure_setting_edit", args=[RETURN]),
        {"label": "Kthim i sigurt", "is_enabled": "on", "default_deadline_days": "10"},
    )
    assert response.status_code == 302
    listed = {m.code: m for m in effective_measures(world.country_a)}
    assert listed["sop3.al_1"].label == "Vocational training voucher"
    assert listed["sop3.al_1"].default_deadline_days == 60
    assert (listed[RETURN].label, listed[RETURN].default_deadline_days) == ("Kthim i sigurt", 10)
    assert AuditEvent.objects.filter(event_type=EventType.CASE_SETTINGS_CHANGED).count() == 2


def test_it_makes_deadline_tasks_for_measures_and_the_reflection_period(
    world: World, adult: Case
) -> None:
    due = today() + timedelta(days=9)
    measure = _plan(world, adult, "sop2.legal_information", due_on=due)
    period = _reflection(world, adult)
    tasks = {(task.source, task.source_key): task for task in Task.objects.filter(case=adult)}
    assert tasks[(TaskSource.MEASURE, "sop2.legal_information")].due_on == due
    assert (TaskSource.REFLECTION, str(period.pk)) in tasks
    assert (TaskSource.MEASURE, "sop1.reflection_period") not in tasks  # one reminder, not two
    measure_update(
        actor=world.actor(Role.CASEWORKER),
        measure=measure,
        expected_version=measure.version,
        status=MeasureStatus.NOT_APPLICABLE,
    )
    task = Task.objects.get(case=adult, source_key="sop2.legal_information")
    assert task.done_at is not None  # a measure no longer needed closes its task


def test_it_lists_only_the_measures_on_the_case_and_offers_the_others_to_add(
    world: World, adult: Case
) -> None:
    """Issue 12 §4: not the whole catalogue; the others behind "Add a measure"."""
    _plan(world, adult, "sop1.initial_referral")
    page = case_page(world, adult, Role.CASEWORKER)
    assert page.count('<td data-label="Status">') == 1
    assert "not on the case" not in page
    assert "<summary>Add a measure" in page
    plan = reverse("cases:measure_plan", args=[adult.public_id, "sop2.legal_information"])
    assert plan in page.split("<summary>Add a measure", 1)[1]
    # A role that may not plan measures sees no offer to add them.
    assert "Add a measure" not in case_page(world, adult, Role.INTERPRETER)
