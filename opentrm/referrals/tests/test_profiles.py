"""Per-country template profiles: adding and switching off fields, never one the law requires;
versions on every instance; the receiver renders unknown fields and marks missing ones."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import Referral, TemplateInstance, TemplateProfile
from opentrm.referrals.services import profiles
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.tests.test_template import create, receiver, send, setup, step


def coordinator(world: World, org: str = "a") -> Actor:
    return world.actor(Role.NATIONAL_COORDINATOR, org=org)


def add(actor: Actor, section: str = "s1_1", name: str = "social_card") -> TemplateProfile:
    profile = profiles.profile_of(actor.country_id)
    return profiles.profile_add_field(
        actor=actor,
        expected_version=profile.version if profile else 0,
        values={
            "name": name,
            "label": "Social card number (fictional)",
            "type": "text",
            "section": section,
            "group": "identity",
        },
    )


def test_adding_a_field_bumps_the_version_and_new_instances_carry_it(world: World) -> None:
    profile = add(coordinator(world))
    assert profile.version == 1
    assert profile.added_fields[0]["code"] == "s1_1.al_social_card"
    profile = profiles.profile_disable_field(
        actor=coordinator(world), expected_version=1, code="s1_1.marital_status"
    )
    assert profile.version == 2
    s = setup(world)
    referral = create(s)
    row = TemplateInstance.objects.get(referral=referral)
    assert (row.profile_country, row.profile_version) == ("AL", 2)
    definition = tn.instance_definition(row)
    assert definition.field("s1_1.al_social_card") is not None
    assert definition.field("s1_1.marital_status") is None
    event = AuditEvent.objects.filter(event_type=EventType.REFERRAL_SETTINGS_CHANGED).first()
    assert event is not None
    assert event.detail["profile_version"] in (1, 2)


def test_a_field_required_by_law_cannot_be_switched_off(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        profiles.profile_disable_field(
            actor=coordinator(world), expected_version=0, code="consent.data_sharing"
        )
    assert "required by law" in error.value.message_dict["code"][0]
    assert all(
        "consent.data_sharing" not in p.disabled_fields for p in TemplateProfile.objects.all()
    )


def test_bad_additions_are_refused_with_messages(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        profiles.profile_add_field(
            actor=coordinator(world),
            expected_version=0,
            values={"name": "Bad Name!", "label": "", "type": "blob", "section": "nope"},
        )
    assert set(error.value.message_dict) == {"name", "label", "type", "section"}
    add(coordinator(world))
    with pytest.raises(ValidationError):
        add(coordinator(world))  # the same name twice


def test_only_the_national_coordinator_changes_the_profile(world: World) -> None:
    with pytest.raises(PermissionDenied):
        add(world.actor(Role.CASE_MANAGER))


def test_a_stale_profile_version_is_refused(world: World) -> None:
    from opentrm.core.errors import ConflictError

    add(coordinator(world))
    with pytest.raises(ConflictError):
        profiles.profile_disable_field(
            actor=coordinator(world), expected_version=0, code="s1_1.marital_status"
        )


def test_the_receiver_renders_unknown_fields_and_marks_missing_ones(world: World) -> None:
    add(coordinator(world))  # AL adds a field RO does not know
    add(coordinator(world, "b"), section="s1_1", name="tax_number")  # RO expects one AL lacks
    s = setup(world)
    referral = create(s)
    row = TemplateInstance.objects.get(referral=referral)
    tn.template_update(
        actor=tn_sender(world),
        referral=referral,
        expected_version=row.version,
        values={"s1_1.al_social_card": "AL-0000-FICTIONAL"},
    )
    send(s, referral)
    step(world, referral, "accept")
    view = tn.template_view(receiver(world), Referral.objects.get(pk=referral.pk))
    assert view is not None
    section = next(sv for sv in view.sections if sv.section.code == "s1_1")
    unknown = next(c for c in section.cells if c.field.code == "s1_1.al_social_card")
    assert unknown.unknown
    assert unknown.value == {"text": "AL-0000-FICTIONAL", "lang": "en"}
    assert [f.code for f in section.missing] == ["s1_1.ro_tax_number"]


def tn_sender(world: World) -> Actor:
    return world.actor(Role.CASEWORKER)


def test_the_profile_page(world: World, client: Client) -> None:
    client.force_login(world.user(Role.NATIONAL_COORDINATOR))
    url = reverse("referrals:template_profile")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"form": "field", "version": 0, "code": "header.date", "op": "disable"}
    )
    assert response.status_code == 422
    assert "required by law" in response.content.decode()
    response = client.post(
        url, {"form": "field", "version": 0, "code": "s1_1.marital_status", "op": "disable"}
    )
    assert response.status_code == 302
    client.force_login(world.user(Role.CASEWORKER))
    assert client.get(url).status_code == 403


def test_the_profile_api(world: World, client: Client) -> None:
    client.force_login(world.user(Role.NATIONAL_COORDINATOR))
    url = "/api/v1/referrals/template/profile"
    assert client.get(url).json()["version"] == 0
    response = client.put(
        url,
        {"version": 0, "op": "disable", "code": "child.asylum_indicated"},
        content_type="application/json",
    )
    assert response.status_code == 422
    response = client.put(
        url,
        {"version": 0, "op": "disable", "code": "s1_1.marital_status"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["disabled_fields"] == ["s1_1.marital_status"]
