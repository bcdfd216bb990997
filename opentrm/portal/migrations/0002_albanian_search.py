"""PostgreSQL: the text-search configuration for Albanian, which PostgreSQL does not ship.

``opentrm_sq`` is 'simple' (no stemming) with accents removed by ``unaccent`` ("përfshirë"
finds "perfshire"). Where the extension cannot be created (no privilege), nothing is made and
the search uses plain 'simple' (opentrm/portal/search.py). Nothing happens on SQLite.
"""

from typing import Any

from django.db import DatabaseError, migrations, transaction

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION opentrm_sq (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION opentrm_sq ALTER MAPPING FOR hword, hword_part, word "
    "WITH unaccent, simple",
]


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'opentrm_sq'")
        if cursor.fetchone():
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                for statement in CREATE:
                    cursor.execute(statement)
        except DatabaseError:
            return


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS opentrm_sq")


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
