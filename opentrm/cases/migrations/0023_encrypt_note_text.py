"""Note texts stored encrypted (issue 17 §4, opentrm/core/encrypted.py): a note filed under the
health, proceedings or child-protection group is special-category data like the fields of
0020. Every note stored in the clear is encrypted under the key ring's active key (reversible)."""

from django.db import migrations

import opentrm.core.encrypted
from opentrm.core.encrypted import decrypt_text, encrypt_text, is_encrypted, rewrite_column

LABEL = "cases.casenote.text"


def encrypt_existing(apps, schema_editor):
    model = apps.get_model("cases", "CaseNote")
    rewrite_column(
        schema_editor.connection,
        model,
        "text",
        lambda stored: None if is_encrypted(stored) else encrypt_text(stored, label=LABEL),
    )


def decrypt_existing(apps, schema_editor):
    model = apps.get_model("cases", "CaseNote")
    rewrite_column(
        schema_editor.connection,
        model,
        "text",
        lambda stored: decrypt_text(stored, label=LABEL) if is_encrypted(stored) else None,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0022_task_nomination_title_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="casenote",
            name="text",
            field=opentrm.core.encrypted.EncryptedTextField(verbose_name="note"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
