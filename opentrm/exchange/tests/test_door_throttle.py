"""Rate limits on the API's token door and the exchange inbox (issue 17 §1): after the free
failures from one address, each further try waits (429 with Retry-After) and is not even looked
at; good tokens and a peer's good packages reset nothing of anyone else's."""

import pytest
from django.test import Client, override_settings

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node  # noqa: F401
from opentrm.exchange.tests.test_inbox import post

pytestmark = pytest.mark.django_db
URL = "/api/v1/account/tokens"


@override_settings(OPENTRM_API_TOKEN_FAILURE_LIMIT=3)
def test_wrong_api_tokens_from_one_address_are_slowed_down(world: World) -> None:
    _token, good = api_token_create(actor=world.actor(Role.SYSTEM_ADMINISTRATOR), name="script")
    wrong = Client(HTTP_AUTHORIZATION="Bearer otrm_wrongwrongwrongwrong")
    for _ in range(3):
        assert wrong.get(URL).status_code == 401
    throttled = wrong.get(URL)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    # while the wait lasts even a good token from that address is not looked at
    assert Client(HTTP_AUTHORIZATION=f"Bearer {good}").get(URL).status_code == 429
    # another address is not slowed down
    elsewhere = Client(HTTP_AUTHORIZATION=f"Bearer {good}", REMOTE_ADDR="192.0.2.7")
    assert elsewhere.get(URL).status_code == 200


@override_settings(OPENTRM_EXCHANGE_FAILURE_LIMIT=2)
def test_an_address_sending_rejected_packages_waits(node: OwnNode) -> None:  # noqa: F811
    for _ in range(2):
        assert post("not a package").status_code == 400
    throttled = post("not a package")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


@override_settings(OPENTRM_EXCHANGE_FAILURE_LIMIT=2)
def test_a_peers_good_packages_are_never_slowed(node: OwnNode, foreign: ForeignNode) -> None:  # noqa: F811
    assert post("not a package").status_code == 400
    for _ in range(4):
        assert post(foreign.seal(foreign.payload())).status_code == 200
