"""``make demo`` runs the demo loaders and the server with the node's public address following
``PORT`` (``OPENTRM_BASE_URL``, published to peer nodes and used in e-mail links), unless the
address is set. The Makefile runs against a stand-in ``opentrm`` that prints what it got."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def run_demo(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "opentrm"):
        stub = venv / "bin" / name
        stub.write_text('#!/bin/sh\necho "opentrm $* -> $OPENTRM_BASE_URL"\n')
        stub.chmod(0o755)
    (venv / ".installed").touch()  # newer than pyproject.toml: nothing is installed
    environment = {k: v for k, v in os.environ.items() if k != "OPENTRM_BASE_URL"}
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "demo", f"VENV={venv}", *args],
        env=environment | (env or {}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [line for line in result.stdout.splitlines() if line.startswith("opentrm ")]


def test_it_loads_the_demo_loaders_and_publishes_the_port_it_serves_on(tmp_path: Path) -> None:
    lines = run_demo(tmp_path, "PORT=8123")

    assert lines == [
        "opentrm migrate --noinput -> http://127.0.0.1:8123",
        "opentrm load_demo -> http://127.0.0.1:8123",
        "opentrm load_demo_cases -> http://127.0.0.1:8123",
        "opentrm load_portal -> http://127.0.0.1:8123",
        "opentrm runserver 127.0.0.1:8123 -> http://127.0.0.1:8123",
    ]


def test_it_keeps_an_address_set_in_the_environment(tmp_path: Path) -> None:
    lines = run_demo(tmp_path, "PORT=8123", env={"OPENTRM_BASE_URL": "https://trm.example.org"})

    assert lines[-1] == "opentrm runserver 127.0.0.1:8123 -> https://trm.example.org"
