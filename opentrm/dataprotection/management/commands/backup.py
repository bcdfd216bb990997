import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.dataprotection.backup import BackupError, create_backup, verify_backup
from opentrm.dataprotection.sealing import SealError, read_key_file, write_key_file


class Command(BaseCommand):
    help = (
        "Write a sealed (AES-256-GCM), integrity-checked archive of the database and of the "
        "files in MEDIA_ROOT. The key is read from OPENTRM_BACKUP_KEY_FILE (or --key-file)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, nargs="?", help="The archive file to write.")
        parser.add_argument("--key-file", type=Path, default=None)
        parser.add_argument(
            "--new-key", action="store_true", help="Create the key file (refused if it exists)."
        )
        parser.add_argument(
            "--verify", action="store_true", help="Check an existing archive; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key_file: Path = options["key_file"] or settings.OPENTRM_BACKUP_KEY_FILE
        if options["new_key"]:
            try:
                write_key_file(key_file)
            except FileExistsError as exists:
                raise CommandError(f"The key file {key_file} exists already.") from exists
            self.stdout.write(
                f"Backup key written to {key_file}. Copy it somewhere safe OFF this machine "
                "and apart from the archives: without it no archive can be restored."
            )
            return
        archive: Path | None = options["archive"]
        if archive is None:
            raise CommandError("Name the archive file.")
        try:
            key = read_key_file(key_file)
        except SealError as fault:
            raise CommandError(
                f"No backup key: {fault}. Create one with `opentrm backup --new-key`."
            ) from fault
        if options["verify"]:
            try:
                manifest = verify_backup(archive, key=key)
            except (BackupError, FileNotFoundError) as fault:
                raise CommandError(f"The archive is not usable: {fault}.") from fault
            self.stdout.write(
                f"Archive intact: made {manifest.created_at} on node {manifest.node}, "
                f"{manifest.row_count} rows in {len(manifest.tables)} tables, "
                f"{manifest.file_count} files."
            )
            return
        if archive.exists():
            raise CommandError(f"{archive} exists already: name a new file.")
        partial = archive.with_name(archive.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as target:
                manifest = create_backup(target, key=key)
                target.flush()
                os.fsync(target.fileno())
            partial.rename(archive)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"Backup written to {archive}: {manifest.row_count} rows in {len(manifest.tables)} "
            f"tables, {manifest.file_count} files. The node's keys ({settings.OPENTRM_KEY_DIR}) "
            "and audit checkpoints are not in it: keep their own copies."
        )
