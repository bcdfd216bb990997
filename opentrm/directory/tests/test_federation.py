"""Directory federation on one node: what is published, how a peer's entries are held (read-only
copies marked with their node and freshness), and that nobody here edits them."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.directory import federation, services
from opentrm.directory.access import access_contact_point, access_organisation
from opentrm.directory.models import (
    ContactPoint,
    Country,
    DirectorySource,
    Function,
    Organisation,
    OrganisationType,
    Responsibility,
)

PEER = "opentrm-md"


def _record(name: str, **more: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "type": "national_coordination",
        "city": "Chisinau",
        "contacts": [],
        "functions": [],
        **more,
    }


def _focal_point_record(name: str = "Fictional Moldovan Focal Point") -> dict[str, Any]:
    contact = {
        "id": str(uuid.uuid4()),
        "position": "Head of referrals",
        "person_name": "Ion Fictiv",
        "unit": "",
        "languages": ["ro", "ru"],
        "channels": [{"kind": "email", "value": "nfp@example.md", "available_24_7": False}],
    }
    return _record(
        name,
        contacts=[contact],
        functions=[{"function": "national_focal_point", "contact": contact["id"], "order": 0}],
    )


def _apply(records: list[dict[str, Any]], *, minutes: int = 0, **more: Any) -> Any:
    return federation.mirror_apply(
        node_id=PEER,
        country_code="MD",
        as_of=timezone.now() + timedelta(minutes=minutes),
        records=records,
        actor=None,
        **more,
    )


def test_it_publishes_only_what_is_shared_with_other_countries(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    shared = services.organisation_create(
        actor=editor,
        country=world.country_a,
        name="Fictional shared agency",
        type=OrganisationType.NGO,
        notes="Internal note never to travel",
        clearance_issuer="Fictional clearance office",
    )
    services.contact_point_create(
        actor=editor, organisation=shared, position="Duty officer", person_name="Ana Fictive"
    )
    services.contact_point_create(
        actor=editor, organisation=shared, position="Private line", share_abroad=False
    )
    services.organisation_create(
        actor=editor,
        country=world.country_a,
        name="Fictional local-only office",
        type=OrganisationType.OTHER,
        share_abroad=False,
    )

    published = federation.published_records(world.country_a.code, None)

    names = {record["name"] for record in published.records}
    assert "Fictional shared agency" in names
    assert "Fictional local-only office" not in names
    assert all(
        o.country_id == world.country_a.pk
        for o in Organisation.objects.filter(uuid__in=[r["id"] for r in published.records])
    )
    record = next(r for r in published.records if r["name"] == "Fictional shared agency")
    assert record["id"] == str(shared.uuid)
    assert [c["position"] for c in record["contacts"]] == ["Duty officer"]
    text = repr(record)
    assert "Internal note" not in text
    assert "clearance" not in text


def test_it_holds_a_peers_entries_as_copies_marked_with_their_node(db: None) -> None:
    result = _apply([_focal_point_record()])

    copy = Organisation.objects.get(origin_node=PEER)
    assert result.created == 1
    assert copy.is_mirrored
    assert copy.country.code == "MD"
    assert copy.synced_at is not None
    focal = Responsibility.objects.get(function=Function.NATIONAL_FOCAL_POINT, country__code="MD")
    assert focal.organisation == copy
    assert focal.contact_point is not None
    assert focal.contact_point.person_name == "Ion Fictiv"
    assert sorted(focal.contact_point.languages.values_list("code", flat=True)) == ["ro", "ru"]
    source = DirectorySource.objects.get(node_id=PEER)
    assert source.last_synced_at is not None
    event = AuditEvent.objects.filter(event_type="DIRECTORY_SYNCED").latest("sequence")
    assert event.detail["created"] == 1
    assert "Ion" not in repr(event.detail)


def test_an_older_copy_never_replaces_a_newer_one(db: None) -> None:
    record = _record("Fictional Moldovan Shelter")
    _apply([record], minutes=5)
    _apply([{**record, "name": "Old name of the shelter"}], minutes=1)

    assert Organisation.objects.get(uuid=record["id"]).name == "Fictional Moldovan Shelter"


def test_removed_and_absent_entries_are_deactivated(db: None) -> None:
    kept, dropped, absent = (_record(f"Fictional body {n}") for n in range(3))
    _apply([kept, dropped, absent])

    _apply([], minutes=1, removed=[dropped["id"]])
    _apply([kept], minutes=2, present=[kept["id"]])

    active = set(
        Organisation.objects.filter(origin_node=PEER, is_active=True).values_list("name", flat=True)
    )
    assert active == {"Fictional body 0"}
    assert DirectorySource.objects.get(node_id=PEER).last_snapshot_at is not None


def test_a_hand_made_entry_for_the_peers_country_is_taken_over(db: None) -> None:
    md = Country.objects.create(code="MD")
    hand_made = Organisation.objects.create(
        country=md, name="Fictional Moldovan Focal Point", type=OrganisationType.OTHER
    )
    record = _focal_point_record()
    _apply([record])

    hand_made.refresh_from_db()
    assert hand_made.origin_node == PEER
    assert str(hand_made.uuid) == record["id"]
    assert Organisation.objects.filter(country=md).count() == 1


def test_a_peer_cannot_overwrite_this_nodes_own_entry(world: World) -> None:
    mine = world.agency_a
    _apply([_record("Hijacked", id=str(mine.uuid))])

    mine.refresh_from_db()
    assert mine.name != "Hijacked"
    assert mine.origin_node == ""


def _mirrored_in(country: Country) -> Organisation:
    """A copy of another node's entry filed under the editor's own country (as on a node
    serving several countries): only the country test would let the editor through."""
    copy = Organisation.objects.create(
        country=country,
        name="Fictional copied body",
        type=OrganisationType.OTHER,
        origin_node=PEER,
    )
    ContactPoint.objects.create(organisation=copy, position="Desk")
    return copy


def test_it_refuses_editing_another_nodes_copy_to_every_editor(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    copy = _mirrored_in(world.country_a)
    assert access_organisation(editor, world.agency_a.pk, action="change") == world.agency_a

    with pytest.raises(PermissionDenied):
        access_organisation(editor, copy.pk, action="change")
    with pytest.raises(PermissionDenied):
        access_contact_point(editor, copy.contact_points.get().pk, action="change")
    with pytest.raises(PermissionDenied):
        services.organisation_update(
            actor=editor, organisation=copy, expected_version=copy.version, name="Changed"
        )
    with pytest.raises(PermissionDenied):
        services.contact_point_create(actor=editor, organisation=copy, position="New desk")
    copy.refresh_from_db()
    assert copy.name == "Fictional copied body"


def test_the_page_of_a_copy_shows_its_node_and_freshness_and_no_edit(
    world: World, client: Client
) -> None:
    _apply([_focal_point_record()])
    copy = Organisation.objects.get(origin_node=PEER)
    client.force_login(world.user(Role.DIRECTORY_EDITOR))

    page = client.get(reverse("directory:organisation_detail", args=[copy.pk]))
    country_page = client.get(reverse("directory:country_detail", args=["MD"]))
    edit = client.get(reverse("directory:organisation_edit", args=[copy.pk]))

    html = page.content.decode()
    assert f'data-source-node="{PEER}"' in html
    assert "Last synchronised" in html
    assert reverse("directory:organisation_edit", args=[copy.pk]) not in html
    assert f'data-source-node="{PEER}"' in country_page.content.decode()
    assert edit.status_code == 403


def test_the_api_marks_a_copy_with_its_node_and_freshness(world: World, client: Client) -> None:
    as_of = timezone.now() - timedelta(minutes=5)
    federation.mirror_apply(
        node_id=PEER, country_code="MD", as_of=as_of, records=[_focal_point_record()], actor=None
    )
    copy = Organisation.objects.get(origin_node=PEER)
    own = Organisation.objects.filter(origin_node="").first()
    assert own is not None
    client.force_login(world.user(Role.DIRECTORY_EDITOR))

    mirrored = client.get(f"/api/v1/directory/organisations/{copy.pk}").json()
    local = client.get(f"/api/v1/directory/organisations/{own.pk}").json()

    assert mirrored["uuid"] == str(copy.uuid)
    assert mirrored["origin_node"] == PEER
    assert mirrored["synced_at"] is not None
    assert mirrored["source_as_of"][:16] == as_of.isoformat()[:16]
    assert (local["origin_node"], local["synced_at"], local["source_as_of"]) == ("", None, None)
