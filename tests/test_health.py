"""Health check and plain error pages, including against a database that is down."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar

import pytest
from django.test import Client


def test_it_reports_ok_when_the_database_answers(db: None, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_shows_a_plain_not_found_page(db: None, client: Client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def node_without_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server process whose database does not answer (nothing listens on its port);
    one for the module: its tests only send requests that no database can answer."""
    tmp_path = tmp_path_factory.mktemp("node-without-database")
    port = _free_port()
    dead_port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opentrm.config.settings",
        "OPENTRM_HOME": str(tmp_path),
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{dead_port}/opentrm",
    }
    # A plain WSGI server, as in production (runserver would refuse to start without a database).
    serve = (
        "from wsgiref.simple_server import make_server;"
        "from opentrm.config.wsgi import application;"
        f"make_server('127.0.0.1', {port}, application).serve_forever()"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", serve],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a loaded machine takes a while to import Django
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the test server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_it_says_so_when_the_database_is_down(node_without_database: str) -> None:
    status, body = _get(f"{node_without_database}/healthz")
    assert status == 503
    assert json.loads(body) == {"status": "error", "database": "unavailable"}


def test_it_answers_a_plain_unavailable_page_without_traceback_when_the_database_is_down(
    node_without_database: str,
) -> None:
    login_url = f"{node_without_database}/account/login/"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(login_url, timeout=10) as page:  # the login form itself needs no database
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token is not None
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": "someone", "password": "secret value"}
    ).encode()
    try:
        opener.open(
            urllib.request.Request(login_url, data=form, headers={"Referer": login_url}), timeout=10
        )
        status, body = 200, ""
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    assert status == 503
    assert "Temporarily unavailable" in body
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert "127.0.0.1" not in body
    assert "someone" not in body
    assert "secret value" not in body
