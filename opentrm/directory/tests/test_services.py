"""Writes on the directory: country scope, validation, optimistic locking, audit."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.core.errors import ConflictError
from opentrm.directory import services
from opentrm.directory.models import (
    ContactPoint,
    Function,
    Organisation,
    OrganisationType,
    Responsibility,
)
from opentrm.directory.services import ChannelData


def _events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("sequence"))


def _organisation(
    world: World,
    name: str = "Fictiva Regional Shelter",
    type: str = OrganisationType.SHELTER,
    *,
    org: str = "a",
    **values: Any,
) -> Organisation:
    """An organisation created by the directory editor of agency ``org``, in country A unless
    ``country`` says otherwise."""
    values.setdefault("country", world.country_a)
    return services.organisation_create(
        actor=world.actor(Role.DIRECTORY_EDITOR, org=org), name=name, type=type, **values
    )


def _contact_point(world: World, organisation: Organisation, **values: Any) -> ContactPoint:
    values.setdefault("position", "Duty officer")
    return services.contact_point_create(
        actor=world.actor(Role.DIRECTORY_EDITOR), organisation=organisation, **values
    )


# --- organisations ---------------------------------------------------------------------------


def test_it_creates_an_organisation_and_audits_the_fields_set(world: World) -> None:
    organisation = _organisation(
        world,
        "Fictiva Border Police Station",
        OrganisationType.BORDER_POLICE,
        city="Fictiva",
        parent=world.agency_a,
    )

    assert organisation.updated_by == world.user(Role.DIRECTORY_EDITOR)
    [event] = _events(EventType.ORGANISATION_CREATED)
    assert event.target_id == str(organisation.pk)
    assert event.target_type == "directory.organisation"
    assert event.changed_fields == ["city", "name", "parent", "type"]
    assert event.organisation_id == world.agency_a.pk


def test_it_refuses_an_editor_of_another_country(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _organisation(world, "Not Theirs", OrganisationType.NGO, org="b")
    with pytest.raises(PermissionDenied):
        services.organisation_verify(
            actor=world.actor(Role.DIRECTORY_EDITOR, org="b"), organisation=world.agency_a
        )
    assert not Organisation.objects.filter(name="Not Theirs").exists()
    assert world.agency_a.last_verified_at is None


def test_it_refuses_a_member_without_the_editor_role(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.organisation_update(
            actor=world.actor(Role.CASEWORKER),
            organisation=world.agency_a,
            expected_version=1,
            city="Elsewhere",
        )
    world.agency_a.refresh_from_db()
    assert world.agency_a.city == "Fictiva"


def test_it_refuses_a_duplicate_name_in_the_same_country_whatever_the_case(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _organisation(world, "  agency a centre for social work ", OrganisationType.NGO)
    assert "name" in caught.value.message_dict
    assert Organisation.objects.filter(country=world.country_a).count() == 2


def test_it_allows_the_same_name_in_another_country(world: World) -> None:
    organisation = _organisation(
        world,
        "Agency A Centre for Social Work",
        OrganisationType.SOCIAL_SERVICES,
        org="b",
        country=world.country_b,
    )
    assert organisation.country == world.country_b


def test_it_turns_a_lost_race_on_the_name_into_a_field_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two editors pass the duplicate check at the same moment; the constraint stops the second.
    monkeypatch.setattr(services, "_duplicate_organisation", lambda organisation: None)
    with pytest.raises(ValidationError) as caught:
        _organisation(world, name="AGENCY C OUTSIDER NGO")
    assert "name" in caught.value.message_dict
    organisation = _organisation(world, name="Second Body")
    with pytest.raises(ValidationError) as caught:
        services.organisation_update(
            actor=world.actor(Role.DIRECTORY_EDITOR),
            organisation=organisation,
            expected_version=organisation.version,
            name="agency c outsider ngo",
        )
    assert "name" in caught.value.message_dict
    assert Organisation.objects.get(pk=organisation.pk).name == "Second Body"


def test_it_refuses_a_parent_in_another_country(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _organisation(world, "Cross Border Unit", OrganisationType.POLICE, parent=world.agency_b)
    assert "parent" in caught.value.message_dict
    assert not Organisation.objects.filter(name="Cross Border Unit").exists()


def test_it_refuses_a_parent_cycle(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    unit = _organisation(
        world, "Unit of Agency A", OrganisationType.SOCIAL_SERVICES, parent=world.agency_a
    )
    with pytest.raises(ValidationError) as caught:
        services.organisation_update(
            actor=editor, organisation=world.agency_a, expected_version=1, parent=unit
        )
    assert "parent" in caught.value.message_dict
    assert Organisation.objects.get(pk=world.agency_a.pk).parent is None


def test_it_refuses_fields_it_does_not_know(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    with pytest.raises(ValidationError):
        services.organisation_create(
            actor=editor, country=world.country_a, name="X", type="ngo", country_id=2
        )
    with pytest.raises(ValidationError):
        services.organisation_update(
            actor=editor, organisation=world.agency_a, expected_version=1, version=7
        )
    with pytest.raises(ValidationError):
        _contact_point(world, world.agency_a, organisation_id=world.agency_b.pk)


def test_it_updates_an_organisation_and_records_only_the_changed_fields(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    organisation = services.organisation_update(
        actor=editor,
        organisation=world.agency_a,
        expected_version=1,
        name="Agency A Centre for Social Work",
        city="Fictiva Nova",
        region="North",
    )

    organisation.refresh_from_db()
    assert (organisation.city, organisation.region, organisation.version) == (
        "Fictiva Nova",
        "North",
        2,
    )
    [event] = _events(EventType.ORGANISATION_CHANGED)
    assert event.changed_fields == ["city", "region"]
    assert event.detail == {}


def test_it_writes_nothing_when_nothing_changed(world: World) -> None:
    services.organisation_update(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        organisation=world.agency_a,
        expected_version=1,
        city="Fictiva",
    )
    assert Organisation.objects.get(pk=world.agency_a.pk).version == 1
    assert _events(EventType.ORGANISATION_CHANGED) == []


def test_it_refuses_an_update_from_a_stale_version(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    first = Organisation.objects.get(pk=world.agency_a.pk)
    second = Organisation.objects.get(pk=world.agency_a.pk)
    services.organisation_update(
        actor=editor, organisation=first, expected_version=1, city="First City"
    )

    with pytest.raises(ConflictError) as caught:
        services.organisation_update(
            actor=editor, organisation=second, expected_version=1, city="Second City"
        )

    assert "changed by A_Directory_Editor" in caught.value.message
    assert Organisation.objects.get(pk=world.agency_a.pk).city == "First City"
    assert len(_events(EventType.ORGANISATION_CHANGED)) == 1


def test_it_marks_an_organisation_verified(world: World) -> None:
    organisation = services.organisation_verify(
        actor=world.actor(Role.DIRECTORY_EDITOR), organisation=world.agency_c, on=date(2026, 3, 1)
    )
    assert organisation.last_verified_at == date(2026, 3, 1)
    assert organisation.last_verified_by == world.user(Role.DIRECTORY_EDITOR)
    assert _events(EventType.ORGANISATION_VERIFIED)[0].target_id == str(world.agency_c.pk)


# --- contact points --------------------------------------------------------------------------


def test_it_creates_a_contact_point_with_channels_and_languages(world: World) -> None:
    contact_point = _contact_point(
        world,
        world.agency_a,
        position="Case coordinator",
        person_name="Mira Imagined",
        channels=[
            ChannelData(kind="phone", value=" +355  4 000 0000 ", hours="8-16"),
            ChannelData(kind="email", value="coordinator@agency-a.example"),
            ChannelData(kind="phone", value="+355 4 000 0000"),  # a repeat, dropped
        ],
        languages=["SQ", "eng", " ", "sqi"],
    )

    channels = list(contact_point.channels.all())
    assert [(c.kind, c.value, c.order) for c in channels] == [
        ("phone", "+355 4 000 0000", 0),
        ("email", "coordinator@agency-a.example", 1),
    ]
    assert sorted(contact_point.languages.values_list("code", flat=True)) == ["en", "sq"]
    [event] = _events(EventType.CONTACT_POINT_CREATED)
    assert event.changed_fields == ["channels", "languages", "person_name", "position"]
    assert "Mira" not in str(event.detail)


def test_it_refuses_bad_channels_and_names_each(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _contact_point(
            world,
            world.agency_a,
            channels=[
                ChannelData(kind="email", value="not-an-address"),
                ChannelData(kind="phone", value="call me"),
                ChannelData(kind="pigeon", value="loft 3"),
            ],
        )
    errors = caught.value.message_dict["channels"]
    assert len(errors) == 3
    assert "not-an-address" in errors[0]
    assert not ContactPoint.objects.exists()


def test_it_refuses_unknown_language_codes_on_the_languages_field(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _contact_point(world, world.agency_a, languages=["sq", "xx", "qqq"])
    assert len(caught.value.message_dict["languages"]) == 2
    assert not ContactPoint.objects.exists()


def test_it_refuses_a_duplicate_contact_point(world: World) -> None:
    _contact_point(world, world.agency_a, position="Duty officer", person_name="Ana Example")
    with pytest.raises(ValidationError) as caught:
        _contact_point(world, world.agency_a, position="DUTY OFFICER ", person_name="ana example")
    assert "position" in caught.value.message_dict
    assert ContactPoint.objects.count() == 1


def test_it_turns_a_lost_race_on_a_contact_point_into_a_field_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _contact_point(world, world.agency_a, position="Duty officer")
    second = _contact_point(world, world.agency_a, position="Night officer")
    monkeypatch.setattr(services, "_duplicate_contact_point", lambda contact_point: None)
    with pytest.raises(ValidationError) as caught:
        _contact_point(world, world.agency_a, position="duty officer")
    assert "position" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.contact_point_update(
            actor=world.actor(Role.DIRECTORY_EDITOR),
            contact_point=second,
            expected_version=second.version,
            position=first.position,
        )
    assert ContactPoint.objects.get(pk=second.pk).position == "Night officer"


def test_it_replaces_channels_and_languages_and_bumps_the_version(world: World) -> None:
    contact_point = _contact_point(
        world,
        world.agency_a,
        channels=[ChannelData(kind="phone", value="+355 4 111 111")],
        languages=["sq"],
    )
    updated = services.contact_point_update(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        contact_point=contact_point,
        expected_version=1,
        channels=[
            ChannelData(kind="hotline", value="0800 11 11", available_24_7=True),
            ChannelData(kind="phone", value="+355 4 111 111"),
        ],
        languages=["sq", "it"],
    )

    assert updated.version == 2
    assert [c.kind for c in updated.channels.all()] == ["hotline", "phone"]
    assert sorted(updated.languages.values_list("code", flat=True)) == ["it", "sq"]
    [event] = _events(EventType.CONTACT_POINT_CHANGED)
    assert event.changed_fields == ["channels", "languages"]


def test_it_counts_a_new_channel_order_as_a_change(world: World) -> None:
    one, two = (
        ChannelData(kind="fax", value="+355 4 222 222"),
        ChannelData(kind="po_box", value="PO Box 9"),
    )
    contact_point = _contact_point(world, world.agency_a, channels=[one, two])
    services.contact_point_update(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        contact_point=contact_point,
        expected_version=1,
        channels=[two, one],
    )
    assert [c.kind for c in ContactPoint.objects.get(pk=contact_point.pk).channels.all()] == [
        "po_box",
        "fax",
    ]


def test_it_leaves_channels_and_languages_alone_when_not_given(world: World) -> None:
    contact_point = _contact_point(
        world, world.agency_a, channels=[ChannelData(kind="email", value="desk@a.example")]
    )
    services.contact_point_update(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        contact_point=contact_point,
        expected_version=1,
        unit="Front desk",
    )
    contact_point.refresh_from_db()
    assert (contact_point.unit, contact_point.version) == ("Front desk", 2)
    assert contact_point.channels.count() == 1
    assert _events(EventType.CONTACT_POINT_CHANGED)[0].changed_fields == ["unit"]


def test_it_writes_nothing_when_a_contact_point_is_unchanged(world: World) -> None:
    contact_point = _contact_point(
        world,
        world.agency_a,
        channels=[ChannelData(kind="email", value="desk@a.example")],
        languages=["sq"],
    )
    services.contact_point_update(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        contact_point=contact_point,
        expected_version=1,
        position="Duty officer",
        channels=[ChannelData(kind="email", value="desk@a.example")],
        languages=["sqi"],
    )
    assert ContactPoint.objects.get(pk=contact_point.pk).version == 1
    assert _events(EventType.CONTACT_POINT_CHANGED) == []


def test_it_refuses_a_contact_point_update_from_a_stale_version(world: World) -> None:
    contact_point = _contact_point(world, world.agency_a, languages=["sq"])
    editor = world.actor(Role.DIRECTORY_EDITOR)
    services.contact_point_update(
        actor=editor, contact_point=contact_point, expected_version=1, languages=["sq", "en"]
    )
    stale = ContactPoint.objects.get(pk=contact_point.pk)
    with pytest.raises(ConflictError):
        services.contact_point_update(
            actor=editor,
            contact_point=stale,
            expected_version=1,
            languages=["ro"],
            channels=[ChannelData(kind="email", value="late@a.example")],
        )
    assert sorted(stale.languages.values_list("code", flat=True)) == ["en", "sq"]
    assert not stale.channels.exists()


def test_it_refuses_contact_point_edits_from_another_country(world: World) -> None:
    contact_point = _contact_point(world, world.agency_a)
    with pytest.raises(PermissionDenied):
        services.contact_point_update(
            actor=world.actor(Role.DIRECTORY_EDITOR, org="b"),
            contact_point=contact_point,
            expected_version=1,
            position="Taken over",
        )
    with pytest.raises(PermissionDenied):
        services.contact_point_verify(
            actor=world.actor(Role.DIRECTORY_EDITOR, org="b"), contact_point=contact_point
        )


def test_it_marks_a_contact_point_verified(world: World) -> None:
    contact_point = services.contact_point_verify(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        contact_point=_contact_point(world, world.agency_a),
    )
    assert contact_point.last_verified_at is not None
    assert contact_point.last_verified_by == world.user(Role.DIRECTORY_EDITOR)
    assert len(_events(EventType.CONTACT_POINT_VERIFIED)) == 1


# --- responsibilities ------------------------------------------------------------------------


def test_it_assigns_a_responsibility_and_audits_codes_only(world: World) -> None:
    contact_point = _contact_point(world, world.agency_a, person_name="Ana Example")
    responsibility = services.responsibility_add(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        country=world.country_a,
        function="sop2",
        organisation=world.agency_a,
        contact_point=contact_point,
        label=" Shelter placement ",
        order=2,
    )
    assert (responsibility.function, responsibility.label) == (
        Function.FIRST_ASSISTANCE,
        "Shelter placement",
    )
    [event] = _events(EventType.RESPONSIBILITY_CREATED)
    assert event.detail == {"function": "sop2", "organisation_id": world.agency_a.pk}


def _wrong_function(world: World) -> dict[str, object]:
    return {"function": "sop9"}


def _body_of_another_country(world: World) -> dict[str, object]:
    return {"organisation": world.agency_b}


def _contact_of_another_body(world: World) -> dict[str, object]:
    return {"contact_point": _contact_point(world, world.agency_c)}


@pytest.mark.parametrize(
    ("field", "wrong"),
    [
        ("function", _wrong_function),
        ("organisation", _body_of_another_country),
        ("contact_point", _contact_of_another_body),
    ],
)
def test_it_refuses_a_wrong_responsibility(
    world: World, field: str, wrong: Callable[[World], dict[str, object]]
) -> None:
    arguments: dict[str, Any] = {
        "function": Function.IDENTIFICATION,
        "organisation": world.agency_a,
        **wrong(world),
    }
    with pytest.raises(ValidationError) as caught:
        services.responsibility_add(
            actor=world.actor(Role.DIRECTORY_EDITOR), country=world.country_a, **arguments
        )
    assert field in caught.value.message_dict
    assert not Responsibility.objects.exists()


def test_it_refuses_the_same_body_or_contact_twice_for_one_procedure(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    contact_point = _contact_point(world, world.agency_a)
    for point in (None, contact_point):
        services.responsibility_add(
            actor=editor,
            country=world.country_a,
            function=Function.RETURN,
            organisation=world.agency_a,
            contact_point=point,
        )
    with pytest.raises(ValidationError) as caught:
        services.responsibility_add(
            actor=editor, country=world.country_a, function="sop4", organisation=world.agency_a
        )
    assert "organisation" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.responsibility_add(
            actor=editor,
            country=world.country_a,
            function="sop4",
            organisation=world.agency_a,
            contact_point=contact_point,
        )
    assert "contact_point" in caught.value.message_dict
    assert Responsibility.objects.count() == 2


def test_it_removes_a_responsibility_and_audits_it(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    responsibility = services.responsibility_add(
        actor=editor,
        country=world.country_a,
        function=Function.NATIONAL_FOCAL_POINT,
        organisation=world.agency_a,
    )
    target_id = str(responsibility.pk)
    with pytest.raises(PermissionDenied):
        services.responsibility_remove(
            actor=world.actor(Role.DIRECTORY_EDITOR, org="b"), responsibility=responsibility
        )
    services.responsibility_remove(actor=editor, responsibility=responsibility)

    assert not Responsibility.objects.exists()
    [event] = _events(EventType.RESPONSIBILITY_REMOVED)
    assert event.target_id == target_id
    assert event.detail == {
        "function": "national_focal_point",
        "organisation_id": world.agency_a.pk,
    }


def test_it_bootstraps_the_nodes_country_and_first_organisation_once_and_audits_it(
    db: None,
) -> None:
    first = services.node_bootstrap_organisation(
        country_code="md", name=" Focal Point MD ", type="ngo"
    )
    again = services.node_bootstrap_organisation(
        country_code="MD", name="focal point md", type="ngo"
    )

    assert again.pk == first.pk
    assert (first.country.code, first.name) == ("MD", "Focal Point MD")
    events = AuditEvent.objects.filter(detail__via="command").order_by("sequence")
    assert [event.event_type for event in events] == [
        EventType.COUNTRY_CREATED,
        EventType.ORGANISATION_CREATED,
    ]


def test_a_placeholder_organisation_is_inactive_and_audited_with_its_new_country(
    world: World,
) -> None:
    from opentrm.directory.selectors import organisation_by_name

    actor = world.actor(Role.CASE_MANAGER)
    placeholder = services.organisation_placeholder_create(
        actor=actor,
        country_code="MD",
        name="  Fictional  Office ",
        via="node_exchange",
    )
    assert placeholder.country.code == "MD"
    assert not placeholder.is_active
    (country_event,) = _events(EventType.COUNTRY_CREATED)
    assert country_event.detail == {"via": "node_exchange"}
    created = [
        e for e in _events(EventType.ORGANISATION_CREATED) if e.target_id == str(placeholder.pk)
    ]
    assert len(created) == 1
    assert created[0].actor_id == actor.user.pk
    assert created[0].detail == {"via": "node_exchange", "placeholder": True}
    # found again by name, case and spacing aside
    assert organisation_by_name(name="fictional office", country_code="MD") == placeholder
    assert organisation_by_name(name="Fictional   Office", country_code="MD") == placeholder
    assert organisation_by_name(name="Fictional Office", country_code="AL") is None
    # a second placeholder in a known country writes no country event
    services.organisation_placeholder_create(
        actor=actor, country_code="MD", name="Another", via="node_exchange"
    )
    assert len(_events(EventType.COUNTRY_CREATED)) == 1
