"""Four-eyes for role grants above a caseworker's (docs/permissions.md "Role grants")."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from conftest import World, make_member
from opentrm.accounts import services
from opentrm.accounts.models import Membership, RoleGrant, RoleGrantStatus
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import ROLE_RANK, Role, needs_second_administrator
from opentrm.accounts.tests.factories import member_browser, post_new_member
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent

SHADOW_PASSWORD = "a fine long initial password"


@pytest.fixture
def second_admin(world: World) -> Membership:
    return make_member(world.agency_a, Role.SYSTEM_ADMINISTRATOR, "a_admin_two")


def _create(client: Client, username: str, role: Role) -> None:
    response = post_new_member(
        client,
        username,
        "Shadow Officer",
        f"{username}@example.test",
        role=role,
        password=SHADOW_PASSWORD,
    )
    assert response.status_code == 302


def test_it_gives_a_shadow_case_manager_no_access_until_a_second_admin_approves(
    world: World, second_admin: Membership
) -> None:
    admin = member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR])
    _create(admin, "shadow_cm", Role.CASE_MANAGER)
    # The administrator logs in as the account she just made: it opens nothing.
    shadow = Client()
    assert (
        shadow.post(
            reverse("accounts:login"), {"username": "shadow_cm", "password": SHADOW_PASSWORD}
        ).status_code
        == 302
    )
    assert shadow.get(reverse("directory:home")).status_code == 403
    assert shadow.get(reverse("cases:case_list")).status_code == 403
    grant = RoleGrant.objects.get(membership__user__username="shadow_cm")
    assert grant.status == RoleGrantStatus.PENDING
    # The second administrator approves: now the case manager works.
    response = member_browser(second_admin).post(
        reverse("accounts:role_grant_approve", args=[grant.pk])
    )
    assert response.status_code == 302
    assert shadow.get(reverse("cases:case_list")).status_code == 200


def test_it_refuses_an_administrator_approving_her_own_grant(world: World) -> None:
    admin_membership = world.members_a[Role.SYSTEM_ADMINISTRATOR]
    admin = member_browser(admin_membership)
    _create(admin, "shadow_cm", Role.CASE_MANAGER)
    grant = RoleGrant.objects.get()
    assert admin.post(reverse("accounts:role_grant_approve", args=[grant.pk])).status_code == 403
    grant.refresh_from_db()
    assert grant.status == RoleGrantStatus.PENDING
    assert not Membership.objects.get(user__username="shadow_cm").is_active
    with pytest.raises(PermissionDenied):
        services.role_grant_approve(
            actor=Actor(user=admin_membership.user, membership=admin_membership), grant=grant
        )


def test_it_records_both_administrators_on_approval(world: World, second_admin: Membership) -> None:
    _create(
        member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR]),
        "new_dpo",
        Role.DATA_PROTECTION_OFFICER,
    )
    grant = RoleGrant.objects.get()
    member_browser(second_admin).post(reverse("accounts:role_grant_approve", args=[grant.pk]))
    requested = AuditEvent.objects.get(event_type=EventType.ROLE_GRANT_REQUESTED)
    assert requested.actor_label == "a_system_administrator"
    approved = AuditEvent.objects.get(event_type=EventType.ROLE_GRANT_APPROVED)
    assert approved.actor_label == "a_admin_two"
    assert approved.detail["requested_by"] == "a_system_administrator"
    assert approved.detail["approved_by"] == "a_admin_two"
    assert approved.detail["role"] == Role.DATA_PROTECTION_OFFICER
    grant.refresh_from_db()
    assert (grant.status, grant.decided_by_id) == (RoleGrantStatus.APPROVED, second_admin.user_id)


def test_it_keeps_the_old_role_until_a_raise_is_approved(
    world: World, second_admin: Membership
) -> None:
    target = world.members_a[Role.CASEWORKER]
    admin = member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR])
    response = admin.post(
        reverse("accounts:member_change", args=[target.pk]),
        {"role": Role.CASE_MANAGER, "is_active": "on"},
        follow=True,
    )
    assert "second administrator" in response.content.decode()
    target.refresh_from_db()
    assert (target.role, target.is_active) == (Role.CASEWORKER, True)  # still a caseworker
    grant = RoleGrant.objects.get(membership=target)
    member_browser(second_admin).post(reverse("accounts:role_grant_approve", args=[grant.pk]))
    target.refresh_from_db()
    assert target.role == Role.CASE_MANAGER


def test_it_needs_approval_to_reactivate_an_ended_case_manager(world: World) -> None:
    target = world.members_a[Role.CASE_MANAGER]
    admin = member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR])
    admin.post(reverse("accounts:member_change", args=[target.pk]), {"role": Role.CASE_MANAGER})
    target.refresh_from_db()
    assert not target.is_active
    admin.post(
        reverse("accounts:member_change", args=[target.pk]),
        {"role": Role.CASE_MANAGER, "is_active": "on"},
    )
    target.refresh_from_db()
    assert not target.is_active
    assert RoleGrant.objects.filter(membership=target, status=RoleGrantStatus.PENDING).exists()


def test_it_grants_a_caseworker_and_lowering_or_ending_at_once(world: World) -> None:
    admin = member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR])
    _create(admin, "new_worker", Role.CASEWORKER)
    assert Membership.objects.get(user__username="new_worker").is_active
    target = world.members_a[Role.PROSECUTOR]
    admin.post(
        reverse("accounts:member_change", args=[target.pk]),
        {"role": Role.INTERPRETER, "is_active": "on"},
    )
    target.refresh_from_db()
    assert target.role == Role.INTERPRETER
    assert not RoleGrant.objects.exists()


def test_it_withdraws_a_pending_raise_when_the_membership_ends(world: World) -> None:
    target = world.members_a[Role.CASEWORKER]
    admin = member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR])
    url = reverse("accounts:member_change", args=[target.pk])
    admin.post(url, {"role": Role.CASE_MANAGER, "is_active": "on"})
    admin.post(url, {"role": Role.CASEWORKER})
    assert RoleGrant.objects.get().status == RoleGrantStatus.WITHDRAWN


def test_it_lets_another_administrator_refuse_and_the_requester_withdraw(
    world: World, second_admin: Membership
) -> None:
    admin = member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR])
    _create(admin, "shadow_one", Role.CASE_MANAGER)
    _create(admin, "shadow_two", Role.GUARDIAN)
    one = RoleGrant.objects.get(membership__user__username="shadow_one")
    two = RoleGrant.objects.get(membership__user__username="shadow_two")
    member_browser(second_admin).post(reverse("accounts:role_grant_refuse", args=[one.pk]))
    admin.post(reverse("accounts:role_grant_refuse", args=[two.pk]))
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == (RoleGrantStatus.REFUSED, RoleGrantStatus.WITHDRAWN)
    assert not Membership.objects.filter(user__username__startswith="shadow", is_active=True)
    assert AuditEvent.objects.filter(event_type=EventType.ROLE_GRANT_REFUSED).count() == 2


def test_it_hides_a_grant_from_administrators_of_other_organisations(world: World) -> None:
    _create(
        member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR]), "shadow_cm", Role.CASE_MANAGER
    )
    grant = RoleGrant.objects.get()
    other = make_member(world.agency_c, Role.SYSTEM_ADMINISTRATOR, "c_admin")
    assert (
        member_browser(other)
        .post(reverse("accounts:role_grant_approve", args=[grant.pk]))
        .status_code
        == 404
    )
    foreign = member_browser(world.members_b[Role.SYSTEM_ADMINISTRATOR])
    assert foreign.post(reverse("accounts:role_grant_approve", args=[grant.pk])).status_code == 404
    assert RoleGrant.objects.get().status == RoleGrantStatus.PENDING


def test_it_never_lets_an_administrator_approve_a_raise_of_her_own_membership(
    world: World, second_admin: Membership
) -> None:
    # The second administrator asks to make the first one a data-protection officer as well...
    first = world.members_a[Role.SYSTEM_ADMINISTRATOR]
    member_browser(second_admin).post(
        reverse("accounts:member_change", args=[first.pk]),
        {"role": Role.DATA_PROTECTION_OFFICER, "is_active": "on"},
    )
    grant = RoleGrant.objects.get()
    # ...and the first may not approve what concerns herself.
    assert (
        member_browser(first)
        .post(reverse("accounts:role_grant_approve", args=[grant.pk]))
        .status_code
        == 403
    )
    first.refresh_from_db()
    assert first.role == Role.SYSTEM_ADMINISTRATOR


def test_it_shows_pending_grants_on_the_members_page(
    world: World, second_admin: Membership
) -> None:
    admin = member_browser(world.members_a[Role.SYSTEM_ADMINISTRATOR])
    _create(admin, "shadow_cm", Role.CASE_MANAGER)
    grant = RoleGrant.objects.get()
    own = admin.get(reverse("accounts:member_list")).content.decode()
    assert "shadow_cm" in own
    assert reverse("accounts:role_grant_approve", args=[grant.pk]) not in own
    other = member_browser(second_admin).get(reverse("accounts:member_list")).content.decode()
    assert reverse("accounts:role_grant_approve", args=[grant.pk]) in other


def test_it_lets_the_operator_create_an_administrator_at_once_and_audits_it(world: World) -> None:
    membership = services.member_create_by_operator(
        username="first_admin",
        full_name="First Admin",
        email="first.admin@example.test",
        organisation_id=world.agency_c.pk,
        role=Role.SYSTEM_ADMINISTRATOR,
        password=SHADOW_PASSWORD,
    )
    assert membership.is_active
    assert not RoleGrant.objects.exists()
    event = AuditEvent.objects.get(
        event_type=EventType.MEMBERSHIP_CREATED, target_id=str(membership.pk)
    )
    assert event.detail == {"role": "system_administrator", "via": "command"}


def test_it_ranks_every_role_explicitly() -> None:
    assert set(ROLE_RANK) == set(Role)
    assert not needs_second_administrator(Role.CASEWORKER)
    assert not needs_second_administrator(Role.INTERPRETER)
    assert not needs_second_administrator(Role.STATISTICIAN)
    assert needs_second_administrator(Role.CASE_MANAGER)
    assert needs_second_administrator(Role.SYSTEM_ADMINISTRATOR)
    assert needs_second_administrator(Role.DIRECTORY_EDITOR)


def test_it_refuses_in_the_database_a_grant_approved_by_its_requester(world: World) -> None:
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    admin = world.user(Role.SYSTEM_ADMINISTRATOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(
            membership=world.members_a[Role.CASEWORKER],
            role=Role.CASE_MANAGER,
            requested_by=admin,
            status=RoleGrantStatus.APPROVED,
            decided_by=admin,
            decided_at=timezone.now(),
        )
