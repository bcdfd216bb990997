"""Two ``opentrm serve`` processes on different ports sharing one database (issue 18, "past one
machine"): a member logs in on one and goes on working on the other, as behind a load balancer
that does not keep a member on one process.

Sessions and log-in throttling are in the database; the CSRF secret is in a cookie; the cache
(the feedback form's hourly counts) is shared with ``OPENTRM_CACHE=database``; an edit made on
one process makes a stale edit on the other fail with 409 and the version message. Runs on a
throwaway PostgreSQL cluster (tests/throwaway_node.py).
"""

import json
import re
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookiejar import CookieJar
from typing import Any

import pytest
from django.db import connection

from tests.throwaway_node import Member, Serve, binaries, running_nodes, status

pytestmark = [
    pytest.mark.django_db,  # so the run's database is made: its schema is copied
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a shared PostgreSQL cluster (SQLite: one file)"
    ),
    pytest.mark.skipif(binaries() is None, reason="no PostgreSQL server binaries (initdb)"),
]


@pytest.fixture(scope="module")
def two(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Serve, Serve, Member]]:
    home = tmp_path_factory.mktemp("two-home")
    with running_nodes(
        connection.settings_dict,
        home,
        processes=2,
        OPENTRM_CACHE="database",
        OPENTRM_FEEDBACK_PER_NODE_PER_HOUR="3",
    ) as (_cluster, (one, other), member):
        yield one, other, member


class Browser:
    """One member's browser: its cookies go to both processes (same host, other port)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, url: str) -> tuple[int, str, str]:
        with self.opener.open(url, timeout=30) as page:
            return page.status, page.geturl(), page.read().decode()

    def post(self, url: str, fields: dict[str, str]) -> tuple[int, str, str]:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode())
        try:
            with self.opener.open(request, timeout=30) as page:
                return page.status, page.geturl(), page.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, url, error.read().decode()


def _token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_member_logs_in_on_one_process_and_goes_on_on_the_other(
    two: tuple[Serve, Serve, Member],
) -> None:
    one, other, member = two
    browser = Browser()
    _status, _url, form = browser.get(f"{one.base}/account/login/")
    answer, landed, _page = browser.post(
        f"{one.base}/account/login/",
        {
            "csrfmiddlewaretoken": _token(form),
            "username": member.username,
            "password": member.password,
        },
    )
    assert answer == 200
    assert "/account/login/" not in landed

    answer, landed, page = browser.get(f"{other.base}/cases/")
    assert (answer, "/account/login/" in landed) == (200, False)

    # A form of one process posted to the other: the CSRF token is accepted, and logging out
    # there ends the session on both.
    answer, landed, _page = browser.post(
        f"{other.base}/account/logout/", {"csrfmiddlewaretoken": _token(page)}
    )
    assert answer == 200
    _answer, landed, _page = browser.get(f"{one.base}/cases/")
    assert "/account/login/" in landed


def test_the_feedback_form_s_hourly_limit_counts_on_both_processes(
    two: tuple[Serve, Serve, Member],
) -> None:
    one, other, _member = two
    answers = [
        status(f"{node.base}/feedback/WRONG{n:04d}/")[0]
        for n, node in enumerate([one, one, other, other, one])
    ]
    assert answers == [404, 404, 404, 429, 429]


def _api(
    node: Serve, member: Member, method: str, path: str, body: object = None
) -> tuple[int, dict[str, Any]]:
    answer, raw = status(
        f"{node.base}/api/v1{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {member.token}", "Content-Type": "application/json"},
        method=method,
    )
    return answer, json.loads(raw)


def test_an_edit_on_one_process_makes_a_stale_edit_on_the_other_fail_with_409(
    two: tuple[Serve, Serve, Member],
) -> None:
    one, other, member = two
    case = str(uuid.uuid4())
    assert (
        _api(one, member, "POST", "/cases/", {"public_id": case, "names": [{"value": "T. P."}]})[0]
        == 201
    )
    _answer, seen_on_one = _api(one, member, "GET", f"/cases/{case}/data")
    _answer, seen_on_other = _api(other, member, "GET", f"/cases/{case}/data")
    assert seen_on_one["version"] == seen_on_other["version"]

    first = {"version": seen_on_other["version"], "references": {"court_reference": "K-1/26"}}
    assert _api(other, member, "PUT", f"/cases/{case}/data", first)[0] == 200
    stale = {"version": seen_on_one["version"], "references": {"court_reference": "K-2/26"}}
    answer, body = _api(one, member, "PUT", f"/cases/{case}/data", stale)

    assert answer == 409
    assert "changed" in body["message"].lower()
    _answer, now = _api(one, member, "GET", f"/cases/{case}/data")
    assert now["references"]["court_reference"] == "K-1/26"
