"""Directory federation: stable ids, the shareable flag, the source node and freshness of a
mirrored entry, and the nodes this node holds directories of. The stable ids of existing rows
are filled here; 0004 makes them unique (a separate transaction, as PostgreSQL wants)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def fill_ids(apps, schema_editor):  # type: ignore[no-untyped-def]
    for name in ("Organisation", "ContactPoint"):
        model = apps.get_model("directory", name)
        rows = list(model.objects.filter(uuid__isnull=True).only("pk"))
        for row in rows:
            row.uuid = uuid.uuid4()
        model.objects.bulk_update(rows, ["uuid"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_organisation_alternate_names")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="stable id"),
        ),
        migrations.AddField(
            model_name="contactpoint",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="stable id"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="share_abroad",
            field=models.BooleanField(
                default=True,
                help_text="Published to the other countries' nodes (never the notes or clearance).",
                verbose_name="shared with other countries",
            ),
        ),
        migrations.AddField(
            model_name="contactpoint",
            name="share_abroad",
            field=models.BooleanField(
                default=True,
                help_text="Published to the other countries' nodes (never the notes).",
                verbose_name="shared with other countries",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="origin_node",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=100,
                verbose_name="published by node",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="synced_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="last synchronised"
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="source_as_of",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["origin_node"], name="directory_org_origin_idx"),
        ),
        migrations.CreateModel(
            name="DirectorySource",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("node_id", models.CharField(max_length=100, unique=True, verbose_name="node id")),
                (
                    "last_synced_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last synchronised"),
                ),
                (
                    "last_snapshot_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last full copy"),
                ),
                (
                    "country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sources",
                        to="directory.country",
                        verbose_name="country",
                    ),
                ),
            ],
            options={
                "verbose_name": "directory source",
                "verbose_name_plural": "directory sources",
                "ordering": ["node_id"],
            },
        ),
        migrations.RunPython(fill_ids, migrations.RunPython.noop),
    ]
