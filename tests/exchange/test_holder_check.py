""" "Do you hold this person?" between two real nodes (separate server processes and databases,
real HTTP, real crypto): node A (AL) asks node B (RO) with a keyed encoding of a person; B holds
the same person entered in Cyrillic and answers with a reference and whom to contact; for a
person B does not hold it answers no, and keeps nothing of either question; a member of A
without the right is refused. Members act through the pages, packages travel through the
workers."""

import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

from tests.exchange.nodes import ADMIN, Node, Pair

MARK = "HOLDER:"
A_ORG = "Fictional Tirana Social Services"
B_ORG = "Fictional Bucharest Shelter"
B_POINT = "Fictional Romanian National Focal Point"
LATIN = "Marija Petrović"
CYRILLIC = "Марија Петровић"
NOT_HELD = "Jelena Nikolić"
PASSWORD = "fictional-pass-"


# --- run inside a node (``opentrm shell -c``) -------------------------------------------------


def _member(organisation: Any, role: str, username: str) -> Any:
    from opentrm.accounts.models import Membership, User
    from opentrm.accounts.policy import Actor

    user = User.objects.create_user(username=username, password=PASSWORD + username)
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    return Actor(user=user, membership=membership)


def setup_node_a() -> None:
    """Node A: an agency with a case manager and a caseworker, another agency's case manager,
    and two cases: one of a person B holds, one of a person it does not."""
    from datetime import date

    from opentrm.accounts.roles import Role
    from opentrm.cases.services import NameData, case_register
    from opentrm.directory.models import Country, Organisation, OrganisationType

    al, _ = Country.objects.get_or_create(code="AL")
    agency = Organisation.objects.create(
        country=al, name=A_ORG, type=OrganisationType.SOCIAL_SERVICES
    )
    other = Organisation.objects.create(
        country=al, name="Fictional Other NGO", type=OrganisationType.NGO
    )
    manager = _member(agency, Role.CASE_MANAGER, "a_manager")
    _member(agency, Role.CASEWORKER, "a_worker")
    _member(other, Role.CASE_MANAGER, "x_manager")
    held = case_register(
        actor=manager,
        names=[NameData(LATIN)],
        sex="female",
        date_of_birth=date(1998, 3, 4),
        citizenships=["RS"],
    )
    not_held = case_register(
        actor=manager,
        names=[NameData(NOT_HELD)],
        date_of_birth=date(1990, 7, 1),
        citizenships=["AL"],
    )
    print(MARK + json.dumps({"held": str(held.public_id), "not_held": str(not_held.public_id)}))


def setup_node_b() -> None:
    """Node B: a shelter holding the same person entered in Cyrillic with an estimated birth
    year one off, and RO's national focal point."""
    from datetime import date

    from opentrm.accounts.roles import Role
    from opentrm.cases.services import NameData, case_register
    from opentrm.directory.models import (
        Country,
        Function,
        Organisation,
        OrganisationType,
        Responsibility,
    )

    ro, _ = Country.objects.get_or_create(code="RO")
    shelter = Organisation.objects.create(country=ro, name=B_ORG, type=OrganisationType.SHELTER)
    point = Organisation.objects.create(
        country=ro, name=B_POINT, type=OrganisationType.NATIONAL_COORDINATION
    )
    Responsibility.objects.create(
        country=ro, function=Function.NATIONAL_FOCAL_POINT, organisation=point
    )
    manager = _member(shelter, Role.CASE_MANAGER, "b_manager")
    case = case_register(
        actor=manager,
        names=[NameData(CYRILLIC, script="Cyrl")],
        sex="female",
        date_of_birth=date(1997, 1, 1),
        citizenships=["RS"],
    )
    print(MARK + json.dumps({"case": case.pk}))


def _in_node(node: Node, function: str) -> dict[str, Any]:
    out = node.run(
        "shell", "-c", f"from tests.exchange.test_holder_check import {function}; {function}()"
    )
    match = re.search(re.escape(MARK) + r"(.+)", out)
    assert match, out
    found: dict[str, Any] = json.loads(match.group(1))
    return found


# --- over HTTP --------------------------------------------------------------------------------


class Browser:
    """A member of a node using its pages: logs in, reads pages, submits forms with their
    CSRF token."""

    def __init__(self, node: Node, username: str) -> None:
        self.node = node
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.post("/account/login/", {"username": username, "password": PASSWORD + username})

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.node.base_url + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        _status, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        fields = {**data, "csrfmiddlewaretoken": token.group(1) if token else ""}
        request = urllib.request.Request(
            self.node.base_url + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Referer": self.node.base_url + "/"},
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def deliver(node: Node) -> None:
    """Worker passes until every package is delivered: on a loaded machine an attempt may time
    out and is retried after the nodes' short backoff (nodes.FAST_RETRIES)."""
    for _attempt in range(10):
        node.run("exchange_worker", "--once")
        rows = node.query("SELECT status FROM exchange_outboxmessage WHERE status != 'delivered'")
        if not rows:
            return
        assert all(status in ("queued", "failed") for (status,) in rows), rows
        time.sleep(2)
    raise AssertionError(f"still not delivered: {rows}")


def share_key(a: Node, b: Node) -> str:
    """A's administrator makes the pair's key; B's administrator sets the same (read out)."""
    out = a.run("linkage_key", "generate", b.node_id, "--as", ADMIN)
    key = re.search(r"Key: (\S+)", out)
    assert key, out
    done = subprocess.run(
        b.command("linkage_key", "set", a.node_id, "--as", ADMIN),
        input=key.group(1) + "\n",
        env=b.env(),
        cwd=b.home,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    key_id = re.search(r"Key id: (\S+)", out)
    assert key_id
    assert key_id.group(1) in done.stdout
    return key_id.group(1)


def ask(browser: Browser, case: str) -> tuple[int, str]:
    status, page = browser.get(f"/linkage/cases/{case}/ask/")
    if status != 200:
        return status, page
    peer = re.search(r'<option value="(\d+)"', page)
    assert peer, page[-2000:]
    return browser.post(f"/linkage/cases/{case}/ask/", {"peer": peer.group(1)})


def events(node: Node, event: str) -> list[dict[str, Any]]:
    rows = node.query("SELECT detail FROM audit_auditevent WHERE event_type = ?", [event])
    return [json.loads(d) if isinstance(d, str) else d for (d,) in rows]


def test_a_node_asks_a_peer_whether_it_holds_a_person(nodes: Pair) -> None:
    a, b = nodes.a, nodes.b
    at_a = _in_node(a, "setup_node_a")
    at_b = _in_node(b, "setup_node_b")
    share_key(a, b)
    manager = Browser(a, "a_manager")

    # A match: B holds the person in Cyrillic, born a year apart.
    status, _page = ask(manager, at_a["held"])
    assert status == 200
    deliver(a)  # the question to B, answered there at once
    deliver(b)  # the answer to A
    status, page = manager.get(f"/linkage/cases/{at_a['held']}/")
    assert status == 200
    assert f"A possible match is held by {B_ORG} (RO) — contact their focal point." in page
    assert f"National focal point: {B_POINT}." in page
    (reference,) = b.query("SELECT reference FROM linkage_holderreference")
    assert str(reference[0]).replace("-", "") in page.replace("-", "")
    assert CYRILLIC not in page
    # B's trail: the question answered, and on the matched case; A's: asked and answered.
    answered = events(b, "HOLDER_QUERY_ANSWERED")
    assert [e.get("case_id") for e in answered if "case_id" in e] == [at_b["case"]]
    assert [e["outcome"] for e in events(a, "HOLDER_ANSWER_RECEIVED")] == ["match"]
    assert len(events(a, "HOLDER_QUERY_SENT")) == 1

    # No match: B answers no, and neither question left anything on B but its digest.
    status, _page = ask(manager, at_a["not_held"])
    assert status == 200
    deliver(a)
    deliver(b)
    status, page = manager.get(f"/linkage/cases/{at_a['not_held']}/")
    assert "The other node holds no matching record" in page
    assert b.query("SELECT COUNT(*) FROM linkage_holderreference") == [(1,)]
    bodies = b.query("SELECT body FROM exchange_inboxmessage WHERE type = 'holder_query'")
    assert len(bodies) == 2
    assert all(
        json.loads(body) == {} if isinstance(body, str) else body == {} for (body,) in bodies
    )
    outcomes = sorted(e["outcome"] for e in events(b, "HOLDER_QUERY_ANSWERED") if "outcome" in e)
    assert outcomes == ["match", "no_match"]
    # What travelled holds no name, only the encoding (A's sealed copy is encrypted; the
    # receipt-checked plaintext is gone: the outbox keeps no body once delivered).
    sent = a.query("SELECT body FROM exchange_outboxmessage WHERE type = 'holder_query'")
    assert all(LATIN not in str(body) for (body,) in sent)

    # Refused: a caseworker of A (no right to ask), a case manager of an organisation that does
    # not take part in the case (the case is not there for her); nothing more is queued.
    queued = a.query("SELECT COUNT(*) FROM exchange_outboxmessage")
    worker = Browser(a, "a_worker")
    assert ask(worker, at_a["held"])[0] == 403
    assert worker.post(f"/linkage/cases/{at_a['held']}/ask/", {"peer": "1"})[0] == 403
    outsider = Browser(a, "x_manager")
    assert ask(outsider, at_a["held"])[0] == 404
    assert a.query("SELECT COUNT(*) FROM exchange_outboxmessage") == queued
