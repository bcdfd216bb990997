"""The child safeguards, called directly: what a partner organisation may not open, the refusals
a form does not reach, and saves of nothing."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant, ChildSafeguards, Task
from opentrm.cases.services import child as child_services
from opentrm.cases.services import child_safeguards_update, country_contact_plan
from opentrm.cases.services.child import loosened_safeguards
from opentrm.cases.services.measures import measure_plan_warnings
from opentrm.cases.tests.factories import new_case, record_consent
from opentrm.core.errors import ConflictError
from opentrm.directory.models import ContactPoint

TODAY = timezone.localdate


@pytest.fixture
def child(world: World) -> Case:
    return new_case(world, "Ana Fictiva", citizenships=["MD"])


@pytest.fixture
def partner(world: World, child: Case) -> Actor:
    """Agency C's case manager, on the case, shown its child protection data."""
    CaseParticipant.objects.create(case=child, organisation=world.agency_c)
    record_consent(
        world.actor(Role.CASE_MANAGER),
        child,
        "share_data",
        "Who will see which data, why, and the risks.",
        to=world.agency_c,
    )
    make_agreement(
        world,
        others=[world.agency_c],
        flows={(world.agency_a, world.agency_c): [FieldGroup.CHILD_PROTECTION]},
        sign=True,
    )
    membership = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    return Actor(user=membership.user, membership=membership)


def _update(actor: Actor, case: Case, **changes: Any) -> ChildSafeguards:
    record = ChildSafeguards.objects.filter(case=case).first()
    return child_safeguards_update(
        actor=actor,
        case=case,
        expected_version=record.version if record else 0,
        changes=changes,
    )


def _changed_events() -> int:
    return AuditEvent.objects.filter(event_type=EventType.CHILD_SAFEGUARDS_CHANGED).count()


# --- What opens something for the child -------------------------------------------------------

CLEARED = {"welfare_clearance_on": TODAY()}


@pytest.mark.parametrize(
    ("before", "after", "loosened"),
    [
        ({"asylum_indicated_on": TODAY()}, {"asylum_indicated_on": None}, ["asylum_indicated_on"]),
        ({}, {"asylum_indicated_on": TODAY()}, []),
        ({}, CLEARED, ["welfare_clearance_on"]),
        (CLEARED, CLEARED, []),
        (CLEARED, {"welfare_clearance_on": None}, []),
        ({}, {"best_interests_determined_on": TODAY()}, ["best_interests_determined_on"]),
        ({}, {"family_tracing_in_best_interests": True}, ["family_tracing_in_best_interests"]),
        (
            {"family_tracing_in_best_interests": True},
            {"family_tracing_in_best_interests": True},
            [],
        ),
        ({}, {"family_tracing_in_best_interests": False}, []),
        ({}, {"age_assessment_result": "adult"}, ["age_assessment_result"]),
        ({"age_assessment_result": "adult"}, {"age_assessment_result": "adult"}, []),
        ({}, {"age_assessment_result": "child"}, []),
    ],
)
def test_it_names_each_change_that_opens_something_for_the_child(
    before: dict[str, Any], after: dict[str, Any], loosened: list[str]
) -> None:
    assert loosened_safeguards(before, after) == loosened


def test_a_partner_records_what_protects_the_child(
    world: World, child: Case, partner: Actor
) -> None:
    safeguards = _update(partner, child, guardian_name="Gina Fictiva")
    assert ChildSafeguards.objects.get(pk=safeguards.pk).guardian_name == "Gina Fictiva"
    assert _changed_events() == 1


def test_a_partner_may_not_open_a_return_and_the_refusal_is_audited(
    world: World, child: Case, partner: Actor
) -> None:
    _update(partner, child, guardian_name="Gina Fictiva")
    with pytest.raises(PermissionDenied):
        _update(
            partner,
            child,
            welfare_clearance_on=TODAY(),
            welfare_clearance_by=world.agency_a,
        )
    assert ChildSafeguards.objects.get().welfare_clearance_on is None
    refusal = AuditEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert refusal.detail["action"] == "child_safeguards.loosen"
    assert refusal.actor_id == partner.user.pk
    assert _changed_events() == 1


def test_a_partner_may_not_lift_an_asylum_indication_recorded_meanwhile(
    world: World, child: Case, partner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The partner's form was read before the owner recorded the asylum indication: its save
    would lift it. The check before the transaction saw nothing (here: skipped); the check on
    the locked row inside it refuses."""
    owner = world.actor(Role.CASE_MANAGER)
    _update(owner, child, asylum_indicated_on=TODAY())
    monkeypatch.setattr(child_services, "_loosens", lambda case, changes: [])
    with pytest.raises(PermissionDenied):
        _update(partner, child, asylum_indicated_on=None)
    assert ChildSafeguards.objects.get().asylum_indicated_on == TODAY()
    assert _changed_events() == 1


# --- Refusals and saves of nothing --------------------------------------------------------------


def test_it_refuses_a_liaison_officer_of_another_country(world: World, child: Case) -> None:
    abroad = ContactPoint.objects.create(organisation=world.agency_b, position="Liaison officer")
    with pytest.raises(ValidationError) as refused:
        _update(world.actor(Role.CASE_MANAGER), child, liaison_officer=abroad)
    assert "liaison_officer" in refused.value.message_dict
    assert not ChildSafeguards.objects.exists()


def test_it_refuses_an_unknown_age_assessment_result(world: World, child: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        _update(
            world.actor(Role.CASE_MANAGER),
            child,
            age_assessed_on=TODAY(),
            age_assessment_result="teenager",
        )
    assert refused.value.message_dict["age_assessment_result"] == ["Unknown result."]
    assert not ChildSafeguards.objects.exists()


def test_it_refuses_a_clearance_by_an_organisation_no_longer_active(
    world: World, child: Case
) -> None:
    world.agency_c.is_active = False
    world.agency_c.save()
    with pytest.raises(ValidationError) as refused:
        _update(
            world.actor(Role.CASE_MANAGER),
            child,
            welfare_clearance_on=TODAY(),
            welfare_clearance_by=world.agency_c,
        )
    assert "welfare_clearance_by" in refused.value.message_dict
    assert not ChildSafeguards.objects.exists()


def test_it_refuses_a_field_the_safeguards_do_not_have(world: World, child: Case) -> None:
    with pytest.raises(ValueError, match="not a child-safeguards field"):
        _update(world.actor(Role.CASE_MANAGER), child, shoe_size="32")
    assert not ChildSafeguards.objects.exists()


def test_it_refuses_a_form_opened_on_a_record_that_is_gone(world: World, child: Case) -> None:
    with pytest.raises(ConflictError, match="no longer exists"):
        child_safeguards_update(
            actor=world.actor(Role.CASE_MANAGER),
            case=child,
            expected_version=2,
            changes={"guardian_name": "Gina Fictiva"},
        )
    assert not ChildSafeguards.objects.exists()


def test_an_empty_form_records_nothing(world: World, child: Case) -> None:
    safeguards = _update(world.actor(Role.CASE_MANAGER), child, guardian_name="  ")
    assert safeguards._state.adding  # not saved
    assert not ChildSafeguards.objects.exists()
    assert _changed_events() == 0


def test_a_save_of_nothing_writes_nothing(world: World, child: Case) -> None:
    manager = world.actor(Role.CASE_MANAGER)
    first = _update(manager, child, guardian_name="Gina Fictiva")
    again = _update(manager, child, guardian_name=" Gina Fictiva ")
    assert again.version == ChildSafeguards.objects.get().version == first.version
    assert _changed_events() == 1


def test_it_refuses_a_contact_for_a_purpose_not_on_the_list(world: World, child: Case) -> None:
    tasks = Task.objects.count()
    with pytest.raises(ValidationError) as refused:
        country_contact_plan(
            actor=world.actor(Role.CASEWORKER), case=child, country_code="RO", purpose="gossip"
        )
    assert "purpose" in refused.value.message_dict
    assert Task.objects.count() == tasks


def test_planning_the_safe_transport_of_a_child_who_indicated_asylum_warns(
    world: World, child: Case
) -> None:
    assert measure_plan_warnings(child, "sop4.safe_transport") == []
    _update(world.actor(Role.CASE_MANAGER), child, asylum_indicated_on=TODAY())
    assert measure_plan_warnings(child, "sop4.safe_transport") == [
        "The child has requested or indicated asylum: this measure must not involve the "
        "country of origin (no transport, contact or message towards it)."
    ]
    assert measure_plan_warnings(child, "sop2.legal_information") == []  # not towards origin
    # A country's own measure has no catalogue guard.
    assert measure_plan_warnings(child, "sop4.al_1") == []
