"""Editing the directory in the browser, as agency A's directory editor (country AL)."""

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory import services
from opentrm.directory.forms_edit import ContactPointForm, add_service_error, channel_formset
from opentrm.directory.models import (
    ContactPoint,
    Function,
    Organisation,
    OrganisationType,
    Responsibility,
)
from opentrm.directory.services import ChannelData


@pytest.fixture
def editor(client: Client, world: World) -> Client:
    client.force_login(world.user(Role.DIRECTORY_EDITOR))
    return client


def _as(client: Client, world: World, role: Role, org: str = "a") -> Client:
    client.force_login(world.user(role, org=org))
    return client


def _organisation_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Fictiva Anti-Trafficking Unit",
        "acronym": "FATU",
        "type": OrganisationType.ANTI_TRAFFICKING_POLICE,
        "parent": "",
        "city": "Fictiva",
        "region": "",
        "address": "",
        "website": "",
        "accreditation_status": "not_required",
        "clearance_level": "none",
        "clearance_issuer": "",
        "clearance_expires_on": "",
        "is_active": "on",
        "share_abroad": "on",  # the box is ticked by default, so a browser sends it
        "notes": "",
    }
    data.update(overrides)
    return data


def _edit_data(organisation: Organisation, **overrides: Any) -> dict[str, Any]:
    data = _organisation_data(
        name=organisation.name,
        acronym=organisation.acronym,
        type=organisation.type,
        city=organisation.city,
        version=organisation.version,
    )
    data.update(overrides)
    return data


def _channels(*rows: dict[str, Any], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channels-TOTAL_FORMS": str(len(rows)),
        "channels-INITIAL_FORMS": str(initial),
        "channels-MIN_NUM_FORMS": "0",
        "channels-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"channels-{index}-{key}"] = value
    return data


def _contact_point_data(
    *channels: dict[str, Any], initial: int = 0, **fields: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "position": "Duty officer",
        "person_name": "",
        "unit": "",
        "languages": "",
        "is_active": "on",
        "share_abroad": "on",  # the box is ticked by default, so a browser sends it
        "notes": "",
    }
    data.update(fields)
    data.update(_channels(*channels, initial=initial))
    return data


def _events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("sequence"))


def _contact_point(world: World, **values: Any) -> ContactPoint:
    values.setdefault("position", "Duty officer")
    return services.contact_point_create(
        actor=world.actor(Role.DIRECTORY_EDITOR), organisation=world.agency_a, **values
    )


# --- organisations ---------------------------------------------------------------------------


def test_it_shows_the_new_organisation_form_with_parents_of_that_country_only(
    editor: Client, world: World
) -> None:
    response = editor.get(reverse("directory:organisation_create", args=["al"]))

    assert response.status_code == 200
    parents = response.context["form"].fields["parent"].queryset
    assert set(parents) == {world.agency_a, world.agency_c}
    assert "Agency B Partner Shelter" not in response.content.decode()


def test_it_adds_an_organisation_and_audits_it(editor: Client, world: World) -> None:
    response = editor.post(
        reverse("directory:organisation_create", args=["AL"]),
        _organisation_data(parent=world.agency_a.pk),
        follow=True,
    )

    organisation = Organisation.objects.get(name="Fictiva Anti-Trafficking Unit")
    assert response.redirect_chain == [
        (reverse("directory:organisation_detail", args=[organisation.pk]), 302)
    ]
    assert "“Fictiva Anti-Trafficking Unit” was added." in response.content.decode()
    assert (organisation.country, organisation.parent) == (world.country_a, world.agency_a)
    [event] = _events(EventType.ORGANISATION_CREATED)
    assert event.target_id == str(organisation.pk)
    assert event.actor_id == world.user(Role.DIRECTORY_EDITOR).pk
    assert {"name", "acronym", "type", "parent", "city"} <= set(event.changed_fields)


def test_it_refuses_a_duplicate_organisation_name_on_the_name_field(
    editor: Client, world: World
) -> None:
    response = editor.post(
        reverse("directory:organisation_create", args=["AL"]),
        _organisation_data(name="AGENCY C OUTSIDER NGO"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "An organisation with this name already exists in this country."
    ]
    assert Organisation.objects.filter(country=world.country_a).count() == 2
    assert _events(EventType.ORGANISATION_CREATED) == []


def test_it_refuses_a_parent_in_another_country_on_the_parent_field(
    editor: Client, world: World
) -> None:
    response = editor.post(
        reverse("directory:organisation_create", args=["AL"]),
        _organisation_data(parent=world.agency_b.pk),
    )

    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert not Organisation.objects.filter(name="Fictiva Anti-Trafficking Unit").exists()


def test_it_refuses_an_editor_of_another_country(client: Client, world: World) -> None:
    editor_b = _as(client, world, Role.DIRECTORY_EDITOR, org="b")
    contact_point = _contact_point(world)

    assert editor_b.get(reverse("directory:organisation_create", args=["AL"])).status_code == 403
    assert (
        editor_b.post(
            reverse("directory:organisation_create", args=["AL"]), _organisation_data()
        ).status_code
        == 403
    )
    assert (
        editor_b.post(
            reverse("directory:organisation_edit", args=[world.agency_a.pk]),
            _edit_data(world.agency_a, city="Taken"),
        ).status_code
        == 403
    )
    assert (
        editor_b.post(
            reverse("directory:organisation_verify", args=[world.agency_a.pk])
        ).status_code
        == 403
    )
    assert (
        editor_b.get(
            reverse("directory:contact_point_create", args=[world.agency_a.pk])
        ).status_code
        == 403
    )
    assert (
        editor_b.post(
            reverse("directory:contact_point_edit", args=[contact_point.pk]),
            _contact_point_data(position="Taken", version=1),
        ).status_code
        == 403
    )
    assert (
        editor_b.post(
            reverse("directory:contact_point_verify", args=[contact_point.pk])
        ).status_code
        == 403
    )
    assert editor_b.get(reverse("directory:responsibility_create", args=["AL"])).status_code == 403

    world.agency_a.refresh_from_db()
    contact_point.refresh_from_db()
    assert (world.agency_a.city, world.agency_a.last_verified_at) == ("Fictiva", None)
    assert (contact_point.position, contact_point.last_verified_at) == ("Duty officer", None)
    assert Organisation.objects.count() == 3


def test_it_refuses_a_caseworker_and_audits_the_refusal(client: Client, world: World) -> None:
    caseworker = _as(client, world, Role.CASEWORKER)

    response = caseworker.post(
        reverse("directory:organisation_edit", args=[world.agency_a.pk]),
        _edit_data(world.agency_a, city="Elsewhere"),
    )
    assert response.status_code == 403
    assert caseworker.get(reverse("directory:organisation_create", args=["AL"])).status_code == 403
    assert (
        caseworker.get(reverse("directory:responsibility_create", args=["AL"])).status_code == 403
    )

    assert Organisation.objects.get(pk=world.agency_a.pk).city == "Fictiva"
    denied = _events(EventType.ACCESS_DENIED)
    assert [e.detail["view"] for e in denied] == [
        "organisation_edit",
        "organisation_create",
        "responsibility_create",
    ]


def test_it_answers_404_for_what_does_not_exist(editor: Client, world: World) -> None:
    assert editor.get(reverse("directory:organisation_create", args=["ZZ"])).status_code == 404
    assert editor.get(reverse("directory:organisation_edit", args=[99999])).status_code == 404
    assert editor.get(reverse("directory:contact_point_edit", args=[99999])).status_code == 404
    assert editor.post(reverse("directory:responsibility_remove", args=[99999])).status_code == 404


def test_it_edits_an_organisation_and_records_the_changed_fields(
    editor: Client, world: World
) -> None:
    url = reverse("directory:organisation_edit", args=[world.agency_a.pk])
    form = editor.get(url).context["form"]
    assert form["name"].value() == "Agency A Centre for Social Work"
    assert form["version"].value() == 1

    response = editor.post(url, _edit_data(world.agency_a, city="Fictiva Nova", region="North"))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "directory:organisation_detail", args=[world.agency_a.pk]
    )
    world.agency_a.refresh_from_db()
    assert (world.agency_a.city, world.agency_a.region, world.agency_a.version) == (
        "Fictiva Nova",
        "North",
        2,
    )
    [event] = _events(EventType.ORGANISATION_CHANGED)
    assert event.changed_fields == ["city", "region"]
    assert event.detail == {}


def test_it_refuses_the_second_of_two_edits_from_the_same_version(
    client: Client, world: World
) -> None:
    editor = _as(client, world, Role.DIRECTORY_EDITOR)
    url = reverse("directory:organisation_edit", args=[world.agency_a.pk])
    first = _edit_data(world.agency_a, city="First City")
    second = _edit_data(world.agency_a, city="Second City", region="South")

    assert editor.post(url, first).status_code == 302
    response = editor.post(url, second)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert "changed by A_Directory_Editor" in errors[0]
    assert "Reload" in errors[0]
    assert "changed by A_Directory_Editor" in response.content.decode()
    world.agency_a.refresh_from_db()
    assert (world.agency_a.city, world.agency_a.region, world.agency_a.version) == (
        "First City",
        "",
        2,
    )
    assert len(_events(EventType.ORGANISATION_CHANGED)) == 1


def test_it_verifies_an_organisation_today(editor: Client, world: World) -> None:
    url = reverse("directory:organisation_verify", args=[world.agency_c.pk])
    assert editor.get(url).status_code == 405

    response = editor.post(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "directory:organisation_detail", args=[world.agency_c.pk]
    )
    assert "was marked as verified today" in response.content.decode()
    world.agency_c.refresh_from_db()
    assert world.agency_c.last_verified_at == timezone.localdate()
    assert world.agency_c.last_verified_by == world.user(Role.DIRECTORY_EDITOR)
    assert _events(EventType.ORGANISATION_VERIFIED)[0].target_id == str(world.agency_c.pk)


def test_it_returns_to_the_review_list_after_verifying_from_it(
    editor: Client, world: World
) -> None:
    review = reverse("directory:review")
    url = reverse("directory:organisation_verify", args=[world.agency_c.pk])

    assert editor.post(url, {"next": review})["Location"] == review
    assert editor.post(url, {"next": "https://elsewhere.example/"})["Location"] == reverse(
        "directory:organisation_detail", args=[world.agency_c.pk]
    )


# --- contact points --------------------------------------------------------------------------


def test_it_adds_a_contact_point_with_channels_and_languages(editor: Client, world: World) -> None:
    url = reverse("directory:contact_point_create", args=[world.agency_a.pk])
    assert editor.get(url).status_code == 200

    response = editor.post(
        url,
        _contact_point_data(
            {"kind": "phone", "value": "+355 4 000 0001", "hours": "8-16"},
            {"kind": "email", "value": "duty@agency-a.example", "label": "desk"},
            {"kind": "phone", "value": ""},  # an untouched blank row
            position="Duty officer",
            person_name="Vera Invented",
            languages=["sq", "en", "it"],  # ticked by name in the picker
        ),
    )

    contact_point = ContactPoint.objects.get(organisation=world.agency_a)
    assert response["Location"] == reverse(
        "directory:contact_point_detail", args=[contact_point.pk]
    )
    assert [(c.kind, c.value, c.label) for c in contact_point.channels.all()] == [
        ("phone", "+355 4 000 0001", ""),
        ("email", "duty@agency-a.example", "desk"),
    ]
    assert sorted(contact_point.languages.values_list("code", flat=True)) == ["en", "it", "sq"]
    [event] = _events(EventType.CONTACT_POINT_CREATED)
    assert event.target_id == str(contact_point.pk)
    assert {"position", "person_name", "channels", "languages"} <= set(event.changed_fields)
    stored = str(event.detail) + str(event.changed_fields)
    assert "Vera" not in stored
    assert "duty@agency-a.example" not in stored


def test_it_refuses_a_duplicate_contact_point_on_the_position_field(
    editor: Client, world: World
) -> None:
    _contact_point(world, person_name="Vera Invented")

    response = editor.post(
        reverse("directory:contact_point_create", args=[world.agency_a.pk]),
        _contact_point_data(position="duty officer", person_name="VERA INVENTED"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["position"] == [
        "This organisation already has a contact point with this position and person."
    ]
    assert ContactPoint.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("email", "duty-at-agency", "“duty-at-agency” is not an e-mail address."),
        ("phone", "ring the bell", "“ring the bell” is not a phone number"),
    ],
)
def test_it_refuses_a_bad_channel_on_its_row(
    editor: Client, world: World, kind: str, value: str, message: str
) -> None:
    response = editor.post(
        reverse("directory:contact_point_create", args=[world.agency_a.pk]),
        _contact_point_data(
            {"kind": "phone", "value": "+355 4 000 0001"}, {"kind": kind, "value": value}
        ),
    )

    assert response.status_code == 200
    channels = response.context["channels"]
    assert channels.forms[0].errors == {}
    assert message in channels.forms[1].errors["value"][0]
    assert message in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert not ContactPoint.objects.exists()


def test_it_refuses_an_unknown_language_code_on_the_languages_field(
    editor: Client, world: World
) -> None:
    response = editor.post(
        reverse("directory:contact_point_create", args=[world.agency_a.pk]),
        _contact_point_data(languages=["sq", "xx"]),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["languages"] == [
        "Select a valid choice. xx is not one of the available choices."
    ]
    assert not ContactPoint.objects.exists()


def test_it_shows_the_names_of_the_languages_on_the_form(editor: Client, world: World) -> None:
    contact_point = _contact_point(world, languages=["sq", "ro"])

    response = editor.get(reverse("directory:contact_point_edit", args=[contact_point.pk]))

    content = response.content.decode()
    for code, name in (("ro", "Romanian"), ("sq", "Albanian")):
        assert re.search(
            rf'name="languages" value="{code}"[^>]*checked[^>]*>\s*{name}</label>', content
        )
    assert not re.search(r'name="languages" value="en"[^>]*checked', content)


def test_it_edits_a_contact_point_replacing_channels_and_languages(
    editor: Client, world: World
) -> None:
    contact_point = _contact_point(
        world,
        channels=[
            ChannelData(kind="phone", value="+355 4 000 0001"),
            ChannelData(kind="fax", value="+355 4 000 0002"),
        ],
        languages=["sq"],
    )
    url = reverse("directory:contact_point_edit", args=[contact_point.pk])
    formset = editor.get(url).context["channels"]
    assert len(formset.forms) == 4  # two channels and two blank rows

    response = editor.post(
        url,
        _contact_point_data(
            {"kind": "phone", "value": "+355 4 000 0001"},
            {"kind": "fax", "value": "+355 4 000 0002", "DELETE": "on"},
            {"kind": "hotline", "value": "0800 100 100", "available_24_7": "on"},
            {"kind": "phone", "value": ""},
            initial=2,
            languages=["sq", "en"],
            version=1,
        ),
    )

    assert response.status_code == 302
    contact_point.refresh_from_db()
    assert [(c.kind, c.available_24_7) for c in contact_point.channels.all()] == [
        ("phone", False),
        ("hotline", True),
    ]
    assert sorted(contact_point.languages.values_list("code", flat=True)) == ["en", "sq"]
    assert contact_point.version == 2
    [event] = _events(EventType.CONTACT_POINT_CHANGED)
    assert event.changed_fields == ["channels", "languages"]


def test_it_refuses_a_stale_contact_point_edit(editor: Client, world: World) -> None:
    contact_point = _contact_point(world)
    url = reverse("directory:contact_point_edit", args=[contact_point.pk])

    assert editor.post(url, _contact_point_data(unit="Front desk", version=1)).status_code == 302
    response = editor.post(url, _contact_point_data(unit="Back office", version=1))

    assert response.status_code == 200
    assert "changed by" in response.context["form"].non_field_errors()[0]
    contact_point.refresh_from_db()
    assert (contact_point.unit, contact_point.version) == ("Front desk", 2)


def test_it_verifies_a_contact_point_today(editor: Client, world: World) -> None:
    contact_point = _contact_point(world)

    response = editor.post(reverse("directory:contact_point_verify", args=[contact_point.pk]))

    assert response["Location"] == reverse(
        "directory:contact_point_detail", args=[contact_point.pk]
    )
    contact_point.refresh_from_db()
    assert contact_point.last_verified_at == timezone.localdate()
    assert contact_point.last_verified_by == world.user(Role.DIRECTORY_EDITOR)
    assert len(_events(EventType.CONTACT_POINT_VERIFIED)) == 1


# --- responsibilities ------------------------------------------------------------------------


def test_it_assigns_a_responsibility(editor: Client, world: World) -> None:
    contact_point = _contact_point(world)
    url = reverse("directory:responsibility_create", args=["AL"])
    form = editor.get(url, {"function": "sop2"}).context["form"]
    assert form["function"].value() == "sop2"
    assert world.agency_b not in form.fields["organisation"].queryset

    response = editor.post(
        url,
        {
            "function": "sop2",
            "organisation": world.agency_a.pk,
            "contact_point": contact_point.pk,
            "label": "Shelter placement",
            "note": "Recovery and reflection",
            "order": "1",
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("directory:country_detail", args=["AL"]), 302)]
    responsibility = Responsibility.objects.get()
    assert (responsibility.function, responsibility.contact_point) == (
        Function.FIRST_ASSISTANCE,
        contact_point,
    )
    assert "Shelter placement" in response.content.decode()
    [event] = _events(EventType.RESPONSIBILITY_CREATED)
    assert event.detail == {"function": "sop2", "organisation_id": world.agency_a.pk}


def test_it_lists_only_the_chosen_bodys_contact_points(editor: Client, world: World) -> None:
    _contact_point(world, position="Desk of agency A")
    services.contact_point_create(
        actor=world.actor(Role.DIRECTORY_EDITOR), organisation=world.agency_c, position="NGO desk"
    )
    url = reverse("directory:responsibility_create", args=["AL"])

    response = editor.get(url, {"organisation": world.agency_a.pk}, HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="contact-point-field"')
    assert "Desk of agency A" in content
    assert "NGO desk" not in content
    full = editor.get(url).content.decode()
    assert "Desk of agency A" in full
    assert "NGO desk" in full


def test_it_refuses_a_contact_point_of_another_body(editor: Client, world: World) -> None:
    other = services.contact_point_create(
        actor=world.actor(Role.DIRECTORY_EDITOR), organisation=world.agency_c, position="NGO desk"
    )

    response = editor.post(
        reverse("directory:responsibility_create", args=["AL"]),
        {
            "function": "sop1",
            "organisation": world.agency_a.pk,
            "contact_point": other.pk,
            "order": "0",
        },
    )

    assert response.status_code == 200
    assert "contact_point" in response.context["form"].errors
    assert not Responsibility.objects.exists()


def test_it_refuses_a_body_listed_twice_for_one_procedure(editor: Client, world: World) -> None:
    url = reverse("directory:responsibility_create", args=["AL"])
    data = {"function": "sop1", "organisation": world.agency_a.pk, "order": "0"}
    assert editor.post(url, data).status_code == 302

    response = editor.post(url, data)

    assert response.context["form"].errors["organisation"] == [
        "This body is already listed for this procedure."
    ]
    assert Responsibility.objects.count() == 1


def test_it_refuses_a_body_of_another_country(editor: Client, world: World) -> None:
    response = editor.post(
        reverse("directory:responsibility_create", args=["AL"]),
        {"function": "sop1", "organisation": world.agency_b.pk, "order": "0"},
    )

    assert "organisation" in response.context["form"].errors
    assert not Responsibility.objects.exists()


def test_it_removes_a_responsibility(client: Client, world: World) -> None:
    responsibility = services.responsibility_add(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        country=world.country_a,
        function=Function.IDENTIFICATION,
        organisation=world.agency_a,
    )
    url = reverse("directory:responsibility_remove", args=[responsibility.pk])

    assert _as(client, world, Role.DIRECTORY_EDITOR, org="b").post(url).status_code == 403
    assert _as(client, world, Role.CASEWORKER).post(url).status_code == 403
    editor = _as(client, world, Role.DIRECTORY_EDITOR)
    assert editor.get(url).status_code == 405
    assert Responsibility.objects.exists()

    response = editor.post(url, {"confirm": "remove"})

    assert response["Location"] == reverse("directory:country_detail", args=["AL"])
    assert not Responsibility.objects.exists()
    [event] = _events(EventType.RESPONSIBILITY_REMOVED)
    assert event.target_id == str(responsibility.pk)
    assert event.detail == {"function": "sop1", "organisation_id": world.agency_a.pk}


def test_it_adds_a_blank_channel_row_through_htmx(editor: Client, world: World) -> None:
    url = reverse("directory:contact_point_create", args=[world.agency_a.pk])

    response = editor.get(
        url, {"add_channel": "1", "channels-TOTAL_FORMS": "2"}, HTTP_HX_REQUEST="true"
    )

    content = response.content.decode()
    assert 'name="channels-2-value"' in content
    assert "Channel 3" in content
    assert 'id="id_channels-TOTAL_FORMS"' in content
    assert 'name="channels-TOTAL_FORMS" value="3"' in content
    at_limit = editor.get(
        url, {"add_channel": "1", "channels-TOTAL_FORMS": "20"}, HTTP_HX_REQUEST="true"
    )
    assert at_limit.status_code == 204


def test_it_adds_a_blank_channel_row_without_javascript_and_saves_nothing(
    editor: Client, world: World
) -> None:
    response = editor.post(
        reverse("directory:contact_point_create", args=[world.agency_a.pk]),
        _contact_point_data({"kind": "email", "value": "desk@agency-a.example"}, add_channel="1"),
    )

    assert response.status_code == 200
    channels = response.context["channels"]
    assert len(channels.forms) == 2
    assert channels.forms[0]["value"].value() == "desk@agency-a.example"
    assert not ContactPoint.objects.exists()


def test_it_refuses_renaming_an_organisation_to_a_taken_name(editor: Client, world: World) -> None:
    response = editor.post(
        reverse("directory:organisation_edit", args=[world.agency_a.pk]),
        _edit_data(world.agency_a, name="Agency C Outsider NGO"),
    )

    assert response.context["form"].errors["name"] == [
        "An organisation with this name already exists in this country."
    ]
    assert "Edit Agency A Centre for Social Work" in response.content.decode()
    world.agency_a.refresh_from_db()
    assert (world.agency_a.name, world.agency_a.version) == ("Agency A Centre for Social Work", 1)


def test_it_refuses_renaming_a_contact_point_to_a_taken_position(
    editor: Client, world: World
) -> None:
    _contact_point(world, position="Duty officer")
    night = _contact_point(world, position="Night officer")

    response = editor.post(
        reverse("directory:contact_point_edit", args=[night.pk]),
        _contact_point_data(position="Duty Officer", version=1),
    )

    assert "position" in response.context["form"].errors
    assert ContactPoint.objects.get(pk=night.pk).position == "Night officer"


def test_it_ignores_a_malformed_body_id_when_listing_contact_points(
    editor: Client, world: World
) -> None:
    _contact_point(world, position="Desk of agency A")

    response = editor.get(
        reverse("directory:responsibility_create", args=["AL"]),
        {"organisation": "not-a-number"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "Desk of agency A" in response.content.decode()


def test_it_places_service_errors_it_cannot_tie_to_a_field_above_the_form(world: World) -> None:
    form = ContactPointForm({"position": "Desk", "languages": ""})
    channels = channel_formset(_channels())
    assert form.is_valid()
    assert channels.is_valid()

    add_service_error(
        form,
        ValidationError({"channels": ["Channel trouble."], "organisation": ["Body trouble."]}),
        channels=channels,
    )
    add_service_error(form, ValidationError("General trouble."))

    assert form.non_field_errors() == ["Body trouble.", "General trouble."]
    assert channels.non_form_errors() == ["Channel trouble."]


def test_it_keeps_a_stored_language_that_has_no_two_letter_code(
    editor: Client, world: World
) -> None:
    contact_point = _contact_point(world, languages=["sq", "aln"])  # Gheg Albanian

    content = editor.get(
        reverse("directory:contact_point_edit", args=[contact_point.pk])
    ).content.decode()

    assert re.search(
        r'name="languages" value="aln"[^>]*checked[^>]*>\s*Gheg Albanian</label>', content
    )


# --- Every mistake at once (issue 12 §5) --------------------------------------------------------

NAME_TAKEN = "An organisation with this name already exists in this country."


def test_the_organisation_form_shows_the_services_mistakes_with_its_own(
    editor: Client, world: World
) -> None:
    response = editor.post(
        reverse("directory:organisation_create", args=["AL"]),
        _organisation_data(name="AGENCY C OUTSIDER NGO", website="http://"),
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["name"] == [NAME_TAKEN]  # the service's rule
    assert errors["website"] == ["Enter a valid URL."]  # the form's own
    assert Organisation.objects.filter(country=world.country_a).count() == 2


def test_the_edit_form_shows_a_parent_cycle_and_a_taken_name_together(
    editor: Client, world: World
) -> None:
    child = Organisation.objects.create(
        country=world.country_a, name="Fictiva Unit", type=OrganisationType.POLICE
    )
    child.parent = world.agency_a
    child.save()
    data = model_to_dict(world.agency_a, fields=services.ORGANISATION_FIELDS)
    data |= {"name": "Agency C Outsider NGO", "parent": child.pk}
    data["version"] = world.agency_a.version

    response = editor.post(
        reverse("directory:organisation_edit", args=[world.agency_a.pk]),
        {key: "" if value is None else value for key, value in data.items()},
    )

    errors = response.context["form"].errors
    assert errors["name"] == [NAME_TAKEN]
    assert errors["parent"] == ["An organisation cannot be its own parent."]
    world.agency_a.refresh_from_db()
    assert (world.agency_a.name, world.agency_a.parent) == ("Agency A Centre for Social Work", None)


def test_the_edit_form_shows_a_taken_name_with_its_own_mistake(
    editor: Client, world: World
) -> None:
    """The form's own error (the website) and the service's (the name) after one submit, on
    the edit page as on the new one; the entry keeps what it had."""
    data = model_to_dict(world.agency_a, fields=services.ORGANISATION_FIELDS)
    data |= {"name": "Agency C Outsider NGO", "website": "http://"}
    data["version"] = world.agency_a.version

    response = editor.post(
        reverse("directory:organisation_edit", args=[world.agency_a.pk]),
        {key: "" if value is None else value for key, value in data.items()},
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["name"] == [NAME_TAKEN]
    assert errors["website"] == ["Enter a valid URL."]
    world.agency_a.refresh_from_db()
    assert world.agency_a.name == "Agency A Centre for Social Work"
