"""Fixtures of the exchange tests: two real nodes (see nodes.py), started once per module; and
for the sender worker alone, a fake sealer and a scripted loopback inbox (fakes.py) as its peer."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from opentrm.exchange.models import Peer
from opentrm.exchange.services import delivery
from tests.exchange.fakes import FakeCrypto, FakeInbox, fake_inbox, fictional_peer
from tests.exchange.nodes import Pair, Template, migrate_template, start_pair


@pytest.fixture(scope="session")
def node_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """One migration per test process, copied for the nodes of every module (each module
    still gets fresh nodes: their own database copy, keys, members and peers)."""
    workdir: Path = tmp_path_factory.mktemp("exchange-template")
    template = migrate_template(workdir, os.environ.get("DATABASE_URL"), "exchange_session_tpl")
    try:
        yield template
    finally:
        template.drop()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory, node_template: Template) -> Iterator[Pair]:
    """Node A (AL) and node B (RO), serving on loopback ports, confirmed peers of each other."""
    workdir: Path = tmp_path_factory.mktemp("exchange-nodes")
    pair = start_pair(workdir, os.environ.get("DATABASE_URL"), template=node_template)
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
