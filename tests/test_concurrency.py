"""Concurrent writers on the real database configuration: nobody sees "database is locked",
and the audit chain stays gapless and intact."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKERS = 4
WRITES_PER_WORKER = 40

WORKER = """
import sys
import django
django.setup()
from django.db import transaction
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.directory.models import Country, Organisation

worker = int(sys.argv[1])
country = Country.objects.get(code="AL")
for index in range(int(sys.argv[2])):
    with transaction.atomic():
        organisation = Organisation.objects.create(
            country=country, name=f"Concurrent body {worker}-{index}", type="ngo"
        )
        record_event(event_type=EventType.ORGANISATION_CREATED, actor=None, target=organisation)
"""


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_it_lets_concurrent_writers_all_succeed(tmp_path: Path, backend: str) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'node.sqlite3'}"
    else:
        base = os.environ.get("DATABASE_URL", "")
        if not base.startswith("postgres"):
            pytest.skip("set DATABASE_URL to a PostgreSQL server to run this on PostgreSQL")
        url = base.rsplit("/", 1)[0] + f"/opentrm_concurrency_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opentrm.config.settings",
        "OPENTRM_HOME": str(tmp_path),
        "DATABASE_URL": url,
    }
    if backend == "postgresql":
        create = _run(env, "-c", _admin_sql(url, "CREATE DATABASE"))
        assert create.returncode == 0, create.stderr
    try:
        migrate = _run(env, "-m", "opentrm", "migrate", "--noinput")
        assert migrate.returncode == 0, migrate.stderr
        seed = _run(
            env,
            "-c",
            "import django; django.setup();"
            "from opentrm.directory.models import Country; Country.objects.create(code='AL')",
        )
        assert seed.returncode == 0, seed.stderr
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(n), str(WRITES_PER_WORKER)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(WORKERS)
        ]
        for worker in workers:
            _out, errors = worker.communicate(timeout=300)
            assert worker.returncode == 0, errors
            assert "locked" not in errors
        verify = _run(env, "-m", "opentrm", "verify_audit")
        assert verify.returncode == 0, verify.stderr
        assert f"intact: {WORKERS * WRITES_PER_WORKER} events" in verify.stdout
    finally:
        if backend == "postgresql":
            _run(env, "-c", _admin_sql(url, "DROP DATABASE IF EXISTS"))


def _admin_sql(url: str, statement: str) -> str:
    server, name = url.rsplit("/", 1)
    return (
        "import psycopg\n"
        f"with psycopg.connect({server + '/postgres'!r}, autocommit=True) as connection:\n"
        f"    connection.execute('{statement} {name}')\n"
    )
