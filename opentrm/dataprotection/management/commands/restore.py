from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.dataprotection.backup import BackupError, restore_backup
from opentrm.dataprotection.sealing import SealError, read_key_file


class Command(BaseCommand):
    help = (
        "Restore an `opentrm backup` archive into this node's new, migrated, empty database and "
        "MEDIA_ROOT; every table is compared with the archive and the audit chain verified "
        "before the restore is committed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--key-file", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        key_file: Path = options["key_file"] or settings.OPENTRM_BACKUP_KEY_FILE
        try:
            key = read_key_file(key_file)
            result = restore_backup(options["archive"], key=key)
        except (SealError, BackupError, FileNotFoundError) as fault:
            raise CommandError(f"Nothing restored: {fault}.") from fault
        manifest = result.manifest
        self.stdout.write(
            f"Restored the archive made {manifest.created_at} on node {manifest.node}: "
            f"{manifest.row_count} rows in {len(manifest.tables)} tables match the archive, "
            f"{manifest.file_count} files, audit chain intact ({result.audit_events} events). "
            "Restore the node's keys, then run `opentrm verify_audit` with the audit "
            "checkpoints kept off the machine. Everyone must log in again."
        )
