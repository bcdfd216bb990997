"""A country's template profile: removing what it added, switching shipped fields off and on
again; each change audited with the profile's new version, each refusal with a message on the
field and nothing changed."""

from collections.abc import Callable
from typing import Protocol

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import TemplateProfile
from opentrm.referrals.services import profiles
from opentrm.referrals.services.transnational.definition import own_definition
from opentrm.referrals.template import loader
from opentrm.referrals.tests.test_profiles import add, coordinator


def _version(actor: Actor) -> int:
    profile = profiles.profile_of(actor.country_id)
    return profile.version if profile else 0


def _last_change() -> dict[str, object]:
    event = AuditEvent.objects.filter(event_type=EventType.REFERRAL_SETTINGS_CHANGED).latest(
        "sequence"
    )
    detail: dict[str, object] = event.detail
    return detail


def _snapshot() -> tuple[object, ...]:
    return (
        list(TemplateProfile.objects.values_list("version", "added_fields", "disabled_fields")),
        AuditEvent.objects.count(),
    )


def _assert_refused(call: Callable[[], object], field: str, contains: str) -> None:
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        call()
    assert any(contains in message for message in caught.value.message_dict[field])
    assert _snapshot() == before


class CodeChange(Protocol):
    def __call__(self, *, actor: Actor, expected_version: int, code: str) -> TemplateProfile: ...


def _code_refused(change: CodeChange, actor: Actor, version: int, code: str, why: str) -> None:
    _assert_refused(lambda: change(actor=actor, expected_version=version, code=code), "code", why)


def test_a_country_removes_a_field_it_added_and_the_change_is_audited(world: World) -> None:
    actor = coordinator(world)
    add(actor)

    profile = profiles.profile_remove_added_field(
        actor=actor, expected_version=1, code="s1_1.al_social_card"
    )

    assert (profile.version, profile.added_fields) == (2, [])
    assert own_definition(actor).field("s1_1.al_social_card") is None
    assert _last_change() == {
        "setting": "template_profile",
        "country": "AL",
        "change": "remove_field",
        "field": "s1_1.al_social_card",
        "profile_version": 2,
    }


def test_a_field_the_country_did_not_add_cannot_be_removed(world: World) -> None:
    actor = coordinator(world)
    add(coordinator(world, "b"))  # Romania's own field

    _code_refused(
        profiles.profile_remove_added_field,
        actor,
        0,
        "s1_1.ro_social_card",
        "did not add this field",
    )


def test_a_field_switched_off_is_switched_on_again_once(world: World) -> None:
    actor = coordinator(world)
    profiles.profile_disable_field(actor=actor, expected_version=0, code="s1_1.marital_status")
    _code_refused(
        profiles.profile_disable_field, actor, 1, "s1_1.marital_status", "already switched off"
    )

    profile = profiles.profile_enable_field(
        actor=actor, expected_version=1, code="s1_1.marital_status"
    )

    assert (profile.version, profile.disabled_fields) == (2, [])
    assert own_definition(actor).field("s1_1.marital_status") is not None
    assert _last_change()["change"] == "enable_field"
    _code_refused(
        profiles.profile_enable_field, actor, 2, "s1_1.marital_status", "not switched off"
    )


def test_a_field_the_template_does_not_have_cannot_be_switched_off(world: World) -> None:
    _code_refused(
        profiles.profile_disable_field, coordinator(world), 0, "s1_1.shoe_size", "no such field"
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"label": "Card 100%"}, "label", "must not contain “%”"),
        ({"group": "finances"}, "group", "Unknown data category"),
    ],
)
def test_an_addition_with_a_bad_label_or_category_is_refused(
    world: World, values: dict[str, str], field: str, message: str
) -> None:
    good = {"name": "card", "label": "Card", "type": "text", "section": "s1_1"}

    _assert_refused(
        lambda: profiles.profile_add_field(
            actor=coordinator(world), expected_version=0, values=good | values
        ),
        field,
        message,
    )


def test_someone_without_an_organisation_sees_the_shipped_template(world: World) -> None:
    nobody = Actor(user=world.user(Role.CASE_MANAGER), membership=None)

    assert own_definition(nobody) == loader.load_template()
