# The title the system gives a signed consent form, stored as a key + parameters and worded in
# the reader's language (issue 12 §5).

from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.utils import translation

# Copied (a migration must not import code that will change): the title and the consent
# purposes it names, whose labels are read back from the title stored in any of the node's
# languages.
_TITLE = "Signed consent form: %(purpose)s"
_PURPOSES = [
    ("share_data", "Sharing data with a named recipient or country"),
    ("return", "Return to the country of origin or a third country"),
    ("video_interview", "Video-recorded interview"),
    ("assistance_plan", "Implementing the individual assistance plan"),
    ("family_tracing", "Family tracing"),
]


def _titles() -> dict[str, str]:
    """Every stored wording of the title: its purpose code."""
    titles = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for purpose, label in _PURPOSES:
                title = translation.gettext(_TITLE) % {"purpose": translation.gettext(label)}
                titles[title[:200]] = purpose
    return titles


def keys_from_titles(apps: Any, schema_editor: Any) -> None:
    CaseDocument = apps.get_model("cases", "CaseDocument")
    titles = _titles()
    documents = CaseDocument._base_manager.filter(
        kind="consent_form", title__in=list(titles), title_key=""
    )
    for pk, title in documents.values_list("pk", "title").iterator():
        CaseDocument._base_manager.filter(pk=pk).update(
            title_key="signed_consent_form", title_params={"purpose": titles[title]}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0023_encrypt_note_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="casedocument",
            name="title_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="casedocument",
            name="title_params",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(keys_from_titles, migrations.RunPython.noop),
    ]
