"""A throwaway PostgreSQL cluster and ``opentrm serve`` processes on it (issue 18: faults, two
serving processes). Used by tests/test_faults.py, tests/test_two_nodes.py and
bench/faults/run_faults.py.

The cluster is made with ``initdb`` and run with ``pg_ctl`` from the PostgreSQL binaries on the
machine, on its own port and in its own directory under the temporary directory -- never the
server the rest of the suite uses, which these tests kill and stop. As root, the binaries run as
the ``postgres`` user (PostgreSQL refuses to run as root). ``fsync`` is off so the cluster
starts in a second: a process killed with SIGKILL leaves what it wrote in the operating
system's cache, so a committed transaction survives the kill either way; only a power cut would
tell the difference, and that is PostgreSQL's own guarantee, not the node's.

The schema is copied from the test run's own migrated database (``pg_dump``) instead of running
every migration again (a minute of CPU on this machine).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def binaries() -> Path | None:
    """The newest PostgreSQL server binaries installed (``initdb``, ``pg_ctl``), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> int:
    part = path.split("/")[4]
    return int(part) if part.isdigit() else 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """One PostgreSQL cluster in ``root``, listening on 127.0.0.1:``port`` only."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="opentrm-faults-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        return subprocess.run(
            [*prefix, *args], capture_output=True, text=True, check=check, timeout=120
        )

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-N", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip

    def start(self) -> float:
        """Start (after a kill: crash recovery); seconds until it accepts connections."""
        began = time.monotonic()
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=60 -c shared_buffers=32MB"
        )
        for _attempt in range(60):  # a killed postmaster's backends take a moment to leave
            done = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                             str(self.root / "log"), "-o", options, "-w", "-t", "60", "start",
                             check=False)  # fmt: skip
            if done.returncode == 0:
                return time.monotonic() - began
            time.sleep(0.5)
        raise RuntimeError(f"PostgreSQL did not start: {done.stdout} {done.stderr}")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def kill(self) -> None:
        """SIGKILL to the postmaster, as a crash or the OOM killer would; its backends notice
        and exit on their own (``start`` waits for them)."""
        os.kill(self.postmaster_pid(), signal.SIGKILL)

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop",
                  check=False)  # fmt: skip

    def url(self, database: str = "opentrm") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "opentrm") -> str:
        done = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
             "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return done.stdout

    def load_schema_of(self, source: Mapping[str, Any]) -> None:
        """Create database ``opentrm`` as a copy of ``source`` (a Django settings_dict)."""
        self.psql("CREATE DATABASE opentrm", database="postgres")
        env = {**os.environ, "PGPASSWORD": str(source.get("PASSWORD") or "")}
        dump = subprocess.run(
            ["pg_dump", "-h", str(source.get("HOST") or "127.0.0.1"),
             "-p", str(source.get("PORT") or 5432), "-U", str(source.get("USER") or "postgres"),
             "--no-owner", "--no-privileges", str(source["NAME"])],
            capture_output=True, check=True, env=env, timeout=120,
        )  # fmt: skip
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "opentrm",
             "-v", "ON_ERROR_STOP=1", "-q"],
            input=dump.stdout, capture_output=True, check=True, timeout=120,
        )  # fmt: skip

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


SEED = """
import json, django
django.setup()
from opentrm.accounts.models import Membership
from opentrm.accounts.policy import Actor
from opentrm.accounts.services import api_token_create
from opentrm.cases.generator import generate
generate(cases=6, seed=1)
membership = Membership.objects.filter(role="case_manager").order_by("pk").first()
user = membership.user
user.set_password(PASSWORD)
user.save(update_fields=["password"])
_token, secret = api_token_create(actor=Actor(user=user, membership=membership), name="faults")
print(json.dumps({"username": user.username, "token": secret}))
"""
PASSWORD = "fictional-Password-7391"


@dataclass(frozen=True)
class Member:
    username: str
    password: str
    token: str


def node_env(cluster: Cluster, home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opentrm.config.settings",
        "PYTHONPATH": str(REPO),
        "OPENTRM_HOME": str(home),
        "DATABASE_URL": cluster.url(),
        "OPENTRM_ENV": "development",
        "OPENTRM_MFA_REQUIRED": "false",
        "OPENTRM_API_TOKEN_ROLES": "case_manager,caseworker",
        **extra,
    }


def seed(env: Mapping[str, str]) -> Member:
    """Organisations, members and a few cases; a case manager with a password and a token."""
    done = subprocess.run(
        [sys.executable, "-c", f"PASSWORD = {PASSWORD!r}\n{SEED}"],
        env=dict(env), capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Member(found["username"], PASSWORD, found["token"])


class Serve:
    """``opentrm serve`` on its own port, its output in a file."""

    def __init__(self, env: Mapping[str, str], home: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = home / f"serve-{self.port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "opentrm", "serve", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(workers), "--no-collectstatic", "--timeout", "30"],
                env=dict(env), stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_ready(self, seconds: float = 90) -> None:
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text()[-3000:])
            if status(f"{self.base}/healthz", timeout=5)[0] == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"not ready: {self.log.read_text()[-3000:]}")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def status(url: str, timeout: float = 10, **kwargs: Any) -> tuple[int, bytes]:
    """``(status, body)`` of a request; 0 when no HTTP answer came."""
    request = urllib.request.Request(url, **kwargs)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()
    except (OSError, TimeoutError):
        return 0, b""


@dataclass
class Node:
    cluster: Cluster
    serve: Serve
    member: Member


def register(node: Node, public_id: str, timeout: float = 10) -> tuple[int, float]:
    """POST /api/v1/cases/ with a client-chosen id: (status, seconds)."""
    began = time.monotonic()
    answer, _body = status(
        f"{node.serve.base}/api/v1/cases/",
        timeout=timeout,
        data=json.dumps({"public_id": public_id, "names": [{"value": "F. K."}]}).encode(),
        headers={
            "Authorization": f"Bearer {node.member.token}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    return answer, time.monotonic() - began


@dataclass
class Writers:
    """Clients registering cases without pause until stopped."""

    node: Node
    acknowledged: set[str] = field(default_factory=set)
    statuses: list[int] = field(default_factory=list)
    slowest: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, clients: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._write) for _ in range(clients)]
        for thread in threads:
            thread.start()
        return threads

    def _write(self) -> None:
        while not self._stop.is_set():
            public_id = str(uuid.uuid4())
            answer, seconds = register(self.node, public_id)
            with self._lock:
                self.statuses.append(answer)
                self.slowest = max(self.slowest, seconds)
                if 200 <= answer < 300:
                    self.acknowledged.add(public_id)
            if answer != 201:
                time.sleep(0.05)

    def stop(self, threads: list[threading.Thread]) -> None:
        self._stop.set()
        for thread in threads:
            thread.join()


def wait_for_a_write(node: Node, seconds: float = 60) -> float:
    """Seconds until a registration is acknowledged again."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if register(node, str(uuid.uuid4()))[0] == 201:
            return time.monotonic() - began
        time.sleep(0.2)
    raise AssertionError(f"no write acknowledged within {seconds} s")


@contextmanager
def running_nodes(
    schema: Mapping[str, Any], home: Path, processes: int = 1, **extra: str
) -> Iterator[tuple[Cluster, list[Serve], Member]]:
    """A throwaway cluster with ``schema``'s database (a settings_dict), seeded, and
    ``processes`` ``opentrm serve`` processes on it; everything stopped and removed after."""
    bin_dir = binaries()
    assert bin_dir is not None
    cluster = Cluster(bin_dir)
    serves: list[Serve] = []
    try:
        cluster.init()
        cluster.start()
        cluster.load_schema_of(schema)
        env = node_env(cluster, home, **extra)
        member = seed(env)
        serves = [Serve(env, home, workers=2) for _ in range(processes)]
        for serve in serves:
            serve.wait_ready()
        yield cluster, serves, member
    finally:
        for serve in serves:
            serve.close()
        cluster.destroy()
