"""The restore drill: a real archive restored by the real commands into a new, empty database."""

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.services import health_update
from opentrm.cases.tests.factories import new_case, upload_pdf
from opentrm.dataprotection.backup import BackupError, backed_up_models, verify_backup
from opentrm.dataprotection.sealing import write_key_file

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REPO = Path(__file__).resolve().parents[3]

# Every row of every table, as plain values, for a comparison independent of the archive's own
# digests. Run in the restored node's process and in the test's.
DUMP_ROWS = """
import json
from django.core.serializers.json import DjangoJSONEncoder
from opentrm.dataprotection.backup import backed_up_models
rows = {
    m._meta.label_lower: [list(r) for r in m._base_manager.order_by("pk").values_list()]
    for m in backed_up_models()
}
print(json.dumps(rows, cls=DjangoJSONEncoder))
"""


def all_rows() -> dict[str, Any]:
    rows = {
        model._meta.label_lower: [
            list(row) for row in model._base_manager.order_by("pk").values_list()
        ]
        for model in backed_up_models()
    }
    return json.loads(json.dumps(rows, cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "backup.key"
    write_key_file(path)
    return path


@pytest.fixture
def archive(world: World, media: Path, key_file: Path, tmp_path: Path) -> Path:
    case = new_case(world, "Fictional Person Backup")
    # an encrypted field (core.encrypted): the restored node encrypts it under its own key ring
    health_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=0,
        changes={"medical_history": "Fictional asthma"},
    )
    upload_pdf(
        world.actor(Role.CASEWORKER), case, "Medical certificate", "correspondence", content=PDF
    )
    path = tmp_path / "node.backup"
    call_command("backup", str(path), key_file=key_file)
    return path


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new database of the same kind as the test's, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    params = connection.get_connection_params()
    name = f"opentrm_restore_{secrets.token_hex(4)}"
    admin = {key: params[key] for key in ("host", "port", "user") if key in params}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        user, host = params.get("user", "postgres"), params.get("host", "127.0.0.1")
        user, host = params.get("user", "postgres"), params.get("host", "127.0.0.1")
        yield f"postgres://{user}@{host}:{params.get('port', 5432)}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def opentrm(
    home: Path, database_url: str, key_file: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """The ``opentrm`` command of a separate node (its own home, database and MEDIA_ROOT)."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "opentrm.config.settings",
        "OPENTRM_HOME": str(home),
        "DATABASE_URL": database_url,
        "OPENTRM_BACKUP_KEY_FILE": str(key_file),
        "OPENTRM_NODE_ID": django_settings.OPENTRM_NODE_ID,
    }
    return subprocess.run(
        [sys.executable, "-m", "opentrm", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_it_restores_every_row_every_file_and_the_audit_chain_into_an_empty_database(
    archive: Path, media: Path, key_file: Path, empty_database: str, tmp_path: Path
) -> None:
    source_rows = all_rows()
    assert "Fictional asthma" in json.dumps(source_rows["cases.healthrecord"])
    source_files = {p.relative_to(media): p.read_bytes() for p in media.rglob("*") if p.is_file()}
    assert source_files, "the case document is a file under MEDIA_ROOT"
    home = tmp_path / "restored-node"

    migrated = opentrm(home, empty_database, key_file, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    restored = opentrm(home, empty_database, key_file, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "match the archive" in restored.stdout

    dumped = opentrm(home, empty_database, key_file, "shell", "-c", DUMP_ROWS)
    assert dumped.returncode == 0, dumped.stderr
    target_rows = json.loads(dumped.stdout.strip().splitlines()[-1])
    audit = "audit.auditevent"
    head = "audit.auditchainhead"
    # The restore appends one event of its own after the archive's chain, and moves the head.
    restored_events, source_events = target_rows.pop(audit), source_rows.pop(audit)
    target_rows.pop(head), source_rows.pop(head)
    assert restored_events[:-1] == source_events
    assert restored_events[-1][3] == "BACKUP_RESTORED"
    assert target_rows.keys() == source_rows.keys()
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, f"{table} differs after the restore"
    target_files = {
        p.relative_to(home / "files"): p.read_bytes()
        for p in (home / "files").rglob("*")
        if p.is_file()
    }
    assert target_files == source_files

    verified = opentrm(home, empty_database, key_file, "verify_audit")
    assert verified.returncode == 0, verified.stderr
    assert f"Audit chain intact: {len(restored_events)} events" in verified.stdout

    again = opentrm(home, empty_database, key_file, "restore", str(archive))
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_it_records_the_backup_in_the_audit_trail_and_the_archive_holds_that_event(
    archive: Path, key_file: Path
) -> None:
    from opentrm.dataprotection.sealing import read_key_file

    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    assert event.event_type == "BACKUP_CREATED"
    manifest = verify_backup(archive, key=read_key_file(key_file))
    assert manifest.tables["audit.auditevent"]["rows"] == AuditEvent.objects.count()
    assert manifest.file_count == 1


def test_the_archive_does_not_hold_personal_data_in_the_clear(archive: Path) -> None:
    content = archive.read_bytes()
    assert b"Fictional Person Backup" not in content
    assert b"Medical certificate" not in content
    assert PDF not in content
    assert oct(archive.stat().st_mode & 0o777) == "0o600"


def _refusal(path: Path, key_file: Path) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(path), key_file=key_file, verify=True)
    return str(refused.value)


def test_it_refuses_an_altered_archive(archive: Path, key_file: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    assert "damaged or was altered" in _refusal(archive, key_file)


def test_it_refuses_a_cut_off_archive(archive: Path, key_file: Path) -> None:
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) - 40])
    assert "damaged" in _refusal(archive, key_file) or "cut off" in _refusal(archive, key_file)


def test_it_refuses_an_archive_sealed_with_another_key(archive: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    write_key_file(other)
    assert "sealed with another key" in _refusal(archive, other)


def test_it_refuses_to_restore_into_a_database_that_holds_data(
    archive: Path, key_file: Path
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), key_file=key_file)
    assert AuditEvent.objects.count() == before


def test_it_refuses_to_overwrite_a_key_or_an_archive(archive: Path, key_file: Path) -> None:
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", new_key=True, key_file=key_file)
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(archive), key_file=key_file)


def test_a_missing_key_is_named_with_how_to_make_one(archive: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="opentrm backup --new-key"):
        call_command("backup", str(tmp_path / "x.backup"), key_file=tmp_path / "none.key")


def test_backup_error_is_what_a_damaged_manifest_gives() -> None:
    from opentrm.dataprotection.backup import Manifest

    with pytest.raises(BackupError, match="malformed"):
        Manifest.from_json(b'{"format": 1}')
