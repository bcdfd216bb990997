# The note the system writes on a placeholder organisation, stored as a key + parameters and
# worded in the reader's language (issue 12 §5).

import re
from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.utils import translation

# The notes of ``directory.notes`` whose key and parameters can be read back from the text stored
# in any of the node's languages (copied: a migration must not import code that will change).
_RECOVERABLE = [
    (
        "placeholder_from_exchange",
        "Created from the node exchange (peer %(node)s); complete or merge it.",
    ),
]


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for key, msgid in _RECOVERABLE:
                text = re.escape(translation.gettext(msgid))
                text = re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", text)
                patterns.append((key, re.compile(text)))
    return patterns


def keys_from_notes(apps: Any, schema_editor: Any) -> None:
    Organisation = apps.get_model("directory", "Organisation")
    patterns = _patterns()
    for organisation in Organisation.objects.exclude(notes="").filter(notes_key="").iterator():
        for key, pattern in patterns:
            found = pattern.fullmatch(organisation.notes)
            if found:
                Organisation.objects.filter(pk=organisation.pk).update(
                    notes_key=key, notes_params=found.groupdict()
                )
                break


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_federation_unique_ids")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="notes_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="organisation",
            name="notes_params",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(keys_from_notes, migrations.RunPython.noop),
    ]
