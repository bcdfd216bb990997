"""The origin of a referral received from another node or imported from a file, in indexed
columns (issue 10): filled from the template instance's JSON, where it lived until now."""

from typing import Any

from django.db import migrations, models


def fill_origin(apps: Any, schema_editor: Any) -> None:
    """``data["remote"]`` (node exchange) or ``data["imported"]`` (file) -> the columns. A row
    that would repeat an origin already taken (a race the old Python check could lose) keeps
    empty columns rather than failing the upgrade."""
    TemplateInstance = apps.get_model("referrals", "TemplateInstance")
    Referral = apps.get_model("referrals", "Referral")
    taken: set[tuple[Any, ...]] = set()
    instances = TemplateInstance.objects.select_related("referral").order_by("referral_id")
    for instance in instances.iterator():
        referral = instance.referral
        data = instance.data if isinstance(instance.data, dict) else {}
        remote, imported = data.get("remote"), data.get("imported")
        if referral.delivery == "node_exchange" and isinstance(remote, dict):
            node, reference = str(remote.get("node_id") or ""), str(remote.get("reference") or "")
            key: tuple[Any, ...] = ("exchange", node, reference)
        elif referral.delivery == "on_node" and isinstance(imported, dict):
            node = str(imported.get("node") or "")
            reference = str(imported.get("reference") or "")
            key = (
                "file",
                referral.sender_organisation_id,
                referral.receiver_organisation_id,
                reference,
            )
        else:
            continue
        if not reference or key in taken:
            continue
        taken.add(key)
        Referral.objects.filter(pk=referral.pk).update(
            origin_node=node[:200], origin_reference=reference[:64]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_referral_one_open_per_case_receiver"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="origin_node",
            field=models.CharField(blank=True, max_length=200, verbose_name="origin node"),
        ),
        migrations.AddField(
            model_name="referral",
            name="origin_reference",
            field=models.CharField(blank=True, max_length=64, verbose_name="origin reference"),
        ),
        migrations.RunPython(fill_origin, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                condition=models.Q(("delivery", "node_exchange"))
                & ~models.Q(("origin_reference", "")),
                fields=("origin_node", "origin_reference"),
                name="referrals_referral_unique_origin",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                condition=models.Q(("delivery", "on_node")) & ~models.Q(("origin_reference", "")),
                fields=("sender_organisation", "receiver_organisation", "origin_reference"),
                name="referrals_referral_unique_import",
            ),
        ),
    ]
