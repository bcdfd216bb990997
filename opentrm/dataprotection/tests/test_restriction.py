"""Restriction of processing (GDPR art. 18): who sets and lifts it, and what it stops."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import Access, Action, FieldGroup, can
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.models import AuditEvent
from opentrm.cases import services
from opentrm.cases.access import case_permissions, group_access
from opentrm.cases.models import Case, CaseNote
from opentrm.cases.services.participants import participant_add
from opentrm.cases.tests.factories import new_case
from opentrm.dataprotection.models import ProcessingRestriction
from opentrm.dataprotection.restriction import restriction_lift, restriction_set
from opentrm.matching.scoring import PersonData
from opentrm.matching.services import find_candidates
from opentrm.referrals.services.national import referral_send_national

CONTROLLERS = (Role.CASE_MANAGER, Role.DATA_PROTECTION_OFFICER)


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Fictiva Restricta", role=Role.CASE_MANAGER, interpreter=False)


def _restrict(world: World, case: Case, role: Role = Role.DATA_PROTECTION_OFFICER) -> None:
    restriction_set(
        actor=world.actor(role), case=case, ground="accuracy", reason="Contests her birth date"
    )
    case.refresh_from_db()
    case.person.refresh_from_db()


def _restricted(case: Case) -> bool:
    case.refresh_from_db()
    return case.is_restricted


# --- who sets and lifts it: the controller only ---------------------------------------------


@pytest.mark.parametrize("role", CONTROLLERS)
def test_the_controller_restricts_and_lifts_once_the_person_was_told(
    world: World, case: Case, role: Role
) -> None:
    client = browser(world, role)
    url = reverse("dataprotection:restriction", args=[case.public_id])
    response = client.post(url, {"ground": "objection", "reason": "Objected on 2026-12-01"})
    assert response.status_code == 302
    assert _restricted(case)
    reader = browser(world, Role.CASEWORKER)
    page = reader.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert 'id="processing-restricted"' in page
    lift = reverse("dataprotection:restriction_lift", args=[case.public_id])
    refused = client.post(lift, {"reason": "Verified"})
    assert refused.status_code == 400  # the person must be informed first (art. 18(3))
    assert _restricted(case)
    today = timezone.localdate().isoformat()
    assert client.post(lift, {"reason": "Verified", "person_informed_on": today}).status_code == 302
    assert not _restricted(case)
    row = ProcessingRestriction.objects.get(person=case.person)
    assert (row.ground, row.person_informed_on) == ("objection", timezone.localdate())
    events = list(
        AuditEvent.objects.filter(event_type__startswith="PROCESSING_RESTRICT").values_list(
            "event_type", flat=True
        )
    )
    assert "PROCESSING_RESTRICTED" in events
    assert "PROCESSING_RESTRICTION_LIFTED" in events
    assert "Objected" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
    page = reader.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert 'id="processing-restricted"' not in page


NOT_CONTROLLERS = [(role, "a") for role in Role if role not in CONTROLLERS] + [
    (role, "b") for role in Role
]


@pytest.mark.parametrize(("role", "org"), NOT_CONTROLLERS)
def test_nobody_else_sets_or_lifts_a_restriction(
    world: World, case: Case, role: Role, org: str
) -> None:
    """Caseworkers, prosecutors, administrators, the national coordinators of both countries
    and the partner abroad's case manager and DPO are all refused."""
    with pytest.raises(PermissionDenied):
        restriction_set(actor=world.actor(role, org=org), case=case, ground="accuracy", reason="x")
    _restrict(world, case)
    with pytest.raises(PermissionDenied):
        restriction_lift(
            actor=world.actor(role, org=org),
            case=case,
            reason="x",
            person_informed_on=timezone.localdate(),
        )
    assert ProcessingRestriction.objects.get(person=case.person).lifted_at is None


def test_restricting_twice_and_a_future_information_date_are_refused(
    world: World, case: Case
) -> None:
    _restrict(world, case)
    with pytest.raises(ValidationError):
        _restrict(world, case, Role.CASE_MANAGER)
    with pytest.raises(ValidationError):
        restriction_lift(
            actor=world.actor(Role.CASE_MANAGER),
            case=case,
            reason="x",
            person_informed_on=timezone.localdate() + timedelta(days=1),
        )
    assert ProcessingRestriction.objects.filter(person=case.person).count() == 1
    assert case.is_restricted


# --- what it stops ---------------------------------------------------------------------------


def test_no_edit_of_the_person_or_the_case(world: World, case: Case) -> None:
    _restrict(world, case)
    manager = world.actor(Role.CASE_MANAGER)
    with pytest.raises(PermissionDenied):
        services.person_update(
            actor=manager,
            case=case,
            expected_version=case.person.version,
            identity={"date_of_birth": date(2001, 2, 4)},
        )
    with pytest.raises(PermissionDenied):
        services.note_add(actor=manager, case=case, text="New fact", visibility="case")
    assert not CaseNote.objects.filter(case=case).exists()
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:person_edit", args=[case.public_id]), {}
    )
    assert response.status_code == 403


def test_no_close_reopen_or_delete(world: World, case: Case) -> None:
    _restrict(world, case)
    manager = world.actor(Role.CASE_MANAGER)
    assert not case_permissions(manager, case).can_close
    assert not can(manager, Action.CASE_DELETE, case)


def test_no_new_sharing_or_referral(world: World, case: Case) -> None:
    _restrict(world, case)
    manager = world.actor(Role.CASE_MANAGER)
    with pytest.raises(PermissionDenied):
        participant_add(actor=manager, case=case, organisation=world.agency_c)
    with pytest.raises(PermissionDenied):
        referral_send_national(
            actor=manager,
            case=case,
            receiver=world.agency_c,
            reason="Shelter",
            service_type="shelter",
        )
    assert not case.participants.filter(organisation=world.agency_c).exists()


def test_no_export_of_an_earlier_referral(world: World, case: Case) -> None:
    from opentrm.referrals.services.export import referral_export

    manager = world.actor(Role.CASE_MANAGER)
    referral = referral_send_national(
        actor=manager, case=case, receiver=world.agency_c, reason="Shelter", service_type="shelter"
    )
    _restrict(world, case)
    referral.refresh_from_db()
    with pytest.raises(PermissionDenied):
        referral_export(
            actor=manager, referral=referral, password="x" * 16, password_again="x" * 16
        )


def test_no_identity_resolution_proposal_either_way(world: World, case: Case) -> None:
    other = new_case(world, "Fictiva Restricta", role=Role.CASE_MANAGER, interpreter=False)
    query = PersonData(names=("Fictiva Restricta",))
    manager = world.actor(Role.CASE_MANAGER)
    assert {c.case for c in find_candidates(query, manager)} == {case, other}
    _restrict(world, case)
    assert [c.case for c in find_candidates(query, manager)] == [other]
    assert find_candidates(query, manager, exclude_person_id=case.person_id) == []


# --- what stays --------------------------------------------------------------------------------


def test_the_controller_still_reads_and_prints_the_subject_access_report(
    world: World, case: Case
) -> None:
    _restrict(world, case)
    client = browser(world, Role.CASEWORKER)
    assert client.get(reverse("cases:case_detail", args=[case.public_id])).status_code == 200
    manager = world.actor(Role.CASE_MANAGER)
    assert group_access(manager, case, FieldGroup.HEALTH) == Access.VIEW
    page = browser(world, Role.DATA_PROTECTION_OFFICER).get(
        reverse("dataprotection:restriction", args=[case.public_id])
    )
    assert page.status_code == 200
    assert "Contests her birth date" in page.content.decode()
    assert AuditEvent.objects.filter(event_type="PROCESSING_RESTRICTION_VIEWED").exists()


def test_another_organisation_reads_only_what_legal_claims_need(world: World, case: Case) -> None:
    """Agency C on the case, with identity, assistance and proceedings shared by consent and an
    agreement in force, keeps identity and proceedings while the restriction lasts."""
    from conftest import make_member
    from opentrm.accounts.policy import Actor
    from opentrm.agreements.tests.factories import make_agreement
    from opentrm.cases.tests.factories import record_consent

    manager = world.actor(Role.CASE_MANAGER)
    participant_add(actor=manager, case=case, organisation=world.agency_c)
    record_consent(manager, case, "share_data", "Told about C", to=world.agency_c)
    shared = [FieldGroup.IDENTITY, FieldGroup.ASSISTANCE, FieldGroup.PROCEEDINGS]
    make_agreement(
        world, others=[world.agency_c], flows={(world.agency_a, world.agency_c): shared}, sign=True
    )
    membership = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    member_c = Actor(user=membership.user, membership=membership)
    assert group_access(member_c, case, FieldGroup.ASSISTANCE) >= Access.VIEW
    _restrict(world, case)
    case = Case.objects.select_related("person").get(pk=case.pk)  # a new request
    assert group_access(member_c, case, FieldGroup.ASSISTANCE) == Access.NONE
    assert group_access(member_c, case, FieldGroup.IDENTITY) == Access.VIEW
    assert group_access(member_c, case, FieldGroup.PROCEEDINGS) == Access.VIEW


def test_a_package_queued_before_the_restriction_is_held_not_sent(world: World, case: Case) -> None:
    """Art. 18(2) covers a transmission under way: a package of the person's referral queued
    before the restriction (or retried later as a dead letter) is held when the worker would
    send it: a dead letter with its reason, never sealed or posted."""
    from django.db import transaction

    from opentrm.exchange import outbox
    from opentrm.exchange.models import OutboxMessage, OutboxStatus
    from opentrm.exchange.services.delivery import deliver_due
    from tests.exchange.fakes import fictional_peer

    referral = referral_send_national(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        receiver=world.agency_c,
        reason="Shelter",
        service_type="shelter",
    )
    peer = fictional_peer("https://ro.example.test/")
    with transaction.atomic():
        queued = outbox.enqueue(
            peer=peer, type="ping", body={"nonce": "before"}, referral_id=referral.pk
        )
    _restrict(world, case)
    summary = deliver_due()
    queued.refresh_from_db()
    assert (summary.picked, summary.dead) == (1, 1)
    assert queued.status == OutboxStatus.DEAD
    assert queued.last_error == "held:processing_restricted"
    assert queued.sealed == ""  # never sealed, so never posted
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 0


def test_a_restriction_needs_a_ground_and_a_reason_and_lifting_one_needs_one_in_force(
    world: World, case: Case
) -> None:
    dpo = world.actor(Role.DATA_PROTECTION_OFFICER)
    with pytest.raises(ValidationError) as no_ground:
        restriction_set(actor=dpo, case=case, ground="whim", reason="Contests her birth date")
    assert "ground" in no_ground.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        restriction_set(actor=dpo, case=case, ground="accuracy", reason="  ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as nothing_to_lift:
        restriction_lift(
            actor=dpo, case=case, reason="Corrected", person_informed_on=timezone.localdate()
        )
    assert nothing_to_lift.value.message_dict == {
        "__all__": ["No restriction of processing is in force."]
    }
    assert not ProcessingRestriction.objects.filter(person=case.person).exists()
    assert not _restricted(case)


def test_lifting_needs_a_reason_and_the_date_the_person_was_told(world: World, case: Case) -> None:
    _restrict(world, case)
    with pytest.raises(ValidationError) as refused:
        restriction_lift(
            actor=world.actor(Role.CASE_MANAGER), case=case, reason=" ", person_informed_on=None
        )
    assert set(refused.value.message_dict) == {"reason", "person_informed_on"}
    assert ProcessingRestriction.objects.get(person=case.person).lifted_at is None
    assert _restricted(case)
