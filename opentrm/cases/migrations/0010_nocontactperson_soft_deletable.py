"""The no-contact list on the soft-delete base: its removal marks become SoftDeletable's fields
(renamed, so every entry taken off the list keeps who, when and why)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_consent_register_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(
            model_name="nocontactperson", old_name="removed_at", new_name="deleted_at"
        ),
        migrations.RenameField(
            model_name="nocontactperson", old_name="removed_by", new_name="deleted_by"
        ),
        migrations.RenameField(
            model_name="nocontactperson", old_name="removal_reason", new_name="deletion_reason"
        ),
        migrations.AlterField(
            model_name="nocontactperson",
            name="deleted_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="taken off the list at"
            ),
        ),
        migrations.AlterField(
            model_name="nocontactperson",
            name="deleted_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="taken off the list by",
            ),
        ),
        migrations.AlterField(
            model_name="nocontactperson",
            name="deletion_reason",
            field=models.TextField(
                blank=True, editable=False, verbose_name="why taken off the list"
            ),
        ),
    ]
