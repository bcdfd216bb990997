import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import World, make_member
from opentrm.accounts.models import Membership
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.accounts.tests.factories import browser, member_actor, user_browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant
from opentrm.cases.services import (
    participant_add,
    participant_remove,
    participant_set_case_manager,
)
from opentrm.cases.tests.factories import new_case, share_identity_with_c

NAME = "Mira Fictiva"


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, NAME, role=Role.CASE_MANAGER)


@pytest.fixture
def c_members(world: World) -> dict[Role, Membership]:
    """Agency C (an NGO in the owner's country) with a case manager and a caseworker."""
    return {
        role: make_member(world.agency_c, role, f"c_{role.value}")
        for role in (Role.CASE_MANAGER, Role.CASEWORKER, Role.INTERPRETER)
    }


def _detail(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.public_id])


def test_an_added_organisation_sees_the_case_and_a_removed_one_no_longer(
    world: World, case: Case, c_members: dict[Role, Membership]
) -> None:
    c_worker = user_browser(c_members[Role.CASEWORKER].user)
    assert c_worker.get(_detail(case)).status_code == 404
    assert not Case.objects.visible_to(member_actor(c_members[Role.CASEWORKER])).exists()

    url = reverse("cases:participant_add", args=[case.public_id])
    manager = browser(world, Role.CASE_MANAGER)
    assert manager.get(url).status_code == 200
    assert manager.post(url, {"organisation": world.agency_c.pk}).status_code == 302
    assert Case.objects.visible_to(member_actor(c_members[Role.CASEWORKER])).get() == case
    # Agency C sees the case; the person's data only once the owner may share it with C.
    seen = c_worker.get(_detail(case))
    assert seen.status_code == 200
    assert case.number in seen.content.decode()
    assert NAME not in seen.content.decode()
    share_identity_with_c(
        world, case, Role.CASE_MANAGER, "Who will see which data, why, and the risks."
    )
    assert NAME in c_worker.get(_detail(case)).content.decode()
    event = AuditEvent.objects.get(event_type=EventType.PARTICIPANT_ADDED)
    assert event.detail == {"case_id": case.pk, "organisation_id": world.agency_c.pk}
    page = manager.get(_detail(case)).content.decode()
    assert "Agency C Outsider NGO" in page
    assert "Organisations on the case" in page

    participant = CaseParticipant.objects.get(case=case, organisation=world.agency_c)
    remove = reverse("cases:participant_remove", args=[case.public_id, participant.pk])
    assert manager.post(remove).status_code == 302
    participant.refresh_from_db()
    assert participant.is_active is False
    assert c_worker.get(_detail(case)).status_code == 404
    assert AuditEvent.objects.filter(event_type=EventType.PARTICIPANT_REMOVED).exists()
    # ... and can be added again.
    participant_add(actor=world.actor(Role.CASE_MANAGER), case=case, organisation=world.agency_c)
    assert c_worker.get(_detail(case)).status_code == 200


def test_only_organisations_of_the_owners_country_are_added(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as error:
        participant_add(
            actor=world.actor(Role.CASE_MANAGER), case=case, organisation=world.agency_b
        )
    assert "referral" in error.value.message_dict["organisation"][0]
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:participant_add", args=[case.public_id]),
        {"organisation": world.agency_b.pk},
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    with pytest.raises(ValidationError):  # already there
        participant_add(
            actor=world.actor(Role.CASE_MANAGER), case=case, organisation=world.agency_a
        )
    assert CaseParticipant.objects.filter(case=case).count() == 1


def test_only_case_managers_of_the_owner_add_and_remove(
    world: World, case: Case, c_members: dict[Role, Membership]
) -> None:
    url = reverse("cases:participant_add", args=[case.public_id])
    assert browser(world, Role.CASEWORKER).get(url).status_code == 403
    assert browser(world, Role.CASE_MANAGER, org="b").get(url).status_code == 404
    participant = participant_add(
        actor=world.actor(Role.CASE_MANAGER), case=case, organisation=world.agency_c
    )
    # Agency C's case manager takes part but does not own the case.
    c_manager = user_browser(c_members[Role.CASE_MANAGER].user)
    assert c_manager.get(url).status_code == 403
    remove = reverse("cases:participant_remove", args=[case.public_id, participant.pk])
    assert c_manager.post(remove).status_code == 403
    with pytest.raises(PermissionDenied):
        participant_remove(actor=world.actor(Role.CASEWORKER), participant=participant)
    owner = CaseParticipant.objects.get(case=case, organisation=world.agency_a)
    with pytest.raises(ValidationError):
        participant_remove(actor=world.actor(Role.CASE_MANAGER), participant=owner)
    owner.refresh_from_db()
    assert owner.is_active


def test_each_organisation_names_its_own_case_manager(
    world: World, case: Case, c_members: dict[Role, Membership]
) -> None:
    participant = participant_add(
        actor=world.actor(Role.CASE_MANAGER), case=case, organisation=world.agency_c
    )
    url = reverse("cases:participant_case_manager", args=[case.public_id, participant.pk])
    c_manager = user_browser(c_members[Role.CASE_MANAGER].user)
    assert c_manager.get(url).status_code == 200
    # A user of another organisation is refused on the field.
    response = c_manager.post(url, {"case_manager": world.user(Role.CASEWORKER).pk})
    assert response.status_code == 200
    assert "case_manager" in response.context["form"].errors
    with pytest.raises(ValidationError):
        participant_set_case_manager(
            actor=member_actor(c_members[Role.CASE_MANAGER]),
            participant=participant,
            case_manager=world.user(Role.CASEWORKER),
        )
    # The interpreter reads, and does not coordinate.
    with pytest.raises(ValidationError):
        participant_set_case_manager(
            actor=member_actor(c_members[Role.CASE_MANAGER]),
            participant=participant,
            case_manager=c_members[Role.INTERPRETER].user,
        )
    c_worker = c_members[Role.CASEWORKER].user
    assert c_manager.post(url, {"case_manager": c_worker.pk}).status_code == 302
    participant.refresh_from_db()
    assert participant.case_manager == c_worker
    event = AuditEvent.objects.get(event_type=EventType.PARTICIPANT_CHANGED)
    assert event.changed_fields == ["case_manager"]
    # Agency A's case manager does not name agency C's.
    assert browser(world, Role.CASE_MANAGER).get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        participant_set_case_manager(
            actor=world.actor(Role.CASE_MANAGER), participant=participant, case_manager=None
        )


def test_the_api_lists_adds_and_names_case_managers(
    world: World, case: Case, c_members: dict[Role, Membership]
) -> None:
    _token, secret = api_token_create(actor=world.actor(Role.CASE_MANAGER), name="test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = f"/api/v1/cases/{case.public_id}/participants"
    refused = client.post(
        base, json.dumps({"organisation_id": world.agency_b.pk}), content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "organisation_id"
    added = client.post(
        base, json.dumps({"organisation_id": world.agency_c.pk}), content_type="application/json"
    )
    assert added.status_code == 201
    listed = client.get(base).json()
    assert [(p["organisation_id"], p["is_owner"]) for p in listed] == [
        (world.agency_a.pk, True),
        (world.agency_c.pk, False),
    ]
    owner_id = listed[0]["id"]
    named = client.post(
        f"{base}/{owner_id}/case-manager",
        json.dumps({"case_manager_id": world.user(Role.CASEWORKER).pk}),
        content_type="application/json",
    )
    assert named.status_code == 200
    assert named.json()["case_manager_id"] == world.user(Role.CASEWORKER).pk
    stranger = client.post(
        f"{base}/{owner_id}/case-manager",
        json.dumps({"case_manager_id": c_members[Role.CASEWORKER].user.pk}),
        content_type="application/json",
    )
    assert stranger.status_code == 422
