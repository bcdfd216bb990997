"""``opentrm backup`` and ``opentrm restore``: one sealed archive of the database and the files.

The archive is a gzip'd tar inside a sealed stream (``sealing.py``: AES-256-GCM, key in a file
outside the database). Inside, in this order:

- ``database.json``: every row of every table (Django's JSON serialisation, soft-deleted rows
  included, references to content types and permissions by natural key), except content types
  and permissions (``migrate`` makes them) and sessions (a restored node logs everyone out);
- ``files/...``: every file under ``MEDIA_ROOT`` (case documents, portal resources);
- ``manifest.json``: the format, node, time, applied migrations, the SHA-256 of every other
  member, and per table the number of rows and a SHA-256 over them.

``restore`` reads the archive twice: once to check it whole (the seal, then every member
against the manifest) before it changes anything, then to load it into an empty database of the
same migrations, in one transaction that it commits only when every table's digest matches the
manifest and the audit hash chain verifies.
"""

import datetime
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from opentrm.audit.chain import verify_chain
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditChainHead, AuditEvent
from opentrm.audit.services import record_event
from opentrm.dataprotection.sealing import SealedReader, SealedWriter, SealError

MAGIC = b"OPENTRM-BACKUP\x00\x01"
FORMAT = 1
DATABASE_MEMBER = "database.json"
MANIFEST_MEMBER = "manifest.json"
FILES_PREFIX = "files/"
# Made by `migrate` itself, or worthless after a restore (a restored node logs everyone out).
NOT_BACKED_UP = frozenset({"contenttypes.contenttype", "auth.permission", "sessions.session"})


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; a restore must keep every microsecond (the
    audit chain hashes them)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """The archive cannot be made, checked or restored; nothing was changed."""


@dataclass
class Manifest:
    created_at: str
    node: str
    vendor: str
    migrations: list[str]
    tables: dict[str, dict[str, Any]]
    members: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "created_at": self.created_at,
                "node": self.node,
                "vendor": self.vendor,
                "migrations": self.migrations,
                "tables": self.tables,
                "members": self.members,
            },
            indent=1,
            sort_keys=True,
        ).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        try:
            document = json.loads(data)
            if document.get("format") != FORMAT:
                raise BackupError(f"archive format {document.get('format')!r} is not supported")
            return cls(
                created_at=str(document["created_at"]),
                node=str(document["node"]),
                vendor=str(document["vendor"]),
                migrations=list(document["migrations"]),
                tables=dict(document["tables"]),
                members=dict(document["members"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as bad:
            raise BackupError("the archive's manifest is malformed") from bad

    @property
    def file_count(self) -> int:
        return sum(1 for name in self.members if name.startswith(FILES_PREFIX))

    @property
    def row_count(self) -> int:
        return sum(int(table["rows"]) for table in self.tables.values())


# --- what is in the database ------------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every table with data of its own, in a stable order (M2M tables travel with their model)."""
    found = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_BACKED_UP
    ]
    by_app: dict[Any, list[type[models.Model]]] = {}
    for model in sorted(found, key=lambda model: model._meta.label_lower):
        by_app.setdefault(model._meta.app_config, []).append(model)
    # Rows referred to by natural key (users, groups) must be loaded before rows naming them.
    return serializers.sort_dependencies(by_app.items(), allow_cycles=True)


def _rows(model: type[models.Model]) -> list[dict[str, Any]]:
    """The table's rows as Django serialises them; _base_manager keeps soft-deleted rows."""
    queryset = model._base_manager.order_by("pk")
    text = serializers.serialize(
        "json", queryset.iterator(), use_natural_foreign_keys=True, cls=ExactJSONEncoder
    )
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


def _canonical(rows: list[dict[str, Any]]) -> bytes:
    """Rows in one spelling whatever the database: keys sorted, M2M lists in sorted order."""
    normal = []
    for row in rows:
        fields = {
            name: sorted(value, key=json.dumps) if isinstance(value, list) else value
            for name, value in row["fields"].items()
        }
        normal.append({"model": row["model"], "pk": row["pk"], "fields": fields})
    return json.dumps(normal, sort_keys=True, cls=ExactJSONEncoder, ensure_ascii=False).encode()


def table_digests() -> dict[str, dict[str, Any]]:
    """Per table: the number of rows and a SHA-256 over all of them (how restores are compared)."""
    return {model._meta.label_lower: _digest(_rows(model)) for model in backed_up_models()}


def _digest(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"rows": len(rows), "sha256": hashlib.sha256(_canonical(rows)).hexdigest()}


def applied_migrations() -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _media_files() -> Iterator[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


# --- making an archive ------------------------------------------------------------------------


def create_backup(target: BinaryIO, *, key: bytes) -> Manifest:
    """Write a sealed archive of the database and MEDIA_ROOT to ``target``.

    The rows are read in one transaction (REPEATABLE READ on PostgreSQL: one snapshot), so the
    archive is consistent even while the node is in use. The backup is itself audited first,
    so the archive holds the event that made it.
    """
    record_event(
        event_type=EventType.BACKUP_CREATED,
        actor=None,
        target_type="node",
        target_id=str(settings.OPENTRM_NODE_ID),
    )
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        all_rows: list[dict[str, Any]] = []
        tables: dict[str, dict[str, Any]] = {}
        for model in backed_up_models():
            rows = _rows(model)
            tables[model._meta.label_lower] = _digest(rows)
            all_rows.extend(rows)
        manifest = Manifest(
            created_at=timezone.now().isoformat(timespec="seconds"),
            node=str(settings.OPENTRM_NODE_ID),
            vendor=connection.vendor,
            migrations=applied_migrations(),
            tables=tables,
        )
    database = json.dumps(all_rows, cls=ExactJSONEncoder, ensure_ascii=False).encode("utf-8")
    del all_rows
    sealed = SealedWriter(target, key, magic=MAGIC)
    with tarfile.open(fileobj=sealed, mode="w|gz") as archive:  # type: ignore[call-overload]
        manifest.members[DATABASE_MEMBER] = _add_bytes(archive, DATABASE_MEMBER, database)
        for relative, path in _media_files():
            manifest.members[FILES_PREFIX + relative] = _add_file(
                archive, FILES_PREFIX + relative, path
            )
        _add_bytes(archive, MANIFEST_MEMBER, manifest.as_json())
    sealed.close()
    return manifest


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> str:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))
    return hashlib.sha256(data).hexdigest()


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> str:
    data = path.read_bytes()  # one file at a time: attachments are capped in size
    return _add_bytes(archive, name, data)


# --- reading an archive -----------------------------------------------------------------------


def _members(source: BinaryIO, key: bytes) -> Iterator[tuple[str, bytes]]:
    """(name, content) of every member, in order; BackupError for any fault of seal or tar."""
    try:
        reader = SealedReader(source, key, magic=MAGIC)
        with tarfile.open(fileobj=reader, mode="r|gz") as archive:  # type: ignore[call-overload]
            for info in archive:
                if not info.isfile() or not _safe_name(info.name):
                    raise BackupError(f"the archive holds an unexpected member {info.name!r}")
                handle = archive.extractfile(info)
                if handle is None:
                    raise BackupError(f"the archive member {info.name!r} cannot be read")
                yield info.name, handle.read()
    except SealError as fault:
        raise BackupError(str(fault)) from fault
    except (tarfile.TarError, EOFError, OSError) as fault:
        raise BackupError("the archive is damaged (not a readable tar inside)") from fault


def _safe_name(name: str) -> bool:
    parts = Path(name).parts
    return (
        bool(parts)
        and not Path(name).is_absolute()
        and ".." not in parts
        and (name in (DATABASE_MEMBER, MANIFEST_MEMBER) or name.startswith(FILES_PREFIX))
    )


def verify_backup(source_path: Path, *, key: bytes) -> Manifest:
    """Read the whole archive and check every member against the manifest; change nothing."""
    seen: dict[str, str] = {}
    manifest: Manifest | None = None
    with source_path.open("rb") as source:
        for name, data in _members(source, key):
            if manifest is not None:
                raise BackupError("the archive has members after its manifest")
            if name == MANIFEST_MEMBER:
                manifest = Manifest.from_json(data)
            else:
                seen[name] = hashlib.sha256(data).hexdigest()
    if manifest is None:
        raise BackupError("the archive has no manifest")
    if seen != manifest.members:
        raise BackupError("the archive's members do not match its manifest")
    return manifest


# --- restoring --------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: Manifest
    audit_events: int


def restore_backup(source_path: Path, *, key: bytes) -> RestoreResult:
    """Restore the archive into this (empty, migrated) database and MEDIA_ROOT.

    Refused with BackupError, changing nothing, if the archive is damaged, sealed with another
    key, made with other migrations, or the database already holds data.
    """
    manifest = verify_backup(source_path, key=key)
    _check_migrations(manifest)
    _check_empty()
    written: list[str] = []
    try:
        with transaction.atomic():
            with source_path.open("rb") as source:
                for name, data in _members(source, key):
                    if name == DATABASE_MEMBER:
                        _load_rows(data)
                    elif name.startswith(FILES_PREFIX):
                        written.append(_write_file(name.removeprefix(FILES_PREFIX), data))
            _check_restored(manifest)
            record_event(
                event_type=EventType.BACKUP_RESTORED,
                actor=None,
                target_type="node",
                target_id=str(settings.OPENTRM_NODE_ID),
                detail={"archive_created_at": manifest.created_at, "rows": manifest.row_count},
            )
    except BaseException:
        for name in written:
            (Path(settings.MEDIA_ROOT) / name).unlink(missing_ok=True)
        raise
    return RestoreResult(manifest=manifest, audit_events=AuditEvent.objects.count())


def _check_migrations(manifest: Manifest) -> None:
    here = set(applied_migrations())
    there = set(manifest.migrations)
    if here == there:
        return
    missing = sorted(there - here)[:5]
    extra = sorted(here - there)[:5]
    raise BackupError(
        "the database's migrations differ from the archive's "
        f"(in the archive only: {', '.join(missing) or 'none'}; "
        f"here only: {', '.join(extra) or 'none'}). Install the OpenTRM version that made the "
        "archive, restore, then upgrade."
    )


def _check_empty() -> None:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    if AuditEvent.objects.exists() or user_model._base_manager.exists():
        raise BackupError(
            "the database is not empty: restore only into a new database "
            "(create it, run `opentrm migrate`, then `opentrm restore`)"
        )
    if any(True for _ in _media_files()):
        raise BackupError(f"MEDIA_ROOT ({settings.MEDIA_ROOT}) is not empty")


def _load_rows(data: bytes) -> None:
    """Replace the rows `migrate` seeded with the archive's, then reset the id sequences."""
    loaded_models = backed_up_models()
    for model in reversed(loaded_models):
        # The append-only audit tables are left alone: the event table is empty (checked), and
        # the chain head row is overwritten forward by the archive's.
        if model not in (AuditEvent, AuditChainHead):
            model._base_manager.all()._raw_delete(connection.alias)
    try:
        deferred = []
        for item in serializers.deserialize(
            "json", data.decode("utf-8"), handle_forward_references=True
        ):
            item.save()
            if item.deferred_fields:
                deferred.append(item)
        for item in deferred:
            item.save_deferred_fields()
    except (serializers.base.DeserializationError, ValueError) as bad:
        raise BackupError("the archive's database could not be loaded") from bad
    reset = connection.ops.sequence_reset_sql(no_style(), loaded_models)
    if reset:
        with connection.cursor() as cursor:
            for statement in reset:
                cursor.execute(statement)


def _write_file(relative: str, data: bytes) -> str:
    """The stored bytes as they were (files are encrypted at rest: they stay sealed)."""
    root = Path(settings.MEDIA_ROOT)
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exists:
        raise BackupError(f"MEDIA_ROOT changed during the restore ({relative})") from exists
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return relative


def _check_restored(manifest: Manifest) -> None:
    """Every table as the archive describes it, and an intact audit chain; else roll back."""
    restored = table_digests()
    different = sorted(
        label
        for label in set(restored) | set(manifest.tables)
        if restored.get(label) != manifest.tables.get(label)
    )
    if different:
        raise BackupError(
            f"after loading, {len(different)} table(s) differ from the archive: "
            + ", ".join(different[:5])
        )
    problems = verify_chain()
    if problems:
        raise BackupError(
            "the restored audit chain does not verify: "
            + "; ".join(problem.describe() for problem in problems[:3])
        )
