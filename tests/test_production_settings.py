"""Production settings: strict, and clean under Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path


def _opentrm(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests for their own process only.
        if key
        not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(OPENTRM_HOME=str(tmp_path), OPENTRM_ENV="production", **env)
    return subprocess.run(
        [sys.executable, "-m", "opentrm", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_passes_the_deployment_checks_without_a_warning(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text(secrets.token_urlsafe(50))
    result = _opentrm(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY_FILE=str(secret),
        ALLOWED_HOSTS="trm.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _opentrm(tmp_path, "check", ALLOWED_HOSTS="trm.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set in production." in result.stderr


def test_it_answers_the_health_check_over_plain_http_and_redirects_the_rest(
    tmp_path: Path,
) -> None:
    """A load balancer probes /healthz over plain HTTP: a 301 to HTTPS would fail the probe."""
    secret = tmp_path / "secret_key"
    secret.write_text(secrets.token_urlsafe(50))
    probe = (
        "from django.test import Client; c = Client(); "
        "print(c.get('/healthz').status_code, c.get('/account/login/').status_code)"
    )
    result = _opentrm(
        tmp_path,
        "shell",
        "-c",
        probe,
        SECRET_KEY_FILE=str(secret),
        ALLOWED_HOSTS="testserver",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["200", "301"]
