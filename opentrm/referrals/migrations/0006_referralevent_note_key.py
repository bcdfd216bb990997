# Notes the system writes on referral steps, stored as a key + parameters (issue 12 §5).

import re
from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.utils import translation

# The notes of ``referrals.event_notes`` whose key and parameters can be read back from the
# text stored in any of the node's languages (copied: a migration must not import code that
# will change). Notes on what is shared name field groups by their translated labels: those
# keep their stored text.
_RECOVERABLE = [
    ("imported_from_file", "Imported from a file received from outside OpenTRM."),
    ("received_from_node", "Received from node %(node)s as %(reference)s"),
    ("on_node_as", "On node %(node)s as %(reference)s"),
    ("on_node", "On node %(node)s"),
    ("consent_withdrawn_on_node", "Consent withdrawn on node %(node)s: access narrowed"),
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
    ReferralEvent = apps.get_model("referrals", "ReferralEvent")
    patterns = _patterns()
    for event in ReferralEvent.objects.exclude(note="").filter(note_key="").iterator():
        for key, pattern in patterns:
            found = pattern.fullmatch(event.note)
            if found:
                ReferralEvent.objects.filter(pk=event.pk).update(
                    note_key=key, note_params=found.groupdict()
                )
                break


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0005_referral_confidential"),
    ]

    operations = [
        migrations.AddField(
            model_name="referralevent",
            name="note_key",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="referralevent",
            name="note_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(keys_from_notes, migrations.RunPython.noop),
    ]
