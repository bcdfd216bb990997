"""One thing in a case, fetched the same way by the HTML views and the API, and the case rules
of the policy (docs/permissions.md, "One policy")."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import World
from opentrm.accounts.policy import Action, Actor, FieldGroup, can, registered_rules
from opentrm.accounts.roles import Role
from opentrm.cases.access import (
    access_case,
    assessment_permissions,
    case_permissions,
    organisation_groups,
    sharing_with,
)
from opentrm.cases.lookups import (
    access_assessment,
    access_consent,
    access_document,
    access_participant,
    access_plan,
    access_proceeding,
    access_service,
    access_task,
)
from opentrm.cases.models import (
    Assessment,
    AssessmentKind,
    Case,
    CaseDocument,
    CaseParticipant,
    Task,
)
from opentrm.cases.services import NameData, case_register


@pytest.fixture
def case(world: World) -> Case:
    return case_register(
        actor=world.actor(Role.CASE_MANAGER), names=[NameData(value="Ana Fictiva")]
    )


def _document(world: World, case: Case, *, group: str = "identity", org: str = "a") -> CaseDocument:
    return CaseDocument.objects.create(
        case=case,
        kind="other",
        field_group=group,
        title="Scan",
        file="documents/scan.pdf",
        original_name="scan.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        organisation=world.agency_a if org == "a" else world.agency_b,
        uploaded_by=world.user(Role.CASE_MANAGER),
    )


def _assessment(world: World, case: Case, *, org: str = "a") -> Assessment:
    return Assessment.objects.create(
        case=case,
        kind=AssessmentKind.values[0],
        assessed_on=date(2026, 1, 5),
        organisation=world.agency_a if org == "a" else world.agency_b,
        assessed_by=world.user(Role.CASE_MANAGER),
    )


def test_it_gives_a_document_of_a_group_the_actor_sees(world: World, case: Case) -> None:
    document = _document(world, case)
    found = access_document(world.actor(Role.CASEWORKER), case, str(document.public_id))
    assert found == document
    assert found.case is case


@pytest.mark.parametrize("document_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid"])
def test_it_answers_404_for_a_missing_or_malformed_document(
    world: World, case: Case, document_id: str
) -> None:
    with pytest.raises(Http404):
        access_document(world.actor(Role.CASEWORKER), case, document_id)


def test_it_refuses_a_document_of_a_group_the_role_does_not_see(world: World, case: Case) -> None:
    document = _document(world, case, group="health")
    with pytest.raises(PermissionDenied):
        access_document(world.actor(Role.PROSECUTOR), case, str(document.public_id))


def test_it_refuses_a_document_of_an_unknown_group(world: World, case: Case) -> None:
    document = _document(world, case, group="no-such-group")
    with pytest.raises(PermissionDenied):
        access_document(world.actor(Role.CASE_MANAGER), case, str(document.public_id))


def test_it_lets_only_the_adding_organisation_delete_a_document(world: World, case: Case) -> None:
    own = _document(world, case)
    other = _document(world, case, org="b")
    actor = world.actor(Role.CASE_MANAGER)
    assert access_document(actor, case, str(own.public_id), action="delete") == own
    with pytest.raises(PermissionDenied):
        access_document(actor, case, str(other.public_id), action="delete")


def test_it_lets_a_case_manager_name_the_case_manager_of_its_own_organisation_only(
    world: World, case: Case
) -> None:
    own = CaseParticipant.objects.get(case=case, organisation=world.agency_a)
    other = CaseParticipant.objects.create(case=case, organisation=world.agency_b)
    actor = world.actor(Role.CASE_MANAGER)
    assert access_participant(actor, case, own.pk, action="set_case_manager") == own
    assert access_participant(actor, case, other.pk) == other
    with pytest.raises(PermissionDenied):
        access_participant(actor, case, other.pk, action="set_case_manager")
    with pytest.raises(Http404):
        access_participant(actor, case, 0)


def test_it_lets_only_the_signing_organisation_change_an_assessment(
    world: World, case: Case
) -> None:
    own = _assessment(world, case)
    other = _assessment(world, case, org="b")
    actor = world.actor(Role.CASE_MANAGER)
    assert access_assessment(actor, case, own.pk, action="edit") == own
    assert access_assessment(actor, case, other.pk) == other
    with pytest.raises(PermissionDenied):
        access_assessment(actor, case, other.pk, action="edit")
    assert assessment_permissions(actor, case, own).can_edit
    assert not assessment_permissions(actor, case, other).can_edit


def test_it_refuses_assistance_data_before_looking_for_the_child(world: World, case: Case) -> None:
    prosecutor = world.actor(Role.PROSECUTOR)  # no access to the assistance group
    for fetch in (access_assessment, access_plan, access_service):
        with pytest.raises(PermissionDenied):
            fetch(prosecutor, case, 0)
    with pytest.raises(PermissionDenied):
        access_proceeding(world.actor(Role.INTERPRETER), case, 0)


def test_it_refuses_an_edit_to_a_role_that_only_views(world: World, case: Case) -> None:
    with pytest.raises(PermissionDenied):
        access_proceeding(world.actor(Role.CASEWORKER), case, 0, action="edit")


def test_it_answers_404_for_a_child_that_is_not_in_the_case(world: World, case: Case) -> None:
    actor = world.actor(Role.CASE_MANAGER)
    for fetch in (access_assessment, access_plan, access_service, access_proceeding):
        with pytest.raises(Http404):
            fetch(actor, case, 0, action="edit")
    with pytest.raises(Http404):
        access_consent(actor, case, 0)


def test_it_hides_another_organisations_task_as_if_missing(world: World, case: Case) -> None:
    own = Task.objects.create(
        case=case, organisation=world.agency_a, title="Call", due_on=date(2026, 1, 5)
    )
    other = Task.objects.create(
        case=case, organisation=world.agency_b, title="Call", due_on=date(2026, 1, 5)
    )
    actor = world.actor(Role.CASEWORKER)
    assert access_task(actor, case, own.pk) == own
    assert can(actor, Action.TASK_MANAGE, own)
    with pytest.raises(Http404):
        access_task(actor, case, other.pk)


def test_it_gives_the_owner_the_buttons_of_the_case_page(world: World, case: Case) -> None:
    perms = case_permissions(world.actor(Role.CASE_MANAGER), case)
    assert (perms.can_record_consent, perms.can_refer, perms.can_view_sharing) == (
        True,
        True,
        True,
    )
    outsider = case_permissions(world.actor(Role.CASE_MANAGER, org="b"), case)
    assert (outsider.can_record_consent, outsider.can_refer, outsider.can_view_sharing) == (
        False,
        False,
        False,
    )


def test_it_lets_only_the_owners_case_manager_delete_a_case(world: World, case: Case) -> None:
    assert can(world.actor(Role.CASE_MANAGER), Action.CASE_DELETE, case)
    assert not can(world.actor(Role.CASEWORKER), Action.CASE_DELETE, case)
    assert not can(world.actor(Role.CASE_MANAGER, org="b"), Action.CASE_DELETE, case)


def test_it_lets_nobody_without_a_membership_identify_formally(world: World, case: Case) -> None:
    nobody = Actor(user=world.user(Role.CASE_MANAGER), membership=None)
    assert not can(nobody, Action.IDENTIFICATION_FORMAL, case)
    assert can(world.actor(Role.POLICE_INVESTIGATOR), Action.IDENTIFICATION_FORMAL, case)
    assert not can(world.actor(Role.GUARDIAN), Action.IDENTIFICATION_FORMAL, case)


def test_it_refuses_deleting_a_visible_case_to_a_caseworker(world: World, case: Case) -> None:
    with pytest.raises(PermissionDenied):
        access_case(world.actor(Role.CASEWORKER), str(case.public_id), action="delete")
    assert access_case(world.actor(Role.CASE_MANAGER), str(case.public_id), action="delete") == case


def test_it_lets_the_owner_share_and_see_every_group_of_its_own_case(
    world: World, case: Case
) -> None:
    every = frozenset(FieldGroup)
    assert sharing_with(case, world.agency_a).groups == every
    assert organisation_groups(case, world.agency_a) == every


def test_it_knows_the_case_rules_once_django_has_started() -> None:
    rules = registered_rules()
    for key in [
        (Action.CASE_DELETE, Case),
        (Action.DOCUMENT_VIEW, CaseDocument),
        (Action.TASK_MANAGE, Task),
        (Action.HEALTH_EDIT, Case),
    ]:
        assert key in rules
