# The "nominate the case manager" task, worded per reader from its key (issue 12 §5).

from typing import Any

from django.db import migrations


def key_nomination_tasks(apps: Any, schema_editor: Any) -> None:
    # Every nomination task has the one title: its key is read from its source.
    Task = apps.get_model("cases", "Task")
    Task.objects.filter(source="nomination", title_key="").update(title_key="nominate_manager")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0021_hearing_participants_group"),
    ]

    operations = [
        migrations.RunPython(key_nomination_tasks, migrations.RunPython.noop),
    ]
