"""Indexes for the home page and the case search (bench/README.md, "Home page and case search").

"My tasks" in due order from one partial index; reflection periods ending and consents expiring
in date order. A trigram index for finding a case by any part
of its number (PostgreSQL only):
``number__icontains`` is ``UPPER(number::text) LIKE UPPER('%…%')``: without this index it reads
every case (bench/README.md, "Home page and case search"). SQLite has no such index and keeps
the scan, which is fine at its sizes.
"""

from django.db import migrations, models

INDEX = "cases_case_number_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_case "
        "USING gin ((UPPER(number::text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_child_guards_interpreters")]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("done_at__isnull", True)),
                fields=["assignee", "organisation", "due_on", "id"],
                include=["case"],
                name="cases_task_mine_open_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="reflectionperiod",
            index=models.Index(fields=["ends_on", "id"], name="cases_reflection_ends_idx"),
        ),
        migrations.AddIndex(
            model_name="consentrecord",
            index=models.Index(fields=["expires_on", "id"], name="cases_consent_expires_idx"),
        ),
        migrations.RunPython(create, drop),
    ]
