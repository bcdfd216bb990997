"""Measures, identification and a country's case settings, called directly: the refusals a form
does not reach, and the changes that write nothing."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases import services
from opentrm.cases.models import (
    Case,
    CaseMeasure,
    CaseParticipant,
    ConsentPurpose,
    CountryCaseSettings,
    MeasureSetting,
    MeasureStatus,
)
from opentrm.cases.services.measures import measure_board, responsible_bodies
from opentrm.cases.tests.factories import record_consent
from opentrm.directory.models import Function, Responsibility

RETURN = "sop4.safe_transport"
REFLECTION = "sop1.reflection_period"


def today() -> date:
    return timezone.localdate()


def _settings_events() -> int:
    return AuditEvent.objects.filter(event_type=EventType.CASE_SETTINGS_CHANGED).count()


# --- A country's settings ---------------------------------------------------------------------


def test_it_refuses_an_identifying_role_that_does_no_case_work(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.country_settings_update(
            actor=world.actor(Role.NATIONAL_COORDINATOR),
            country=world.country_a,
            expected_version=1,
            reflection_days=45,
            identifying_roles=["statistician"],
        )
    assert "identifying_roles" in refused.value.message_dict
    assert not CountryCaseSettings.objects.exists()
    assert _settings_events() == 0


@pytest.mark.parametrize(
    ("save", "values", "field"),
    [
        # A setting of a catalogue measure, saved.
        (services.measure_setting_save, {"code": "sop9.teleportation"}, "code"),
        (services.measure_setting_save, {"code": RETURN, "label": "x" * 201}, "label"),
        (
            services.measure_setting_save,
            {"code": RETURN, "default_deadline_days": 0},
            "default_deadline_days",
        ),
        (
            services.measure_setting_save,
            {"code": RETURN, "default_deadline_days": 3651},
            "default_deadline_days",
        ),
        # A measure of the country's own, added.
        (services.measure_setting_add, {"sop_code": "sop9", "label": "Teleportation"}, "sop"),
        (services.measure_setting_add, {"sop_code": "sop3", "label": "  "}, "label"),
        (
            services.measure_setting_add,
            {"sop_code": "sop3", "label": "Lessons", "default_deadline_days": -1},
            "default_deadline_days",
        ),
    ],
)
def test_it_refuses_an_impossible_measure_setting_and_saves_nothing(
    world: World, save: Callable[..., Any], values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        save(actor=world.actor(Role.NATIONAL_COORDINATOR), country=world.country_a, **values)
    assert field in refused.value.message_dict
    assert not MeasureSetting.objects.exists()
    assert _settings_events() == 0


def test_a_measure_of_the_country_s_own_keeps_a_name(world: World) -> None:
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    added = services.measure_setting_add(
        actor=coordinator, country=world.country_a, sop_code="sop3", label="Driving lessons"
    )
    with pytest.raises(ValidationError) as refused:
        services.measure_setting_save(
            actor=coordinator, country=world.country_a, code=added.code, label=" "
        )
    assert "label" in refused.value.message_dict
    assert MeasureSetting.objects.get(code=added.code).label == "Driving lessons"
    assert _settings_events() == 1  # the addition only


def test_it_never_reuses_the_code_of_a_measure_of_the_country_s_own(world: World) -> None:
    # A gap in the numbering (a row written by an import, say): the next free number is taken.
    MeasureSetting.objects.create(
        country=world.country_a, code="sop3.al_2", sop="sop3", label="Imported", is_custom=True
    )
    added = services.measure_setting_add(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        country=world.country_a,
        sop_code="sop3",
        label="Driving lessons",
    )
    assert added.code == "sop3.al_3"
    assert MeasureSetting.objects.get(code="sop3.al_2").label == "Imported"


# --- The board and measures ---------------------------------------------------------------------


def test_the_board_shows_a_measure_the_catalogue_no_longer_has(world: World, adult: Case) -> None:
    CaseMeasure.objects.create(case=adult, code="sop2.retired_measure", catalogue_version="0")
    board = measure_board(actor=world.actor(Role.CASEWORKER), case=adult)
    rows = {row.measure.code: row for sop in board for row in sop.rows}
    retired = rows["sop2.retired_measure"]
    assert retired.on_case is not None
    assert (retired.measure.label, retired.measure.is_enabled) == ("sop2.retired_measure", False)


def test_the_board_leaves_out_a_switched_off_measure_the_case_does_not_have(
    world: World, adult: Case
) -> None:
    services.measure_setting_save(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        country=world.country_a,
        code="sop2.legal_information",
        is_enabled=False,
    )
    board = measure_board(actor=world.actor(Role.CASEWORKER), case=adult)
    codes = {row.measure.code for sop in board for row in sop.rows}
    assert "sop2.legal_information" not in codes
    assert "sop2.assistance_information" in codes


def test_it_suggests_a_responsible_body_once_when_two_countries_list_it(
    world: World, adult: Case
) -> None:
    # Two partners of country B take part: country B's list is read once.
    CaseParticipant.objects.create(case=adult, organisation=world.agency_b)
    CaseParticipant.objects.create(case=adult, organisation=world.agency_c)
    for country in (world.country_a, world.country_b):
        Responsibility.objects.create(
            country=country, function=Function.RETURN, organisation=world.agency_c
        )
    assert responsible_bodies(adult, ["sop4"]) == {"sop4": [world.agency_c]}


def test_a_partner_not_shown_the_proceedings_may_not_plan_their_measures(
    world: World, adult: Case
) -> None:
    CaseParticipant.objects.create(case=adult, organisation=world.agency_b)
    with pytest.raises(PermissionDenied):
        services.measure_plan(
            actor=world.actor(Role.CASEWORKER, org="b"), case=adult, code="sop5.compensation_claims"
        )
    assert not adult.measures.exists()


def test_a_role_that_does_not_see_assistance_may_not_write_a_measure_s_notes(
    world: World, adult: Case
) -> None:
    prosecutor = world.actor(Role.PROSECUTOR)
    with pytest.raises(PermissionDenied):
        services.measure_plan(
            actor=prosecutor, case=adult, code="sop2.legal_information", notes="Lawyer booked."
        )
    assert not adult.measures.exists()
    measure = services.measure_plan(actor=prosecutor, case=adult, code="sop2.legal_information")
    with pytest.raises(PermissionDenied):
        services.measure_update(
            actor=prosecutor,
            measure=measure,
            expected_version=measure.version,
            status=MeasureStatus.PLANNED,
            notes="Lawyer booked.",
        )
    assert CaseMeasure.objects.get().notes == ""


@pytest.mark.parametrize(
    ("responsible", "field"),
    [
        ({"responsible_organisation": "inactive"}, "responsible_organisation"),
        ({"responsible_person": "a_caseworker"}, "responsible_person"),
    ],
)
def test_it_refuses_a_responsible_that_cannot_take_the_measure(
    world: World, adult: Case, responsible: dict[str, str], field: str
) -> None:
    values: dict[str, Any] = {}
    if "responsible_organisation" in responsible:
        world.agency_c.is_active = False
        world.agency_c.save()
        values["responsible_organisation"] = world.agency_c
    else:  # a person, but no organisation named
        values["responsible_person"] = world.user(Role.CASEWORKER)
    with pytest.raises(ValidationError) as refused:
        services.measure_plan(
            actor=world.actor(Role.CASEWORKER), case=adult, code="sop2.legal_information", **values
        )
    assert field in refused.value.message_dict
    assert not adult.measures.exists()


def test_it_refuses_an_unknown_status(world: World, adult: Case) -> None:
    measure = services.measure_plan(actor=world.actor(Role.CASEWORKER), case=adult, code=RETURN)
    with pytest.raises(ValidationError) as refused:
        services.measure_update(
            actor=world.actor(Role.CASEWORKER),
            measure=measure,
            expected_version=measure.version,
            status="teleported",
        )
    assert "status" in refused.value.message_dict
    assert CaseMeasure.objects.get().status == MeasureStatus.PLANNED


def test_a_completed_return_taken_back_is_planned_again(world: World, adult: Case) -> None:
    record_consent(world.actor(Role.CASEWORKER), adult, ConsentPurpose.RETURN, "What return means.")
    manager = world.actor(Role.CASE_MANAGER)
    measure = services.measure_plan(actor=manager, case=adult, code=RETURN)
    measure = services.measure_update(
        actor=manager, measure=measure, expected_version=measure.version, status=MeasureStatus.DONE
    )
    adult.refresh_from_db()
    assert adult.return_status == "completed"

    def in_progress(**values: Any) -> None:
        current = CaseMeasure.objects.get(pk=measure.pk)
        services.measure_update(
            actor=manager,
            measure=current,
            expected_version=current.version,
            status=MeasureStatus.IN_PROGRESS,
            **({"started_on": current.started_on} | values),
        )
        adult.refresh_from_db()

    in_progress(started_on=today())
    assert adult.return_status == "planned"

    # Its notes changed, not its status: the case's return status stays.
    in_progress(notes="Tickets booked.")
    assert adult.return_status == "planned"
    assert CaseMeasure.objects.get().notes == "Tickets booked."


# --- Identification and the reflection period ---------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"outcome": "abducted_by_aliens"}, "outcome"),
        ({"country_code": "ZZZ"}, "country_code"),
        ({"is_formal": True, "country_code": "RO"}, "country_code"),
    ],
)
def test_it_refuses_an_impossible_identification_and_keeps_the_status(
    world: World, adult: Case, values: dict[str, Any], field: str
) -> None:
    status = adult.identification_status
    arguments: dict[str, Any] = {
        "outcome": "identified",
        "is_formal": False,
        "decided_on": today(),
    } | values
    with pytest.raises(ValidationError) as refused:
        services.identification_record(
            actor=world.actor(Role.POLICE_INVESTIGATOR), case=adult, **arguments
        )
    assert field in refused.value.message_dict
    assert not adult.identification_decisions.exists()
    adult.refresh_from_db()
    assert adult.identification_status == status


def test_a_second_decision_to_the_same_effect_changes_no_status(world: World, adult: Case) -> None:
    changes = adult.status_changes.filter(attribute="identification_status")
    before = changes.count()
    for _ in range(2):
        services.identification_record(
            actor=world.actor(Role.CASEWORKER),
            case=adult,
            outcome="identified",
            is_formal=False,
            decided_on=today(),
        )
    events = AuditEvent.objects.filter(event_type=EventType.IDENTIFICATION_RECORDED).order_by(
        "sequence"
    )
    assert [event.changed_fields for event in events] == [["identification_status"], []]
    assert changes.count() == before + 1


def test_a_reflection_period_starts_the_planned_measure(world: World, adult: Case) -> None:
    planned = services.measure_plan(
        actor=world.actor(Role.CASEWORKER), case=adult, code=REFLECTION, due_on=today()
    )
    period = services.reflection_period_start(actor=world.actor(Role.CASEWORKER), case=adult)
    measure = CaseMeasure.objects.get(pk=planned.pk)
    assert (measure.status, measure.started_on, measure.due_on) == (
        MeasureStatus.IN_PROGRESS,
        period.starts_on,
        None,
    )
    assert measure.version == planned.version + 1


def test_a_reflection_period_leaves_a_measure_in_progress_as_it_is(
    world: World, adult: Case
) -> None:
    started = today() - timedelta(days=2)
    planned = services.measure_plan(actor=world.actor(Role.CASEWORKER), case=adult, code=REFLECTION)
    running = services.measure_update(
        actor=world.actor(Role.CASEWORKER),
        measure=planned,
        expected_version=planned.version,
        status=MeasureStatus.IN_PROGRESS,
        started_on=started,
    )
    services.reflection_period_start(actor=world.actor(Role.CASEWORKER), case=adult)
    measure = CaseMeasure.objects.get(pk=planned.pk)
    assert (measure.started_on, measure.version) == (started, running.version)


def test_a_reflection_period_adds_no_measure_the_country_switched_off(
    world: World, adult: Case
) -> None:
    services.measure_setting_save(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        country=world.country_a,
        code=REFLECTION,
        is_enabled=False,
    )
    period = services.reflection_period_start(
        actor=world.actor(Role.CASEWORKER), case=adult, starts_on=today() - timedelta(days=1)
    )
    assert period.pk is not None
    assert not adult.measures.exists()
