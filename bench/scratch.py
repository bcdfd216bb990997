"""What the benchmarks share: a throwaway node home and a scratch database.

The scripts run as ``python bench/<script>.py``, so this folder is on ``sys.path``.
"""

import os
from pathlib import Path


def configure(workdir: Path) -> None:
    """Point Django at a throwaway home; keep the caller's DATABASE_URL if they gave one."""
    os.environ["OPENTRM_HOME"] = str(workdir)
    os.environ["OPENTRM_ENV"] = "development"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["OPENTRM_LOG_LEVEL"] = "WARNING"
    (workdir / "static").mkdir(exist_ok=True)  # STATIC_ROOT; WhiteNoise warns if it is missing
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'unused.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "opentrm.config.settings"
    import django

    django.setup()


def create_scratch_database(workdir: Path, *, label: str) -> str:
    """Create and migrate a scratch database; return the name to drop afterwards."""
    from django.db import connection

    old_name: str = connection.settings_dict["NAME"]
    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(workdir / "bench.sqlite3")
    else:
        # Not test_<name>: that one belongs to the test suite, which may be running.
        test["NAME"] = f"{old_name}_{label}_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return old_name
