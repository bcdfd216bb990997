"""What the transnational template shows already filled in when a referral is drafted: the case
file (person, trafficking, services, assessments, proceedings, child safeguards) and the
directory (the institutions and the §8 contacts of both countries), so the sender retypes
nothing. Each value in the template's stored form."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import (
    Assessment,
    Case,
    CaseCountry,
    CaseExploitation,
    CaseService,
    ChildSafeguards,
    HealthRecord,
    IdentificationDecision,
    Proceeding,
    ReflectionPeriod,
    TravelDocument,
)
from opentrm.directory.models import (
    ContactChannel,
    ContactPoint,
    Function,
    Organisation,
    Responsibility,
)
from opentrm.referrals.services.transnational.prefill import prefill
from opentrm.referrals.tests.test_template import HEALTH, NAME, make_case, return_consent

TODAY = timezone.localdate()


def _prefill(world: World, case: Case) -> dict[str, Any]:
    return prefill(case=case, sender=world.agency_a, receiver=world.agency_b, lang="en")


def _text(value: str) -> dict[str, str]:
    return {"text": value, "lang": "en"}


def _point(organisation: Organisation, name: str, **channels: str) -> ContactPoint:
    point = ContactPoint.objects.create(
        organisation=organisation, position="Director", person_name=name
    )
    for kind, value in channels.items():
        ContactChannel.objects.create(contact_point=point, kind=kind, value=value)
    return point


def _responsible(organisation: Organisation, function: str, point: ContactPoint | None) -> None:
    Responsibility.objects.create(
        country=organisation.country,
        function=function,
        organisation=organisation,
        contact_point=point,
        label="Fictional unit",
    )


@pytest.fixture
def directory(world: World) -> None:
    """Agency A with its director's numbers; §8 functions of both countries."""
    Organisation.objects.filter(pk=world.agency_a.pk).update(address="1 Fictional Street")
    world.agency_a.refresh_from_db()
    director = _point(
        world.agency_a,
        "Dita Fictiva",
        phone="+355 1 000 000",
        mobile="+355 69 000 000",
        email="director@agency-a.example",
        messenger="agency-a-fictional",
        postal="PO 1",
    )
    ContactChannel.objects.create(contact_point=director, kind="phone", value="+355 1 999 999")
    _responsible(world.agency_a, Function.IDENTIFICATION, director)
    _responsible(world.agency_a, Function.INTERPRETATION, director)
    _responsible(world.agency_b, Function.RETURN, None)
    _responsible(world.agency_b, Function.INTERPRETATION, None)


@pytest.mark.usefixtures("directory")
def test_the_directory_fills_the_institutions_and_section_8_of_both_countries(
    world: World,
) -> None:
    values = _prefill(world, make_case(world))

    assert values["header.institution_exploitation"] == {
        "institution": world.agency_a.name,
        "address": "1 Fictional Street",
        "contact_person": "Dita Fictiva",
        "telephone": "+355 1 000 000",  # the first number of a kind
        "mobile": "+355 69 000 000",
        "email": "director@agency-a.example",
        "skype": "agency-a-fictional",
    }
    assert values["header.institution_origin"] == {"institution": world.agency_b.name}
    assert values["s8.identification.exploitation"] == {
        "responsible_body": world.agency_a.name,
        "responsible_person": "Director",
        "name": "Dita Fictiva",
        "title": "Fictional unit",
        "address": "1 Fictional Street",
        "telephone": "+355 1 000 000",
        "email": "director@agency-a.example",
    }
    assert values["s8.interpretation.exploitation"] == {"interpreter_name": "Dita Fictiva"}
    assert values["s8.return.origin"] == {
        "responsible_body": world.agency_b.name,
        "title": "Fictional unit",
    }
    assert values["s8.interpretation.origin"] == {"interpreter_name": world.agency_b.name}
    assert "s8.first_assistance.exploitation" not in values


def _service(world: World, case: Case, service_type: str, status: str) -> None:
    CaseService.objects.create(
        case=case,
        organisation=world.agency_a,
        service_type=service_type,
        category="first_assistance",
        status=status,
        offered_on=TODAY,
    )


def _by(world: World, case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "organisation": world.agency_a,
        "assessed_by": world.user(Role.CASEWORKER),
    }


def _rich_case(world: World) -> Case:
    case = make_case(world)
    person = case.person
    person.names.create(kind="alias", value="Fictiva Alias", order=1)
    person.place_of_birth = "Fictional Town"
    person.address = "2 Fictional Road"
    person.residence_country = "RO"
    person.marital_status = "single"
    person.identity_confirmed_by = "police"
    person.identity_note = "Fictional papers checked"
    person.save()
    TravelDocument.objects.create(person=person, type="passport", is_valid=True, note="Kept")
    ReflectionPeriod.objects.create(
        case=case,
        starts_on=TODAY - timedelta(days=10),
        ends_on=TODAY + timedelta(days=80),
        granted_by=world.user(Role.CASE_MANAGER),
        organisation=world.agency_a,
    )
    CaseExploitation.objects.create(case=case, type="ForcedLabour")
    CaseExploitation.objects.create(case=case, type="Other", other="Fictional forced chores")
    for role, code in [
        ("recruitment", "RO"),
        ("transit", "RS"),
        ("transit", "ME"),
        ("exploitation", "AL"),
        ("previous_exploitation", "XK"),
    ]:
        CaseCountry.objects.get_or_create(case=case, role=role, country_code=code)
    Case.objects.filter(pk=case.pk).update(
        exploitation_began_on=date(2025, 1, 5),
        exploitation_ended_on=date(2025, 11, 30),
        previously_trafficked=False,
    )
    IdentificationDecision.objects.create(
        case=case,
        outcome="identified",
        is_formal=True,
        decided_on=TODAY - timedelta(days=3),
        country_code="AL",
        decided_by=world.user(Role.CASE_MANAGER),
        decided_by_role="police",
        organisation=world.agency_a,
    )
    for service_type, status in [
        ("shelter", "delivered"),
        ("medical", "accepted"),
        ("interpretation", "offered"),  # only offered: no need of it recorded yet
        ("residence_permit", "accepted"),
        ("victim_protection", "delivered"),
        ("family_contact", "refused"),
    ]:
        _service(world, case, service_type, status)
    Assessment.objects.create(
        **_by(world, case),
        kind="needs",
        assessed_on=TODAY,
        accommodation_type="shelter",
        needs=["medical", "not_on_the_form"],
    )
    Assessment.objects.create(
        **_by(world, case),
        kind="safety",
        assessed_on=TODAY,
        harm_sources=["partner", "other"],
        harm_source_other="A fictional neighbour",
        unsafe_locations="Fictional market",
        summary="Safe at the shelter",
    )
    Assessment.objects.create(
        **_by(world, case),
        kind="retrafficking",
        assessed_on=TODAY,
        risk_level="medium",
        partners=["person"],
        summary="Fictional summary",
    )
    for country, kind, initiated, more in [
        ("AL", "criminal", True, {"statement_taken": True, "legal_status": "Witness"}),
        ("RO", "civil", False, {}),
    ]:
        Proceeding.objects.create(
            case=case,
            organisation=world.agency_a,
            country_code=country,
            kind=kind,
            initiated=initiated,
            court_decision="underway",  # not one of §7.2's choices
            **more,
        )
    return_consent(world, case, decision="refused")
    case.refresh_from_db()
    return case


def test_the_case_file_fills_the_person_the_trafficking_and_the_assistance(world: World) -> None:
    values = _prefill(world, _rich_case(world))

    expected = {
        "s1_1.name": _text(f"{NAME}; Fictiva Alias (Alias)"),
        "s1_1.sex": "female",
        "s1_1.age": "over_18",
        "s1_1.place_of_birth": _text("Fictional Town"),
        "s1_1.residence_country": "RO",
        "s1_1.citizenship": ["RO"],
        "s1_1.marital_status": "single",
        "s1_1.travel_document": True,
        "s1_1.travel_document_type": "passport",
        "s1_1.travel_document_comments": _text("Kept"),
        "s1_1.identity_confirmed": True,
        "s1_1.identity_confirmed_by": {"codes": ["police"], "other": None},
        "s1_1.identity_comments": _text("Fictional papers checked"),
        "s1_1.languages": ["ro"],
        "s1_1.reflection_period": True,
        "s1_1.reflection_end": (TODAY + timedelta(days=80)).isoformat(),
        "s1_2.exploitation_type": {
            "codes": ["labour", "other"],
            "other": _text("Fictional forced chores"),
        },
        "s1_2.country_recruitment": "RO",
        "s1_2.countries_transit": ["ME", "RS"],
        "s1_2.countries_exploitation": ["AL"],
        "s1_2.countries_previous": ["XK"],
        "s1_2.exploitation_began": "2025-01-05",
        "s1_2.exploitation_ended": "2025-11-30",
        "s1_2.formal_identification": True,
        "s1_2.country_identification": "AL",
        "s1_2.previously_trafficked": False,
        "s2_1.needs": {"codes": ["accommodation", "medical"], "other": None},
        "s2_2.residence_permit": "procedure_started",
        "s2_3.safety_measures": {"codes": ["shelter", "victim_protection"], "other": None},
        "s3_1.accommodation": "shelter",
        "s3_1.needs": {"codes": ["medical"], "other": None},
        "s3_2.medical_history": _text(HEALTH),
        "s3_3.risk_assessment": True,
        "s3_3.harm_sources": {
            "codes": ["partner", "other"],
            "other": _text("A fictional neighbour"),
        },
        "s3_3.unsafe_locations": _text("Fictional market"),
        "s3_3.comments": _text("Safe at the shelter"),
        "s3_4.risk_level": "medium",
        "s3_4.assessment_done": True,
        "s3_4.assessment_partners": {"codes": ["person"], "other": None},
        "s7_1.case_initiated": True,
        "s7_1.statement_taken": True,
        "s7_1.court_decision": "underway",
        "s7_1.proceeding_types": {"codes": ["criminal"], "other": None},
        "s7_1.legal_status": _text("Witness"),
        "s7_2.case_initiated": False,
        "consent.return": False,  # refused
    }
    assert {code: values.get(code) for code in expected} == expected
    # no answer recorded: left for the sender; a decision the form has no choice for: not set
    for missing in ("s7_1.testified", "s7_2.court_decision", "s3_2.chronic_diseases"):
        assert missing not in values
    assert values["consent.data_sharing"] is False  # no consent to share with B recorded


def test_what_the_case_file_only_partly_knows_is_filled_as_far_as_it_goes(world: World) -> None:
    case = make_case(world)
    person = case.person
    person.date_of_birth = None
    person.age_band = "under_18"
    person.save()
    TravelDocument.objects.create(person=person, type="other", is_valid=False)
    CaseCountry.objects.get_or_create(case=case, role="identification", country_code="AL")
    _service(world, case, "residence_permit", "delivered")
    _service(world, case, "legal_representation", "accepted")
    return_consent(world, case)

    values = _prefill(world, case)

    assert values["s1_1.age"] == "under_18"
    assert "s1_1.date_of_birth" not in values
    assert values["s1_1.travel_document"] is False
    assert values["s1_2.country_identification"] == "AL"
    assert "s1_2.formal_identification" not in values
    assert values["s2_2.residence_permit"] == "yes"
    assert values["s2_2.legal_representative"] is True
    assert values["consent.return"] is True


def test_a_case_file_that_knows_little_leaves_those_fields_for_the_sender(world: World) -> None:
    case = make_case(world)
    person = case.person
    person.names.all().delete()
    person.sex, person.date_of_birth, person.age_band = "unknown", None, "unknown"
    person.save()
    TravelDocument.objects.create(person=person, type="other", is_valid=True)
    HealthRecord.objects.filter(case=case).delete()
    CaseCountry.objects.filter(case=case, role="identification").delete()
    Assessment.objects.create(**_by(world, case), kind="needs", assessed_on=TODAY, needs=[])

    values = _prefill(world, case)

    assert values["s1_1.travel_document"] is True
    for unknown in (
        "s1_1.name",
        "s1_1.sex",
        "s1_1.age",
        "s1_1.travel_document_type",
        "s1_2.country_identification",
        "s3_1.accommodation",
        "s3_1.needs",
        "s3_2.medical_history",
    ):
        assert unknown not in values, unknown


def test_a_childs_safeguards_fill_the_child_annex(world: World) -> None:
    case = make_case(world, birth=TODAY.replace(year=TODAY.year - 15))
    guardian = world.user(Role.CASE_MANAGER)
    guardian.first_name, guardian.last_name = "Gentiana", "Fictiva"
    guardian.save()
    liaison = _point(world.agency_a, "Liaison Fictiva")
    ChildSafeguards.objects.update_or_create(
        case=case,
        defaults={
            "guardian": guardian,
            "guardian_appointed_on": TODAY - timedelta(days=5),
            "liaison_officer": liaison,
            "best_interests_determined_on": TODAY - timedelta(days=2),
            "best_interests_summary": "Return to a fictional aunt",
            "family_tracing_in_best_interests": True,
            "welfare_clearance_on": TODAY - timedelta(days=1),
            "welfare_clearance_by": world.agency_b,
        },
    )

    values = _prefill(world, case)

    assert values["s1_1.age"] == "under_18"
    assert values["child.guardian"] == _text("Gentiana Fictiva")
    assert values["child.guardian_appointed_on"] == (TODAY - timedelta(days=5)).isoformat()
    assert values["child.liaison_officer"] == _text(str(liaison))
    assert values["child.best_interests_summary"] == _text("Return to a fictional aunt")
    assert values["child.family_tracing"] is True
    assert values["child.welfare_clearance_by"] == _text(world.agency_b.name)
    assert values["child.asylum_indicated"] is False
    assert "child.asylum_indicated_on" not in values


def test_a_guardian_named_only_by_username_or_by_name_alone(world: World) -> None:
    case = make_case(world, birth=TODAY.replace(year=TODAY.year - 15))
    guardian = world.user(Role.CASE_MANAGER)
    guardian.first_name = guardian.last_name = ""
    guardian.save()
    ChildSafeguards.objects.update_or_create(case=case, defaults={"guardian": guardian})

    assert _prefill(world, case)["child.guardian"] == _text(guardian.get_username())

    ChildSafeguards.objects.filter(case=case).update(guardian=None, guardian_name="Ana Fictiva")
    assert _prefill(world, case)["child.guardian"] == _text("Ana Fictiva")
