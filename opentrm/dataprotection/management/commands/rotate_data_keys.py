import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from opentrm.core.encrypted import encrypted_fields, rewrap_text, rewrite_column
from opentrm.core.keyring import KeyRing
from opentrm.dataprotection.datakeys import (
    add_key,
    key_in_use,
    key_ring_path,
    load_ring,
    rewrap,
    save_ring,
)
from opentrm.dataprotection.sealing import SealError


class Command(BaseCommand):
    help = (
        "Make a new data key-encryption key active and rewrap the data key of every file and "
        "every encrypted database field under it (what is stored in the clear is encrypted). "
        "--retire then drops the keys nothing uses."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retire", action="store_true", help="Drop keys no file uses any more."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ring = load_ring()
        if not options["retire"]:
            kid = add_key(ring)
            save_ring(ring)  # before any file needs it
            self.stdout.write(f"New active data key {kid} in {key_ring_path()}.")
        rewrapped = 0
        used: set[str] = set()
        root = Path(settings.MEDIA_ROOT)
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            try:
                changed = rewrap(data, ring)
            except SealError as fault:
                raise CommandError(f"{path.relative_to(root)}: {fault}.") from fault
            if changed is not None:
                partial = path.with_name(path.name + ".rewrap")
                partial.write_bytes(changed)
                partial.chmod(path.stat().st_mode & 0o777)
                partial.replace(path)
                rewrapped += 1
                data = changed
            in_use = key_in_use(data)
            if in_use:
                used.add(in_use)
        self.stdout.write(f"{rewrapped} file(s) rewrapped under {ring.active}.")
        used |= self._fields(ring)
        if options["retire"]:
            retired = sorted(set(ring.keys) - used - {ring.active})
            for kid in retired:
                del ring.keys[kid]
            save_ring(ring)
            self.stdout.write(f"Retired {len(retired)} key(s): {', '.join(retired) or 'none'}.")

    def _fields(self, ring: KeyRing) -> set[str]:
        """Rewrap the data key of every encrypted database field (a value stored in the clear
        is encrypted), one column per transaction; the KEK ids still in use."""
        used: set[str] = set()
        for model, field in encrypted_fields():
            label = f"{model._meta.label_lower}.{field.name}"
            rewrap = functools.partial(rewrap_text, label=label, ring=ring)
            with transaction.atomic():
                changed, kids = rewrite_column(connection, model, field.column, rewrap)
            used |= kids
            if changed:
                self.stdout.write(f"{label}: {changed} value(s) rewrapped.")
        return used
