"""Two real OpenTRM nodes on this machine, for the two-node tests and the exchange benchmark.

Each node is a separate server process (tests/exchange/serve.py, a threaded WSGI server) on
a free loopback port, with its own OPENTRM_HOME (its key files) and its own database: an
SQLite file, or, when DATABASE_URL names a PostgreSQL server, a database
``<name>_node_a_<pid>`` / ``<name>_node_b_<pid>`` created here and dropped by
:meth:`Pair.close`. Setting up goes through the commands an operator uses: ``migrate`` (once,
then copied), ``create_member``, ``init_node`` and ``exchange_peer add … --fingerprint``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SERVE = Path(__file__).resolve().parent / "serve.py"
ADMIN = "exchange_admin"
ADMIN_PASSWORD = "fictional exchange admin password"
# Small retry and lease times, so that the fault tests wait seconds rather than minutes.
FAST_RETRIES = {
    "OPENTRM_EXCHANGE_RETRY_BASE_SECONDS": "1",
    "OPENTRM_EXCHANGE_RETRY_CAP_SECONDS": "2",
    "OPENTRM_EXCHANGE_LEASE_SECONDS": "3",
    "OPENTRM_EXCHANGE_TIMEOUT_SECONDS": "10",
}
# The members of the tests' nodes take their steps through the API with personal tokens: the
# test nodes offer tokens to these roles too (a node's own choice, OPENTRM_API_TOKEN_ROLES).
TOKEN_ROLES = "system_administrator,national_coordinator,directory_editor,case_manager,caseworker"
# The variables of the process running the tests that must not leak into a node.
_NOT_INHERITED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "OPENTRM_HOME", "OPENTRM_KEY_DIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


class Database:
    """Where the nodes keep their data: SQLite files, or databases on a PostgreSQL server."""

    def __init__(self, workdir: Path, url: str | None) -> None:
        self.workdir = workdir
        self.url = url or ""
        self.postgres = self.url.startswith(("postgres://", "postgresql://"))
        self.created: list[str] = []

    def url_for(self, name: str) -> str:
        if not self.postgres:
            return f"sqlite:///{self.workdir / f'{name}.sqlite3'}"
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def name_for(self, label: str) -> str:
        if not self.postgres:
            return label
        base = urllib.parse.urlsplit(self.url).path.lstrip("/") or "opentrm"
        return f"{base}_{label}_{os.getpid()}"

    def _admin(self) -> Any:
        import psycopg

        parts = urllib.parse.urlsplit(self.url)
        return psycopg.connect(
            urllib.parse.urlunsplit(parts._replace(path="/postgres")), autocommit=True
        )

    def create_empty(self, name: str) -> None:
        if self.postgres:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
                admin.execute(f'CREATE DATABASE "{name}"')
            self.created.append(name)

    def copy(self, source: str, target: str) -> None:
        """A copy of the migrated template database (much faster than migrating again)."""
        if self.postgres:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
                admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
            self.created.append(target)
            return
        self.copy_file(self.workdir / f"{source}.sqlite3", target)

    def copy_file(self, source: Path, target: str) -> None:
        """A copy of an SQLite database file as this database's ``target``."""
        src = sqlite3.connect(source)
        dst = sqlite3.connect(self.workdir / f"{target}.sqlite3")
        with dst:
            src.backup(dst)
        src.close()
        dst.close()

    def drop(self, name: str) -> None:
        if self.postgres:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.created.remove(name)

    def drop_all(self) -> None:
        if not self.postgres:
            return
        with self._admin() as admin:
            for name in reversed(self.created):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    def query(self, name: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read a node's database directly (``?`` placeholders on both engines)."""
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url_for(name), autocommit=True) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        lite = sqlite3.connect(self.workdir / f"{name}.sqlite3", timeout=20)
        try:
            return list(lite.execute(sql, params).fetchall())
        finally:
            lite.close()

    def uuid_param(self, value: str) -> str:
        """A UUID as the engine stores it (SQLite: 32 hex digits; PostgreSQL: uuid)."""
        return str(uuid.UUID(value)) if self.postgres else uuid.UUID(value).hex


@dataclass
class Node:
    label: str  # "node_a"
    node_id: str
    country: str
    home: Path
    database: Database
    db_name: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    server: subprocess.Popen[bytes] | None = None
    fingerprint: str = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "opentrm.config.settings",
                "OPENTRM_ENV": "development",
                "OPENTRM_HOME": str(self.home),
                "DATABASE_URL": self.database.url_for(self.db_name),
                "DB_CONN_MAX_AGE": "0",
                "OPENTRM_NODE_ID": self.node_id,
                "OPENTRM_NODE_COUNTRY": self.country,
                "OPENTRM_NODE_NAME": f"Test node {self.country}",
                "OPENTRM_BASE_URL": self.base_url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "OPENTRM_LOG_LEVEL": "ERROR",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
                # The project first, then what the test process itself can import.
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH", "")])]
                ),
                "OPENTRM_API_TOKEN_ROLES": TOKEN_ROLES,
                **FAST_RETRIES,
                **self.extra_env,
                **extra,
            }
        )
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "opentrm", *args]

    def run(self, *args: str, **extra: str) -> str:
        """Run ``opentrm <args>`` for this node; its standard output (fails loudly)."""
        done = subprocess.run(
            self.command(*args),
            env=self.env(**extra),
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"opentrm {' '.join(args[:2])} failed on {self.label}: "
                f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
            )
        return done.stdout

    def spawn(self, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        """Start ``opentrm <args>`` in the background (e.g. the worker)."""
        return subprocess.Popen(
            self.command(*args),
            env=self.env(**extra),
            cwd=self.home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self, **extra_env: str) -> None:
        """Start the node's server (again), optionally with more environment (e.g. a clock
        offset); waits until it answers on its port."""
        self.stop()
        self.server = subprocess.Popen(
            [sys.executable, str(SERVE), str(self.port)],
            env=self.env(**{"DB_CONN_MAX_AGE": "60", **extra_env}),
            cwd=self.home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_for_port(self.port, self.server)
        # The first request loads the URLconf and every view module: take that time here, not
        # in the first request of a test (a peer's document fetch has a short timeout).
        with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=120) as response:
            response.read()

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.communicate()
            self.server = None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.database.query(self.db_name, sql, params)

    # --- what the tests look at -------------------------------------------------------------

    def outbox(self, message_id: str) -> dict[str, Any]:
        rows = self.query(
            "SELECT status, attempts, last_error, receipt, round_trip_ms, delivered_at "
            "FROM exchange_outboxmessage WHERE message_id = ?",
            [self.database.uuid_param(message_id)],
        )
        assert len(rows) == 1, rows
        keys = ("status", "attempts", "last_error", "receipt", "round_trip_ms", "delivered_at")
        return dict(zip(keys, rows[0], strict=True))

    def inbox_count(self, message_id: str) -> int:
        rows = self.query(
            "SELECT COUNT(*) FROM exchange_inboxmessage WHERE message_id = ?",
            [self.database.uuid_param(message_id)],
        )
        return int(rows[0][0])

    def ping(self, peer: Node, nonce: str = "") -> str:
        """Queue a connection-test package for ``peer``; its message id."""
        args = ["exchange_peer", "ping", peer.node_id, "--as", ADMIN]
        if nonce:
            args += ["--nonce", nonce]
        out = self.run(*args)
        match = re.search(r"Queued ([0-9a-f-]{36})", out)
        assert match, out
        return match.group(1)


@dataclass
class Pair:
    a: Node
    b: Node
    database: Database
    workdir: Path

    def close(self) -> None:
        for node in (self.a, self.b):
            node.stop()
        self.database.drop_all()


def _parallel(*calls: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


def start_pair(
    workdir: Path, database_url: str | None, *, template: Template | None = None
) -> Pair:
    """Two migrated, keyed, serving nodes (AL and RO) that are confirmed peers of each other."""
    network = start_network(
        workdir,
        database_url,
        [("node_a", "test-node-al", "AL"), ("node_b", "test-node-ro", "RO")],
        template=template,
    )
    a, b = network.nodes
    return Pair(a, b, network.database, workdir)


@dataclass
class Network:
    """Any number of nodes; :func:`start_network` makes them peers of each other (or not)."""

    nodes: list[Node]
    database: Database
    workdir: Path

    def node(self, country: str) -> Node:
        return next(node for node in self.nodes if node.country == country)

    def close(self) -> None:
        for node in self.nodes:
            node.stop()
        self.database.drop_all()


def prepare(node: Node) -> None:
    """The node's administrator (of an organisation of the node's own country: only those
    manage a node's exchange, docs/permissions.md), its keys, and its server."""
    node.run(
        "create_member",
        ADMIN,
        "--new-organisation",
        "Fictional national referral office",
        "--country",
        node.country,
        "--role",
        "system_administrator",
        OPENTRM_NEW_PASSWORD=ADMIN_PASSWORD,
    )
    out = node.run("init_node")
    match = re.search(r"Fingerprint:\s*(.+)", out)
    assert match, out
    node.fingerprint = match.group(1).strip()
    node.start()


def register(node: Node, peer: Node) -> None:
    """``node``'s administrator registers ``peer`` and types the fingerprint read out."""
    node.run(
        "exchange_peer",
        "add",
        f"Test node {peer.country}",
        "--url",
        peer.base_url,
        "--fingerprint",
        peer.fingerprint,
        "--as",
        ADMIN,
    )


def link(*nodes: Node) -> None:
    """Make every two of ``nodes`` confirmed peers of each other."""
    _parallel(*(lambda n=n, p=p: register(n, p) for n in nodes for p in nodes if n is not p))


@dataclass
class Template:
    """A migrated, empty node database that nodes are copied from (no keys, no members)."""

    database: Database
    db_name: str

    def copy_to(self, database: Database, name: str) -> None:
        if database.postgres:
            database.copy(self.db_name, name)  # CREATE DATABASE ... TEMPLATE, same server
        else:
            database.copy_file(self.database.workdir / f"{self.db_name}.sqlite3", name)

    def drop(self) -> None:
        self.database.drop(self.db_name)


def migrate_template(
    workdir: Path, database_url: str | None, label: str = "exchange_tpl"
) -> Template:
    """Migrate one node database in ``workdir``, as ``opentrm migrate`` does for an operator."""
    database = Database(workdir, database_url)
    template = Node(
        "template", "template", "AL", workdir / label, database, database.name_for(label)
    )
    template.home.mkdir(parents=True)
    database.create_empty(template.db_name)
    try:
        template.run("migrate", "--noinput", "--skip-checks", "-v", "0")
    except BaseException:
        database.drop_all()
        raise
    finally:
        shutil.rmtree(template.home, ignore_errors=True)
    return Template(database, template.db_name)


def start_network(
    workdir: Path,
    database_url: str | None,
    specs: Sequence[tuple[str, str, str]],
    *,
    linked: bool = True,
    template: Template | None = None,
) -> Network:
    """Migrated, keyed, serving nodes, one per ``(label, node id, country)``; with ``linked``
    every two are confirmed peers of each other. The nodes' databases are copies of
    ``template`` (a test session migrates once for all its networks) or, without one, of a
    migration made here for this network alone."""
    database = Database(workdir, database_url)
    nodes = [
        Node(label, node_id, country, workdir / label, database, database.name_for(label))
        for label, node_id, country in specs
    ]
    network = Network(nodes, database, workdir)
    try:
        # One migration, copied: each node then differs only by its keys and its peers.
        source = template or migrate_template(workdir, database_url)
        for node in nodes:
            node.home.mkdir(parents=True)
            source.copy_to(database, node.db_name)
        if template is None:
            source.drop()  # its work is done
        _parallel(*(lambda n=n: prepare(n) for n in nodes))
        if linked:
            link(*nodes)
    except BaseException:
        network.close()
        raise
    return network


def wait_for(check: Any, *, seconds: float = 30, every: float = 0.1) -> Any:
    """Poll ``check()`` until it returns something true; that value (or AssertionError)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds} s")
        time.sleep(every)
