"""The consent register's history is append-only in the database too (issue 9).

A decision, once recorded, is never rewritten: a correction is a new record that supersedes it,
and a withdrawal is written once. The services never do otherwise; these triggers make a stray
UPDATE (a script, a console session, a future bug) fail instead of silently changing what the
person said. The signed form may still be attached (and is unlinked if its document goes).
"""

from django.db import migrations

IMMUTABLE = [
    "case_id",
    "purpose",
    "recipient_organisation_id",
    "recipient_country",
    "decision",
    "decided_on",
    "expires_on",
    "explained_in",
    "interpreter",
    "information_given",
    "taken_by_id",
    "taken_for_id",
    "supersedes_id",
    "created_at",
]
WITHDRAWAL = ["withdrawn_at", "withdrawn_by_id", "withdrawn_for_id"]
MESSAGE = "cases_consentrecord is append-only: record a correction instead"


def _sqlite_changed(columns: list[str]) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


def _postgres_changed(columns: list[str]) -> str:
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


SQLITE_CREATE = f"""
CREATE TRIGGER cases_consentrecord_append_only
BEFORE UPDATE ON cases_consentrecord
WHEN {_sqlite_changed(IMMUTABLE)}
  OR (OLD.withdrawn_at IS NOT NULL AND ({_sqlite_changed(WITHDRAWAL)}))
BEGIN
  SELECT RAISE(ABORT, '{MESSAGE}');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS cases_consentrecord_append_only;"

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION cases_consentrecord_append_only() RETURNS trigger AS $$
BEGIN
  IF {_postgres_changed(IMMUTABLE)}
     OR (OLD.withdrawn_at IS NOT NULL AND ({_postgres_changed(WITHDRAWAL)})) THEN
    RAISE EXCEPTION '{MESSAGE}';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_consentrecord_append_only
BEFORE UPDATE ON cases_consentrecord
FOR EACH ROW EXECUTE FUNCTION cases_consentrecord_append_only();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS cases_consentrecord_append_only ON cases_consentrecord;
DROP FUNCTION IF EXISTS cases_consentrecord_append_only();
"""


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_note_field_group")]

    operations = [migrations.RunPython(create, drop)]
