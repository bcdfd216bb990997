"""Three real nodes (issue 13): AL and MD are peers already; RS joins. After one worker pass on
AL and on MD, RS holds both countries' directories as read-only copies and can address each
focal point, with no directory work by hand on RS; a change on AL reaches RS at the next pass.
Each node is a separate server process with its own database and keys (nodes.py)."""

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.exchange.nodes import Network, Node, Template, link, start_network
from tests.exchange.test_referral_journey import api, deliver, referral

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
def network(tmp_path_factory: pytest.TempPathFactory, node_template: Template) -> Iterator[Network]:
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
        template=node_template,
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


# --- the journey across the three nodes (issue 13 "done when") ---------------------------------
# It continues from the test above (the same module's network): RS first publishes its own
# focal point, AL refers a case to it by the copy RS published, RS acknowledges (held back, so
# that "accepted" reaches AL first and waits), accepts, AL rotates its keys, AL arranges the
# return, RS confirms the arrival and reports a follow-up. A referral for Moldova that reaches
# RS (AL's peer for Moldova misconfigured) is refused, and AL's referral page shows why.

AGENCY = "Fictional Tirana Social Work Centre"
PERSON = "Fictiva Threenodes"


def setup_journey() -> None:
    """On AL: an agency with a case manager and a caseworker; a case with consent to share
    with RS's and MD's focal points (the copies those nodes published) and to return; an
    agreement letting identity, assistance and travel flow from the agency to both."""
    from datetime import date, timedelta

    from django.utils import timezone

    from conftest import World
    from opentrm.accounts.policy import FieldGroup
    from opentrm.accounts.roles import Role
    from opentrm.agreements.tests.factories import make_agreement
    from opentrm.cases.services import NameData, case_register, consent_record
    from opentrm.directory.models import Country, Organisation, OrganisationType
    from opentrm.referrals.services import routing
    from tests.exchange.test_referral_journey import _member

    al = Country.objects.get(code="AL")
    agency = Organisation.objects.create(
        country=al, name=AGENCY, type=OrganisationType.SOCIAL_SERVICES
    )
    manager, _token = _member(agency, Role.CASE_MANAGER, "al_manager")
    _worker, worker_token = _member(agency, Role.CASEWORKER, "al_worker")
    rs_point, md_point = routing.focal_point("RS"), routing.focal_point("MD")
    assert rs_point is not None
    assert md_point is not None
    case = case_register(
        actor=manager,
        names=[NameData(PERSON)],
        sex="female",
        date_of_birth=date(1995, 3, 9),
        citizenships=["RS"],
        languages=["sr"],
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    for point in (rs_point, md_point):
        consent_record(
            actor=manager,
            case=case,
            purpose="share_data",
            decision="given",
            decided_on=yesterday,
            explained_in="sr",
            information_given="Explained with a fictional interpreter.",
            recipient_organisation=point,
        )
    consent_record(
        actor=manager,
        case=case,
        purpose="return",
        decision="given",
        decided_on=yesterday,
        explained_in="sr",
        information_given="Explained.",
    )
    groups = (FieldGroup.IDENTITY, FieldGroup.ASSISTANCE, FieldGroup.TRAVEL)
    world = World(al, rs_point.country, agency, rs_point, agency, {}, {})
    world.members_a[Role.CASE_MANAGER] = manager.membership
    make_agreement(
        world,
        others=[rs_point, md_point],
        flows={(agency, rs_point): groups, (agency, md_point): groups},
        sign=True,
    )
    found = {
        "worker": worker_token,
        "case": str(case.public_id),
        "rs_point": str(rs_point.uuid),
        "rs_origin": rs_point.origin_node,
    }
    print(MARK + json.dumps(found))


def setup_receiver(name: str) -> None:
    """On RS: a case manager of RS's own focal point, with an API token."""
    from opentrm.accounts.roles import Role
    from opentrm.directory.models import Organisation
    from tests.exchange.test_referral_journey import _member

    _manager, token = _member(Organisation.objects.get(name=name), Role.CASE_MANAGER, "rs_mgr")
    print(MARK + json.dumps({"manager": token}))


def hold_back(type_: str, sequence: int) -> None:
    """This node's package of ``type_`` and ``sequence`` waits a day before its next attempt
    (as if the network lost it for a while); the others go."""
    from datetime import timedelta

    from django.utils import timezone

    from opentrm.exchange.models import OutboxMessage

    held = OutboxMessage.objects.filter(type=type_, sequence=sequence, status="queued")
    assert held.update(next_attempt_at=timezone.now() + timedelta(days=1)) == 1
    print(MARK + json.dumps({}))


def release() -> None:
    from django.utils import timezone

    from opentrm.exchange.models import OutboxMessage

    OutboxMessage.objects.filter(status="queued").update(next_attempt_at=timezone.now())
    print(MARK + json.dumps({}))


def misconfigure_moldova() -> None:
    """AL's operator mistakes RS's node for Moldova's: Moldova's peer suspended, RS's peer
    recorded with country MD. A referral to Moldova then travels to RS."""
    from opentrm.exchange.models import Peer

    Peer.objects.filter(node_id="test-node-md").update(status="suspended")
    Peer.objects.filter(node_id="test-node-rs").update(country_code="MD")
    print(MARK + json.dumps({}))


def _page(node: Node, username: str, path: str) -> str:
    """A page of ``node`` as ``username`` (password as test_referral_journey's members')."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = f"{node.base_url}/account/login/"
    page = opener.open(login).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page[:500]
    data = urllib.parse.urlencode(
        {
            "username": username,
            "password": "fictional-pass-" + username,
            "csrfmiddlewaretoken": token.group(1),
        }
    ).encode()
    request = urllib.request.Request(login, data=data, headers={"Referer": node.base_url + "/"})
    opener.open(request).read()
    return str(opener.open(f"{node.base_url}{path}").read().decode())


def _referral_id(node: Node, public_id: str) -> int:
    ((pk,),) = node.query(
        "SELECT id FROM referrals_referral WHERE public_id = ?",
        [node.database.uuid_param(public_id)],
    )
    return int(pk)


Journey = tuple[str, str]  # (AL's, RS's): the caseworker's token and the manager's


def _refer(al: Node, rs: Node, at_al: dict[str, Any], manager: str, point: str) -> Journey:
    """AL's caseworker sends the referral; RS's focal point (the one RS published) has it."""
    worker = at_al["worker"]
    draft = api(
        al,
        worker,
        "POST",
        "/referrals/transnational",
        {"case": at_al["case"], "country": "RS", "reason": "Fictional: return to her family."},
    )
    public_al = str(draft["referral"])
    api(al, worker, "POST", f"/referrals/{public_al}/template/send", {"version": draft["version"]})
    deliver(al)
    inbox = api(rs, manager, "GET", "/referrals/?box=inbox")
    assert inbox["count"] == 1
    incoming = inbox["items"][0]
    public_rs = str(incoming["public_id"])
    ((receiver_uuid,),) = rs.query(
        "SELECT o.uuid FROM referrals_referral r JOIN directory_organisation o "
        "ON o.id = r.receiver_organisation_id WHERE r.public_id = ?",
        [rs.database.uuid_param(public_rs)],
    )
    assert str(receiver_uuid).replace("-", "") == point.replace("-", "")

    return public_al, public_rs


def _steps_out_of_order(al: Node, rs: Node, tokens: Journey, ids: Journey) -> dict[str, Any]:
    """RS acknowledges and accepts; the first step arrives late and is applied first."""
    (worker, manager), (public_al, public_rs) = tokens, ids
    ((incoming_version,),) = [
        (item["version"],)
        for item in api(rs, manager, "GET", "/referrals/?box=inbox")["items"]
        if str(item["public_id"]) == public_rs
    ]
    # RS acknowledges and accepts; "acknowledged" is held back, so "accepted" arrives first.
    step = api(
        rs, manager, "POST", f"/referrals/{public_rs}/acknowledge", {"version": incoming_version}
    )
    accepted = api(
        rs, manager, "POST", f"/referrals/{public_rs}/accept", {"version": step["version"]}
    )
    assert accepted["status"] == "accepted"
    _in_node(rs, "hold_back('status_update', 1)")
    _worker_pass(rs)
    assert referral(al, worker, public_al)["status"] == "sent"  # "accepted" waits on AL
    ((waiting, processed),) = al.query(
        "SELECT last_error, processed_at FROM exchange_inboxmessage "
        "WHERE type = 'status_update' AND sequence = 2"
    )
    assert (waiting, processed) == ("waiting_for_previous", None)
    _in_node(rs, "release()")
    deliver(rs)  # the late "acknowledged" arrives: both applied, in order
    seen_al = referral(al, worker, public_al)
    assert seen_al["status"] == "accepted"
    ((acknowledged_at,),) = al.query(
        "SELECT acknowledged_at FROM referrals_referral WHERE id = ?",
        [_referral_id(al, public_al)],
    )
    assert acknowledged_at is not None

    return seen_al


def _rotate_mid_journey(al: Node, rs: Node, tokens: Journey, ids: Journey, version: int) -> None:
    """AL rotates its keys; the return, the arrival and the follow-up go on as before."""
    (worker, manager), (public_al, public_rs) = tokens, ids
    # AL rotates its keys in the middle of the journey; nothing is done by hand anywhere.
    old_kid = al.query("SELECT kid FROM exchange_nodekey WHERE use = 'sig' AND active")[0][0]
    assert "announced" in al.run("init_node", "--rotate")
    new_kid = al.query("SELECT kid FROM exchange_nodekey WHERE use = 'sig' AND active")[0][0]
    assert new_kid != old_kid
    api(
        al,
        worker,
        "POST",
        f"/referrals/{public_al}/template/steps/return_arranged",
        {"version": version},
    )
    deliver(al)  # the announcement, the outcomes, the step
    seen_rs = referral(rs, manager, public_rs)
    assert seen_rs["status"] == "return_arranged"
    api(
        rs,
        manager,
        "POST",
        f"/referrals/{public_rs}/template/steps/arrival_confirmed",
        {"version": seen_rs["version"]},
    )
    api(
        rs,
        manager,
        "POST",
        f"/referrals/{public_rs}/template/follow-ups",
        {
            "reported_on": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
            "values": {"s6_1.accommodation": "shelter"},
            "summary": "Fictional first visit after the return.",
        },
    )
    deliver(rs)
    deliver(al)  # AL's answers, signed with its new key now that RS holds it
    assert referral(al, worker, public_al)["status"] == "arrival_confirmed"
    assert al.query("SELECT summary FROM referrals_followupreport") == [
        ("Fictional first visit after the return.",)
    ]
    ((keys_of_al,),) = rs.query(
        "SELECT public_jwks FROM exchange_peer WHERE node_id = ?", [al.node_id]
    )
    keys_of_al = json.loads(keys_of_al) if isinstance(keys_of_al, str) else keys_of_al
    assert next(k["kid"] for k in keys_of_al["keys"] if k["use"] == "sig") == new_kid
    for node in (al, rs):
        assert node.query("SELECT COUNT(*) FROM exchange_rejectioncount")[0][0] == 0
        answers = node.query(
            "SELECT DISTINCT outcome FROM exchange_outboxmessage "
            "WHERE type NOT IN ('outcome', 'directory', 'key_announcement')"
        )
        assert answers == [("applied",)], answers


def _misaddressed(al: Node, md: Node, rs: Node, at_al: dict[str, Any], manager: str) -> None:
    """A referral for Moldova that reaches RS is refused there; AL's page shows why."""
    worker = at_al["worker"]
    # A referral for Moldova that reaches RS is refused there; AL's page shows why.
    _in_node(al, "misconfigure_moldova()")
    draft = api(
        al,
        at_al["worker"],
        "POST",
        "/referrals/transnational",
        {"case": at_al["case"], "country": "MD", "reason": "Fictional: misaddressed."},
    )
    public_md = str(draft["referral"])
    api(al, worker, "POST", f"/referrals/{public_md}/template/send", {"version": draft["version"]})
    deliver(al)
    deliver(rs)
    ((outcome, code),) = al.query(
        "SELECT outcome, outcome_code FROM exchange_outboxmessage WHERE referral_id = ?",
        [_referral_id(al, public_md)],
    )
    assert (outcome, code) == ("refused", "wrong_country")
    assert api(rs, manager, "GET", "/referrals/?box=inbox")["count"] == 1  # only the first
    page = _page(al, "al_worker", f"/referrals/{public_md}/")
    assert "Refused by the receiving node" in page
    assert "another country" in page
    assert md.query("SELECT COUNT(*) FROM referrals_referral") == [(0,)]


def test_the_journey_across_three_nodes_with_a_rotation_misaddressing_and_a_late_step(
    network: Network,
) -> None:
    al, md, rs = network.node("AL"), network.node("MD"), network.node("RS")
    rs_point = _in_node(rs, "setup_directory('Fictional Serbian Focal Point', 'Vesna Fiktivna')")
    _worker_pass(rs)  # RS's directory reaches AL and MD
    at_al = _in_node(al, "setup_journey()")
    # AL addresses RS's focal point by the copy RS published: the same stable organisation
    assert (at_al["rs_point"], at_al["rs_origin"]) == (rs_point["uuid"], "test-node-rs")
    at_rs = _in_node(rs, "setup_receiver('Fictional Serbian Focal Point')")
    worker, manager = at_al["worker"], at_rs["manager"]

    public_al, public_rs = _refer(al, rs, at_al, manager, rs_point["uuid"])
    seen_al = _steps_out_of_order(al, rs, (worker, manager), (public_al, public_rs))
    _rotate_mid_journey(al, rs, (worker, manager), (public_al, public_rs), seen_al["version"])
    _misaddressed(al, md, rs, at_al, manager)


def test_stored_tokens_verify_independently_against_the_senders_published_keys(
    network: Network,
) -> None:
    """Issue 13: a package RS stored is re-checked later, outside OpenTRM's own crypto (with
    jwcrypto, not joserfc), against the keys AL publishes at /.well-known/opentrm-node.json:
    the ones AL signed before its rotation (old key, still published until its expiry) and
    after it (new key); a single changed byte fails."""
    import urllib.request

    from jwcrypto import jwk, jws
    from jwcrypto.common import JWException, json_decode

    al, rs = network.node("AL"), network.node("RS")
    with urllib.request.urlopen(f"{al.base_url}/.well-known/opentrm-node.json") as response:
        document = json.loads(response.read())
    assert document["node_id"] == al.node_id
    published = {key["kid"]: key for key in document["keys"]["keys"] if key["use"] == "sig"}
    stored = rs.query(
        "SELECT m.message_id, m.type, m.signed FROM exchange_inboxmessage m "
        "JOIN exchange_peer p ON p.id = m.peer_id WHERE p.node_id = ? AND m.signed <> ''",
        [al.node_id],
    )
    kids_used = set()
    for message_id, type_, token in stored:
        check = jws.JWS()
        check.deserialize(token)
        kid = check.jose_header["kid"]
        kids_used.add(kid)
        check.verify(jwk.JWK(**published[kid]))  # raises when the signature does not hold
        payload = json_decode(check.payload)
        assert payload["iss"] == al.node_id
        assert payload["jti"].replace("-", "") == str(message_id).replace("-", "")
        assert payload["type"] == type_
    assert len(kids_used) == 2  # before and after the rotation
    assert {"referral", "status_update"} <= {type_ for _, type_, _ in stored}

    # The check can fail: the same token with one character of its payload changed.
    header, payload_b64, signature = stored[0][2].split(".")
    flipped = payload_b64[:10] + ("A" if payload_b64[10] != "A" else "B") + payload_b64[11:]
    forged = jws.JWS()
    forged.deserialize(".".join((header, flipped, signature)))
    with pytest.raises(JWException):
        forged.verify(jwk.JWK(**published[forged.jose_header["kid"]]))
