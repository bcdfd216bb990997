"""``can`` / ``require`` and the object rules the apps register (docs/permissions.md, "One
policy")."""

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from conftest import World
from opentrm.accounts.models import RoleGrant
from opentrm.accounts.policy import (
    Action,
    Actor,
    can,
    membership_permissions,
    registered_rules,
    require,
    role_grant_permissions,
    rule,
)
from opentrm.accounts.roles import Role


def test_it_answers_without_an_object_from_the_role_matrix(world: World) -> None:
    assert can(world.actor(Role.CASE_MANAGER), Action.CASE_DELETE)
    assert not can(world.actor(Role.CASEWORKER), Action.CASE_DELETE)


def test_it_refuses_nobody_acting(world: World) -> None:
    assert not can(None, Action.DIRECTORY_VIEW)
    with pytest.raises(PermissionDenied):
        require(None, Action.DIRECTORY_VIEW)


def test_it_answers_no_for_an_object_only_action_without_an_object(world: World) -> None:
    assert not can(world.actor(Role.CASE_MANAGER), Action.HEALTH_EDIT)


def test_it_returns_the_actor_it_lets_through(world: World) -> None:
    actor = world.actor(Role.CASEWORKER)
    assert require(actor, Action.CASE_VIEW) is actor


def test_it_refuses_with_403_when_the_rule_on_the_object_says_no(world: World) -> None:
    class Thing:
        def __init__(self, organisation_id: int) -> None:
            self.organisation_id = organisation_id

    rule(Action.NOTE_DELETE, Thing)(
        lambda actor, thing: actor.organisation_id == thing.organisation_id
    )
    actor = world.actor(Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        require(actor, Action.NOTE_DELETE, Thing(world.agency_b.pk))
    assert require(actor, Action.NOTE_DELETE, Thing(world.agency_a.pk)) is actor
    assert (Action.NOTE_DELETE, Thing) in registered_rules()


def test_it_treats_an_object_without_a_rule_as_a_programming_error(world: World) -> None:
    with pytest.raises(LookupError):
        can(world.actor(Role.CASE_MANAGER), Action.CASE_DELETE, object())


def test_it_refuses_a_second_rule_for_the_same_action_and_type() -> None:
    class Thing:
        pass

    rule(Action.CASE_DELETE, Thing)(lambda actor, thing: True)
    with pytest.raises(ImproperlyConfigured):
        rule(Action.CASE_DELETE, Thing)(lambda actor, thing: False)


def test_it_finds_the_rule_of_a_base_class(world: World) -> None:
    class Thing:
        pass

    class SpecialThing(Thing):
        pass

    rule(Action.CASE_DELETE, Thing)(lambda actor, thing: actor.organisation_id is not None)
    assert can(world.actor(Role.CASEWORKER), Action.CASE_DELETE, SpecialThing())


def test_it_lets_an_administrator_change_other_members_but_not_herself(world: World) -> None:
    admin = world.actor(Role.SYSTEM_ADMINISTRATOR)
    assert admin.membership is not None
    assert not membership_permissions(admin, admin.membership).can_change
    assert membership_permissions(admin, world.members_a[Role.CASEWORKER]).can_change


def test_it_lets_the_requester_withdraw_and_another_administrator_approve(world: World) -> None:
    admin = world.actor(Role.SYSTEM_ADMINISTRATOR)
    grant = RoleGrant(
        membership=world.members_a[Role.CASEWORKER],
        role=Role.CASE_MANAGER,
        requested_by=world.user(Role.SYSTEM_ADMINISTRATOR),
    )
    own = role_grant_permissions(admin, grant)
    assert (own.can_approve, own.can_refuse, own.withdraws) == (False, True, True)
    other = role_grant_permissions(world.actor(Role.CASE_MANAGER), grant)
    assert (other.can_approve, other.can_refuse, other.withdraws) == (False, False, False)


def test_it_gives_no_field_group_to_someone_acting_for_no_organisation(world: World) -> None:
    nobody = Actor(user=world.user(Role.CASE_MANAGER), membership=None)
    assert nobody.visible_field_groups() == frozenset()


def test_only_an_organisation_decides_and_signs_what_leaves_it(world: World) -> None:
    own, other = world.agency_a.pk, world.agency_b.pk
    manager = world.actor(Role.CASE_MANAGER)
    assert manager.may_approve_flows_from(own)
    assert manager.may_sign_for(own)
    assert not manager.may_approve_flows_from(other)
    assert not manager.may_sign_for(other)
    caseworker = world.actor(Role.CASEWORKER)
    assert not caseworker.may_approve_flows_from(own)


def test_a_directory_editor_edits_only_the_directory_of_their_own_country(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    assert editor.may_edit_directory_of(world.country_a.pk)
    assert not editor.may_edit_directory_of(world.country_b.pk)
    assert not world.actor(Role.CASEWORKER).may_edit_directory_of(world.country_a.pk)
