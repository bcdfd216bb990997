"""Fixtures of the exchange tests: two real nodes (see nodes.py), started once per module; and
for the sender worker alone, a fake sealer and a scripted loopback inbox (fakes.py) as its peer."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from opentrm.exchange.models import Peer
from opentrm.exchange.services import delivery
from tests.exchange.fakes import FakeCrypto, FakeInbox, fake_inbox, fictional_peer
from tests.exchange.nodes import Pair, start_pair


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Node A (AL) and node B (RO), serving on loopback ports, confirmed peers of each other."""
    workdir: Path = tmp_path_factory.mktemp("exchange-nodes")
    pair = start_pair(workdir, os.environ.get("DATABASE_URL"))
    try:
        yield pair
    finally:
        pair.close()


@pytest.fixture
def crypto(monkeypatch: pytest.MonkeyPatch) -> FakeCrypto:
    fake = FakeCrypto()
    monkeypatch.setattr(delivery, "crypto", fake)
    return fake


@pytest.fixture
def inbox() -> Iterator[FakeInbox]:
    with fake_inbox() as server:
        yield server


@pytest.fixture
def peer(db: None, inbox: FakeInbox) -> Peer:
    made: Peer = fictional_peer(inbox.url + "/")
    return made
