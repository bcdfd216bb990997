"""The live server the browser tests drive serves concurrent requests as a real node does.

A page makes several requests at once (htmx loads a section while the user follows a link), and
any request may save the session (core.middleware.SessionRenewalMiddleware). On a node each
request thread has its own database connection; the test server must too, or concurrent
session saves break and Django answers 400 "Bad request" (SessionInterrupted), failing browser
tests now and then.
"""

from concurrent.futures import ThreadPoolExecutor
from urllib.request import Request, urlopen

import pytest
from django.conf import settings
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from conftest import World
from opentrm.accounts.roles import Role

THREADS = 6
REQUESTS = 60


@pytest.mark.django_db(transaction=True)
def test_it_answers_concurrent_requests_of_one_session_without_a_bad_request(
    live_server: LiveServer, world: World
) -> None:
    client = Client()
    client.force_login(world.user(Role.CASEWORKER))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def status(_: int) -> int:
        request = Request(f"{live_server.url}/cases/", headers={"Cookie": cookie})
        with urlopen(request, timeout=60) as response:
            return int(response.status)

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(status, range(REQUESTS)))

    assert statuses == [200] * REQUESTS
