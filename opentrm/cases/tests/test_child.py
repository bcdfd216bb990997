import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases import states
from opentrm.cases.models import Case, CaseCountry, ChildSafeguards, CountryRole, Task
from opentrm.cases.services import (
    OriginContactBlockedError,
    case_register,
    child_safeguards_update,
    contact_country_of_origin_check,
    country_contact_plan,
)
from opentrm.cases.services import child as child_services
from opentrm.cases.tests.factories import case_page, new_case
from opentrm.core.errors import ConflictError
from opentrm.directory.models import ContactPoint, Organisation

TODAY = timezone.localdate


@pytest.fixture
def child(world: World) -> Case:
    """A girl of unknown age from Moldova, registered in Albania with little data."""
    return new_case(world, "Ana Fictiva", citizenships=["MD"])


@pytest.fixture
def liaison(world: World) -> ContactPoint:
    return ContactPoint.objects.create(
        organisation=world.agency_a, position="Liaison officer for children"
    )


def _update(world: World, case: Case, role: Role = Role.CASE_MANAGER, **changes: Any) -> Any:
    record = ChildSafeguards.objects.filter(case=case).first()
    return child_safeguards_update(
        actor=world.actor(role),
        case=case,
        expected_version=record.version if record else 0,
        changes=changes,
    )


# --- The safeguards record -------------------------------------------------------------------


def test_it_warns_on_a_child_case_until_guardian_and_liaison_officer_are_named(
    world: World, child: Case, liaison: ContactPoint
) -> None:
    page = case_page(world, child)
    assert "No guardian has been appointed for the child." in page
    assert "No Interior-Ministry liaison officer is named for the child." in page
    assert page.index('id="case-warnings"') < page.index("<dt>Identification status</dt>")
    # Issue 12 §4: each warning links to where it is fixed; the caseworker may not record the
    # safeguards, so the link leads to the organisations on the case and who may.
    assert "Ask your organisation&#x27;s case manager or the child&#x27;s guardian" in page
    manager_page = case_page(world, child, Role.CASE_MANAGER)
    edit = reverse("cases:child_safeguards_edit", args=[child.public_id])
    assert f'{edit}">Record them now</a>' in manager_page

    _update(world, child, guardian=world.user(Role.GUARDIAN), guardian_appointed_on=TODAY())
    page = case_page(world, child)
    assert "No guardian has been appointed" not in page
    assert "No Interior-Ministry liaison officer" in page

    _update(world, child, liaison_officer=liaison)
    page = case_page(world, child)
    assert 'id="case-warnings"' not in page
    assert "Liaison officer for children" in page


def test_it_saves_the_safeguards_through_the_form_and_audits_field_names_only(
    world: World, child: Case, liaison: ContactPoint
) -> None:
    url = reverse("cases:child_safeguards_edit", args=[child.public_id])
    guardian = browser(world, Role.GUARDIAN)
    assert guardian.get(url).status_code == 200
    response = guardian.post(
        url,
        {
            "version": "0",
            "guardian_name": "Mira Imaginara",
            "guardian_appointed_on": TODAY().isoformat(),
            "liaison_officer": liaison.pk,
            "best_interests_determined_on": TODAY().isoformat(),
            "best_interests_summary": "Stays in the shelter; no contact with the family.",
            "family_tracing_in_best_interests": "false",
        },
    )
    assert response.status_code == 302
    record = ChildSafeguards.objects.get(case=child)
    assert record.guardian_name == "Mira Imaginara"
    assert record.family_tracing_in_best_interests is False
    page = case_page(world, child)
    assert "Mira Imaginara" in page
    assert "Stays in the shelter" in page
    event = AuditEvent.objects.get(event_type=EventType.CHILD_SAFEGUARDS_CHANGED)
    assert "guardian_name" in event.changed_fields
    assert event.detail == {"case_id": child.pk}
    assert "Mira" not in str(event.detail) + str(event.changed_fields)


def test_it_lets_only_the_guardian_and_the_case_manager_edit_the_safeguards(
    world: World, child: Case
) -> None:
    url = reverse("cases:child_safeguards_edit", args=[child.public_id])
    assert browser(world, Role.CASE_MANAGER).get(url).status_code == 200
    assert browser(world, Role.CASEWORKER).get(url).status_code == 403
    assert browser(world, Role.INTERPRETER).get(url).status_code == 403
    assert browser(world, Role.GUARDIAN, org="b").get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        _update(world, child, Role.POLICE_INVESTIGATOR, guardian_name="X")
    assert not ChildSafeguards.objects.exists()
    # The caseworker sees the record, without the edit button; the interpreter sees nothing.
    page = case_page(world, child, Role.CASEWORKER)
    assert "Child safeguards" in page
    assert "Edit the child safeguards" not in page
    page = case_page(world, child, Role.INTERPRETER)
    assert "Child safeguards" not in page
    assert "No guardian has been appointed" not in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"asylum_indicated_on": TODAY() + timedelta(days=2)}, "asylum_indicated_on"),
        ({"best_interests_determined_on": date(2025, 1, 5)}, "best_interests_summary"),
        ({"best_interests_summary": "Decided by the panel."}, "best_interests_determined_on"),
        ({"welfare_clearance_on": date(2025, 1, 5)}, "welfare_clearance_by"),
        ({"age_assessment_result": "adult"}, "age_assessed_on"),
        ({"guardian_appointed_on": date(2025, 1, 5)}, "guardian_appointed_on"),
    ],
)
def test_it_refuses_impossible_or_half_records_and_saves_nothing(
    world: World, child: Case, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _update(world, child, **changes)
    assert field in refused.value.message_dict
    assert not ChildSafeguards.objects.exists()


def test_it_refuses_a_welfare_authority_that_is_no_child_welfare_body_abroad(
    world: World, child: Case
) -> None:
    # Agency B is a shelter in Romania: neither a child-welfare body nor of the case's country.
    with pytest.raises(ValidationError) as refused:
        _update(
            world, child, welfare_clearance_on=date(2025, 1, 5), welfare_clearance_by=world.agency_b
        )
    message = " ".join(refused.value.message_dict["welfare_clearance_by"])
    assert "Agency B Partner Shelter is neither a child-protection" in message
    assert not ChildSafeguards.objects.exists()


def test_it_accepts_a_child_protection_body_abroad_or_a_body_of_the_case_country(
    world: World, child: Case
) -> None:
    abroad = Organisation.objects.create(
        country=world.country_b, name="Fictional Child Protection Agency", type="child_protection"
    )
    _update(world, child, welfare_clearance_on=date(2025, 1, 5), welfare_clearance_by=abroad)
    assert ChildSafeguards.objects.get(case=child).welfare_clearance_by == abroad
    _update(world, child, welfare_clearance_by=world.agency_c)  # an NGO of the case's country
    assert ChildSafeguards.objects.get(case=child).welfare_clearance_by == world.agency_c


def test_it_refuses_a_guardian_who_is_both_a_user_and_a_name_or_not_on_the_case(
    world: World, child: Case
) -> None:
    with pytest.raises(ValidationError) as refused:
        _update(world, child, guardian=world.user(Role.GUARDIAN), guardian_name="Someone")
    assert "guardian_name" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _update(world, child, guardian=world.user(Role.GUARDIAN, org="b"))
    assert "guardian" in refused.value.message_dict


def test_it_shows_a_future_date_on_the_field(world: World, child: Case) -> None:
    tomorrow = (TODAY() + timedelta(days=1)).isoformat()
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:child_safeguards_edit", args=[child.public_id]),
        {"version": "0", "asylum_indicated_on": tomorrow},
    )
    assert response.status_code == 200
    assert 'id="id_asylum_indicated_on_error"' in response.content.decode()
    assert not ChildSafeguards.objects.exists()


def test_it_refuses_the_second_of_two_concurrent_edits(world: World, child: Case) -> None:
    _update(world, child, guardian_name="First Guardian")
    version = ChildSafeguards.objects.get(case=child).version
    child_safeguards_update(
        actor=world.actor(Role.GUARDIAN),
        case=child,
        expected_version=version,
        changes={"asylum_indicated_on": TODAY()},
    )
    with pytest.raises(ConflictError) as refused:
        child_safeguards_update(
            actor=world.actor(Role.CASE_MANAGER),
            case=child,
            expected_version=version,
            changes={"asylum_indicated_on": None},
        )
    assert "changed by A_Guardian" in refused.value.message
    assert ChildSafeguards.objects.get(case=child).asylum_indicated_on == TODAY()


def test_it_refuses_a_second_first_version(world: World, child: Case) -> None:
    _update(world, child, guardian_name="First Guardian")
    with pytest.raises(ConflictError):
        child_safeguards_update(
            actor=world.actor(Role.GUARDIAN),
            case=child,
            expected_version=0,
            changes={"guardian_name": "Second Guardian"},
        )
    assert ChildSafeguards.objects.get(case=child).guardian_name == "First Guardian"


def test_it_shows_a_conflict_on_the_form(world: World, child: Case) -> None:
    _update(world, child, guardian_name="First Guardian")
    _update(world, child, guardian_name="Changed Meanwhile")
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:child_safeguards_edit", args=[child.public_id]),
        {"version": "1", "guardian_name": "Stale"},
    )
    assert response.status_code == 200
    assert "Reload it and apply your changes again." in response.content.decode()
    assert ChildSafeguards.objects.get(case=child).guardian_name == "Changed Meanwhile"


def test_it_lifts_the_child_safeguards_after_an_adult_age_assessment(
    world: World, child: Case
) -> None:
    _update(world, child, asylum_indicated_on=TODAY())
    assert states.is_child_case(child, TODAY())
    _update(world, child, age_assessment_result="adult", age_assessed_on=TODAY())
    assert not states.is_child_case(child, TODAY())
    page = case_page(world, child)
    assert "the child safeguards no longer apply" in page
    assert 'id="case-warnings"' not in page
    contact_country_of_origin_check(
        actor=world.actor(Role.CASEWORKER), case=child, country_code="MD", purpose="referral"
    )


def test_it_shows_no_child_section_for_an_adult(world: World) -> None:
    adult = case_register(actor=world.actor(Role.CASEWORKER), date_of_birth=date(1990, 4, 2))
    page = case_page(world, adult)
    assert "Child safeguards" not in page
    assert 'id="case-warnings"' not in page


# --- The guard on contacts with the country of origin ----------------------------------------


def _asylum(world: World, case: Case) -> None:
    _update(world, case, asylum_indicated_on=TODAY())


def test_it_blocks_contact_with_the_country_of_origin_after_an_asylum_indication(
    world: World, child: Case
) -> None:
    actor = world.actor(Role.CASEWORKER)
    contact_country_of_origin_check(actor=actor, case=child, country_code="MD", purpose="referral")
    _asylum(world, child)
    with pytest.raises(OriginContactBlockedError) as refused:
        contact_country_of_origin_check(
            actor=actor, case=child, country_code="md", purpose="referral"
        )
    assert "asylum" in refused.value.message
    assert refused.value.code == "origin_contact_blocked"
    event = AuditEvent.objects.get(event_type=EventType.ORIGIN_CONTACT_BLOCKED)
    assert event.detail == {"case_id": child.pk, "country_code": "MD", "purpose": "referral"}
    assert event.actor_id == actor.user.pk
    # Another country is not the country of origin.
    contact_country_of_origin_check(actor=actor, case=child, country_code="RO", purpose="referral")
    assert AuditEvent.objects.filter(event_type=EventType.ORIGIN_CONTACT_BLOCKED).count() == 1


def test_it_counts_a_country_recorded_as_origin_as_the_country_of_origin(
    world: World, child: Case
) -> None:
    CaseCountry.objects.create(case=child, country_code="UA", role=CountryRole.ORIGIN)
    _asylum(world, child)
    with pytest.raises(OriginContactBlockedError):
        contact_country_of_origin_check(
            actor=world.actor(Role.CASEWORKER), case=child, country_code="UA", purpose="referral"
        )


def test_it_takes_only_codes_as_the_purpose(world: World, child: Case) -> None:
    with pytest.raises(ValueError, match="code"):
        contact_country_of_origin_check(
            actor=world.actor(Role.CASEWORKER),
            case=child,
            country_code="MD",
            purpose="Call Ana's mother",
        )


def test_it_refuses_to_run_the_check_inside_the_callers_transaction(
    world: World, child: Case
) -> None:
    """Inside a caller's transaction the refusal's audit would be rolled back with it: the
    check says so at once, even when nothing is blocked, so the caller's own tests catch it."""
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        contact_country_of_origin_check(
            actor=world.actor(Role.CASEWORKER), case=child, country_code="RO", purpose="referral"
        )


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_audit_of_a_refused_contact_when_the_callers_transaction_rolls_back(
    world: World, child: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The asylum indication lands between the check and the caller's transaction: the task
    is rolled back, the refusal stays in the trail (committed: no transaction is open here)."""
    _asylum(world, child)
    monkeypatch.setattr(child_services, "contact_country_of_origin_check", lambda **kwargs: None)
    with pytest.raises(OriginContactBlockedError):
        country_contact_plan(
            actor=world.actor(Role.CASEWORKER),
            case=child,
            country_code="MD",
            purpose="information_request",
        )
    assert not transaction.get_connection().in_atomic_block
    assert not Task.objects.exists()
    event = AuditEvent.objects.get(event_type=EventType.ORIGIN_CONTACT_BLOCKED)
    assert event.detail["purpose"] == "information_request"


def test_it_refuses_on_screen_to_plan_a_contact_with_the_country_of_origin(
    world: World, child: Case
) -> None:
    _asylum(world, child)
    client = browser(world, Role.CASEWORKER)
    url = reverse("cases:country_contact", args=[child.public_id])
    response = client.post(url, {"country_code": "md", "purpose": "family_tracing"})
    assert response.status_code == 200
    assert "no action, referral or message may go towards the country of origin" in (
        response.content.decode()
    )
    assert not Task.objects.exists()
    assert AuditEvent.objects.filter(event_type=EventType.ORIGIN_CONTACT_BLOCKED).exists()
    # Towards another country the contact is planned, as a task for the caseworker.
    response = client.post(url, {"country_code": "RO", "purpose": "information_request"})
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.assignee == world.user(Role.CASEWORKER)
    # Issue 12 §5: the country by name, the title kept as a key to word it per reader.
    assert task.title == "Contact the authorities of Romania: Request information"
    assert (task.title_key, task.title_params) == (
        "country_contact",
        {"country": "RO", "purpose": "information_request"},
    )
    assert task.title in case_page(world, child)
    event = AuditEvent.objects.get(event_type=EventType.COUNTRY_CONTACT_PLANNED)
    assert event.detail == {
        "case_id": child.pk,
        "country_code": "RO",
        "purpose": "information_request",
    }


def test_it_refuses_an_unknown_country_code_on_the_field(world: World, child: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:country_contact", args=[child.public_id]),
        {"country_code": "XX", "purpose": "referral"},
    )
    assert response.status_code == 200
    assert 'id="id_country_code_error"' in response.content.decode()
    assert not Task.objects.exists()


def test_it_lets_no_interpreter_or_outsider_plan_a_contact(world: World, child: Case) -> None:
    url = reverse("cases:country_contact", args=[child.public_id])
    data = {"country_code": "RO", "purpose": "referral"}
    assert browser(world, Role.INTERPRETER).post(url, data).status_code == 403
    assert browser(world, Role.CASEWORKER, org="b").post(url, data).status_code == 404
    assert not Task.objects.exists()


def test_it_blocks_a_childs_return_while_asylum_is_indicated(world: World) -> None:
    from django.utils import timezone

    from opentrm.cases.models import ChildSafeguards
    from opentrm.cases.services import case_register
    from opentrm.cases.states import return_completion_blocked

    case = case_register(actor=world.actor(Role.CASE_MANAGER), age_band="under_18")
    today = timezone.localdate()
    ChildSafeguards.objects.create(
        case=case,
        welfare_clearance_on=today,
        best_interests_determined_on=today,
        asylum_indicated_on=today,
    )
    reasons = return_completion_blocked(case, today)
    assert "The child has requested or indicated asylum: the return cannot be completed." in reasons


# --- Every mistake at once (issue 12 §5) --------------------------------------------------------

NO_GUARDIAN = "Name the guardian who was appointed."
NO_DETERMINATION_DATE = "Record the date of the best-interests determination."


def test_the_safeguards_form_shows_the_services_mistakes_with_its_own(
    world: World, child: Case
) -> None:
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:child_safeguards_edit", args=[child.public_id]),
        {
            "version": "0",
            "guardian_appointed_on": TODAY().isoformat(),  # no guardian named
            "best_interests_summary": "Stays in the shelter.",  # no date of the determination
            "welfare_clearance_on": "soon",  # not a date: the form's own mistake
        },
    )
    page = response.content.decode()

    assert response.status_code == 200
    for field, message in (
        ("guardian_appointed_on", NO_GUARDIAN),
        ("best_interests_determined_on", NO_DETERMINATION_DATE),
        ("welfare_clearance_on", "Enter a valid date."),
    ):
        assert response.context["form"].errors[field] == [message], field  # on its field
        assert message in page, field
    assert not ChildSafeguards.objects.exists()


def test_the_api_refuses_the_same_safeguards_with_every_mistake(world: World, child: Case) -> None:
    response = api(world, Role.CASE_MANAGER).patch(
        f"/api/v1/cases/{child.public_id}/child-safeguards",
        json.dumps(
            {
                "version": 0,
                "guardian_appointed_on": TODAY().isoformat(),
                "best_interests_summary": "Stays in the shelter.",
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("guardian_appointed_on", NO_GUARDIAN),
        ("best_interests_determined_on", NO_DETERMINATION_DATE),
    }
    assert not ChildSafeguards.objects.exists()
