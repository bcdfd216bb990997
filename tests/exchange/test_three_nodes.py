"""Three real nodes (issue 13): AL and MD are peers already; RS joins. After one worker pass on
AL and on MD, RS holds both countries' directories as read-only copies and can address each
focal point, with no directory work by hand on RS; a change on AL reaches RS at the next pass.
Each node is a separate server process with its own database and keys (nodes.py)."""

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.exchange.nodes import Network, Node, link, start_network

MARK = "FEDERATION:"


# --- run inside a node (``opentrm shell -c``) -------------------------------------------------


def setup_directory(name: str, person: str) -> None:
    """This node's focal point, entered by its directory editor through the services."""
    from django.conf import settings

    from opentrm.accounts.models import Membership, User
    from opentrm.accounts.policy import Actor
    from opentrm.accounts.roles import Role
    from opentrm.directory import services
    from opentrm.directory.models import Country, Function, Organisation, OrganisationType

    country = Country.objects.get(code=settings.OPENTRM_NODE_COUNTRY)
    office = Organisation.objects.get(country=country, name="Fictional national referral office")
    user = User.objects.create_user(username="directory_editor", password="fictional-pass-dir")
    membership = Membership.objects.create(
        user=user, organisation=office, role=Role.DIRECTORY_EDITOR
    )
    editor = Actor(user=user, membership=membership)
    point = services.organisation_create(
        actor=editor, country=country, name=name, type=OrganisationType.NATIONAL_COORDINATION
    )
    contact = services.contact_point_create(
        actor=editor,
        organisation=point,
        position="Head of transnational referrals",
        person_name=person,
        channels=[services.ChannelData(kind="email", value="nfp@example.org")],
        languages=["en"],
    )
    services.contact_point_create(
        actor=editor,
        organisation=point,
        position="Internal desk",
        notes="Fictional internal note",
        share_abroad=False,
    )
    services.responsibility_add(
        actor=editor,
        country=country,
        function=Function.NATIONAL_FOCAL_POINT,
        organisation=point,
        contact_point=contact,
    )
    print(MARK + json.dumps({"uuid": str(point.uuid)}))


def change_city(name: str, city: str) -> None:
    from opentrm.accounts.models import User
    from opentrm.accounts.policy import Actor
    from opentrm.directory import services
    from opentrm.directory.models import Organisation

    user = User.objects.get(username="directory_editor")
    editor = Actor(user=user, membership=user.memberships.get())
    point = Organisation.objects.get(name=name)
    services.organisation_update(
        actor=editor, organisation=point, expected_version=point.version, city=city
    )
    print(MARK + json.dumps({}))


def focal_points() -> None:
    """What this node would address a referral abroad to: each country's focal point."""
    from opentrm.directory.models import ContactPoint, Organisation
    from opentrm.referrals.services import routing

    found: dict[str, Any] = {}
    for code in ("AL", "MD"):
        point = routing.focal_point(code)
        if point is None:
            continue
        copy = Organisation.objects.get(pk=point.pk)
        contacts = ContactPoint.objects.filter(organisation=copy, is_active=True)
        found[code] = {
            "uuid": str(copy.uuid),
            "origin": copy.origin_node,
            "city": copy.city,
            "synced": copy.synced_at is not None,
            "contacts": sorted(c.position for c in contacts),
            "people": sorted(c.person_name for c in contacts),
            "notes": sorted(c.notes for c in contacts),
        }
    print(MARK + json.dumps(found))


def _in_node(node: Node, call: str) -> Any:
    module = "tests.exchange.test_three_nodes"
    out = node.run("shell", "-c", f"from {module} import *; {call}")
    match = re.search(re.escape(MARK) + r"(.+)", out)
    assert match, out
    return json.loads(match.group(1))


def _worker_pass(node: Node) -> None:
    node.run("exchange_worker", "--once")


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    workdir: Path = tmp_path_factory.mktemp("three-nodes")
    made = start_network(
        workdir,
        os.environ.get("DATABASE_URL"),
        [
            ("node_al", "test-node-al", "AL"),
            ("node_md", "test-node-md", "MD"),
            ("node_rs", "test-node-rs", "RS"),
        ],
        linked=False,
    )
    try:
        yield made
    finally:
        made.close()


def test_a_joining_node_sees_every_peers_focal_point_after_one_pass(network: Network) -> None:
    al, md, rs = network.node("AL"), network.node("MD"), network.node("RS")
    al_point = _in_node(al, "setup_directory('Fictional Albanian Focal Point', 'Arta Fiktive')")
    md_point = _in_node(md, "setup_directory('Fictional Moldovan Focal Point', 'Ion Fictiv')")
    link(al, md)  # the existing network
    for node in (al, md):
        _worker_pass(node)
    assert _in_node(rs, "focal_points()") == {}  # RS knows nothing yet

    link(rs, al)  # RS joins: fingerprints compared with each administrator
    link(rs, md)
    for node in (al, md):  # one worker pass on each node
        _worker_pass(node)

    seen = _in_node(rs, "focal_points()")
    assert seen["AL"]["uuid"] == al_point["uuid"]
    assert seen["AL"]["origin"] == "test-node-al"
    assert seen["MD"]["uuid"] == md_point["uuid"]
    assert seen["MD"]["origin"] == "test-node-md"
    assert seen["AL"]["contacts"] == ["Head of transnational referrals"]  # not the unshared one
    assert seen["AL"]["people"] == ["Arta Fiktive"]
    assert seen["AL"]["notes"] == [""]
    assert seen["AL"]["synced"]
    assert seen["MD"]["synced"]
    # AL and MD hold each other's directory too, from before RS joined
    assert _in_node(al, "focal_points()")["MD"]["origin"] == "test-node-md"

    _in_node(al, "change_city('Fictional Albanian Focal Point', 'Fictiva')")
    _worker_pass(al)
    assert _in_node(rs, "focal_points()")["AL"]["city"] == "Fictiva"
    synced = rs.query("SELECT COUNT(*) FROM audit_auditevent WHERE event_type = 'DIRECTORY_SYNCED'")
    assert synced[0][0] >= 3  # AL's snapshot, MD's snapshot, AL's change
