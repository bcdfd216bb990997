"""The accounts services called directly: the refusals and no-ops the pages never reach."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import World
from opentrm.accounts import services
from opentrm.accounts.models import RoleGrant, RoleGrantStatus
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent


def _raise_caseworker(world: World, role: Role = Role.CASE_MANAGER) -> RoleGrant:
    services.membership_change(
        actor=world.actor(Role.SYSTEM_ADMINISTRATOR),
        membership=world.members_a[Role.CASEWORKER],
        role=role,
        is_active=True,
    )
    return RoleGrant.objects.get(status=RoleGrantStatus.PENDING)


def test_it_refuses_a_membership_change_by_an_administrator_of_another_organisation(
    world: World,
) -> None:
    with pytest.raises(PermissionDenied):
        services.membership_change(
            actor=world.actor(Role.SYSTEM_ADMINISTRATOR, org="b"),
            membership=world.members_a[Role.CASEWORKER],
            role=Role.INTERPRETER,
            is_active=True,
        )
    assert world.members_a[Role.CASEWORKER].role == Role.CASEWORKER


def test_it_keeps_one_pending_request_when_the_same_raise_is_asked_again(world: World) -> None:
    first = _raise_caseworker(world)

    again = _raise_caseworker(world)

    assert again.pk == first.pk
    assert AuditEvent.objects.filter(event_type=EventType.ROLE_GRANT_REQUESTED).count() == 1


def test_it_withdraws_the_pending_request_when_another_raise_is_asked(world: World) -> None:
    first = _raise_caseworker(world, Role.CASE_MANAGER)

    second = _raise_caseworker(world, Role.PROSECUTOR)

    first.refresh_from_db()
    assert first.status == RoleGrantStatus.WITHDRAWN
    assert (second.role, second.status) == (Role.PROSECUTOR, RoleGrantStatus.PENDING)


def test_it_writes_nothing_when_a_membership_change_changes_nothing(world: World) -> None:
    membership = world.members_a[Role.CASEWORKER]
    before = AuditEvent.objects.count()

    services.membership_change(
        actor=world.actor(Role.SYSTEM_ADMINISTRATOR),
        membership=membership,
        role=Role.CASEWORKER,
        is_active=True,
    )

    assert AuditEvent.objects.count() == before


def test_it_refuses_to_decide_a_grant_twice(world: World) -> None:
    grant = _raise_caseworker(world)
    services.role_grant_refuse(actor=world.actor(Role.SYSTEM_ADMINISTRATOR), grant=grant)

    with pytest.raises(ValidationError):
        services.role_grant_refuse(actor=world.actor(Role.SYSTEM_ADMINISTRATOR), grant=grant)


def test_it_refuses_deciding_a_grant_to_an_administrator_of_another_organisation(
    world: World,
) -> None:
    grant = _raise_caseworker(world)
    outsider = world.actor(Role.SYSTEM_ADMINISTRATOR, org="b")

    with pytest.raises(PermissionDenied):
        services.role_grant_approve(actor=outsider, grant=grant)
    with pytest.raises(PermissionDenied):
        services.role_grant_refuse(actor=outsider, grant=grant)
    grant.refresh_from_db()
    assert grant.status == RoleGrantStatus.PENDING


@pytest.mark.parametrize("days", [-1, 367])
def test_it_refuses_a_token_lifetime_outside_one_to_366_days(world: World, days: int) -> None:
    with pytest.raises(ValidationError) as refused:
        services.api_token_create(actor=world.actor(Role.CASEWORKER), name="t", days=days)
    assert "days" in refused.value.message_dict


def test_it_refuses_revoking_another_users_token(world: World) -> None:
    token, _secret = services.api_token_create(actor=world.actor(Role.CASEWORKER), name="t")

    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=world.actor(Role.CASE_MANAGER), token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_keeps_the_first_revocation_when_a_token_is_revoked_twice(world: World) -> None:
    actor = world.actor(Role.CASEWORKER)
    token, _secret = services.api_token_create(actor=actor, name="t")
    revoked_at = services.api_token_revoke(actor=actor, token=token).revoked_at

    again = services.api_token_revoke(actor=actor, token=token)

    assert again.revoked_at == revoked_at
    assert AuditEvent.objects.filter(event_type=EventType.API_TOKEN_REVOKED).count() == 1
