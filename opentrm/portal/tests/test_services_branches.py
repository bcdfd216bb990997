"""The portal's refusals one by one: each wrong field of a library item named, changes by
another organisation's editor refused, and the access functions' 404 and 403."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from conftest import World
from opentrm.accounts.policy import Action, Actor, can
from opentrm.accounts.roles import Role
from opentrm.portal import services
from opentrm.portal.access import (
    access_national_term,
    access_profile,
    access_resource,
    access_term,
)
from opentrm.portal.models import CountryProfile, GlossaryTerm, NationalTerm, Resource, Visibility
from opentrm.portal.tests.test_portal import PDF

pytestmark = pytest.mark.django_db


def _refusal(world: World, **values: Any) -> dict[str, list[str]]:
    fields: dict[str, Any] = {"kind": "law", "title": "Law", "language": "en", "url": ""}
    fields.update(values)
    with pytest.raises(ValidationError) as refused:
        services.resource_add(actor=world.actor(Role.DIRECTORY_EDITOR), **fields)
    assert not Resource.objects.exists()
    return refused.value.message_dict


def test_each_missing_field_of_a_library_item_is_named_at_once(world: World) -> None:
    assert _refusal(world, kind="poster", title=" ", language="", visibility="everyone") == {
        "title": ["Give the item a title."],
        "kind": ["Pick a type from the list."],
        "language": ["Pick the language of the item."],
        "file": ["Upload a file or give a link."],
        "visibility": ["Pick who may read the item."],
    }


def test_an_empty_or_too_large_file_is_refused(world: World, settings: Any) -> None:
    empty = SimpleUploadedFile("empty.pdf", b"")
    assert _refusal(world, upload=empty) == {"file": ["The file is empty."]}
    settings.OPENTRM_DOCUMENT_MAX_BYTES = 10
    large = SimpleUploadedFile("large.pdf", PDF)
    assert _refusal(world, upload=large) == {
        "file": [f"The file is too large: {10 / (1024 * 1024):g} MB at most."]
    }


def _link(world: World, visibility: str = Visibility.MEMBERS) -> Resource:
    return services.resource_add(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        kind="law",
        title="Fictional law",
        language="en",
        url="https://example.test/law",
        visibility=visibility,
    )


def test_another_organisations_editor_may_not_review_or_delete_an_item(world: World) -> None:
    item = _link(world)
    other = world.actor(Role.DIRECTORY_EDITOR, org="b")
    with pytest.raises(PermissionDenied):
        services.resource_review(actor=other, resource=item, expected_version=item.version)
    with pytest.raises(PermissionDenied):
        services.resource_delete(
            actor=other, resource=item, expected_version=item.version, reason="Outdated."
        )
    assert Resource.objects.live().get(pk=item.pk).version == item.version
    with pytest.raises(PermissionDenied):
        access_resource(other, item.pk, action="change")


def test_an_item_is_missing_for_who_may_not_read_it(world: World) -> None:
    item = _link(world, Visibility.ORGANISATIONS)
    with pytest.raises(Http404):
        access_resource(world.actor(Role.CASEWORKER, org="b"), item.pk)
    with pytest.raises(Http404):
        access_resource(world.actor(Role.CASEWORKER), item.pk + 1000)
    public = _link(world, Visibility.PUBLIC)
    nobody = Actor(user=world.user(Role.CASEWORKER), membership=None)
    assert can(nobody, Action.RESOURCE_VIEW, public)
    assert not can(nobody, Action.RESOURCE_VIEW, item)


def test_a_national_term_needs_a_name_and_is_removed_only_by_its_country(world: World) -> None:
    term = GlossaryTerm.objects.create(slug="fictional-term")
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    with pytest.raises(ValidationError) as refused:
        services.national_term_add(actor=coordinator, term=term, name="  ", language="sq")
    assert refused.value.message_dict == {"name": ["Give the country's term."]}
    national = services.national_term_add(
        actor=coordinator, term=term, name="term fiktiv", language="sq"
    )
    other = world.actor(Role.NATIONAL_COORDINATOR, org="b")
    with pytest.raises(PermissionDenied):
        services.national_term_remove(actor=other, national=national)
    with pytest.raises(PermissionDenied):
        access_national_term(other, national.pk)
    assert access_national_term(coordinator, national.pk) == national
    with pytest.raises(Http404):
        access_national_term(coordinator, national.pk + 1000)
    assert NationalTerm.objects.filter(pk=national.pk).exists()


def test_profiles_and_terms_are_for_members_only(world: World) -> None:
    nobody = Actor(user=world.user(Role.CASEWORKER), membership=None)
    with pytest.raises(Http404):
        access_profile(nobody, "al")
    with pytest.raises(Http404):
        access_term(nobody, "fictional-term")
    member = world.actor(Role.CASEWORKER)
    with pytest.raises(Http404):
        access_profile(member, "zz")
    with pytest.raises(Http404):
        access_term(member, "no-such-term")
    assert access_profile(member, "al").country == world.country_a  # made on first use
    assert not CountryProfile.objects.exists()  # but not saved
    with pytest.raises(PermissionDenied):
        access_profile(member, "al", action="change")
    editor = world.actor(Role.DIRECTORY_EDITOR)
    assert access_profile(editor, "al", action="change").country == world.country_a


def test_a_shipped_profile_brings_its_sop_adoption_date(world: World) -> None:
    made = services.profiles_load(
        {"version": "fictional-1", "profiles": {"AL": {"sop_adopted_on": "2019-03-04"}}}
    )
    assert made == 1
    assert CountryProfile.objects.get(country=world.country_a).sop_adopted_on == date(2019, 3, 4)
