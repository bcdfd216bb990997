"""Existing rows under the issue-9 rules (docs/agreements.md, "Rows from before the rule").

- A signature counts only if a coordinator or case manager of the signing organisation recorded
  it. Any other signature (recorded by a member of another organisation, or by a user who no
  longer exists) is voided: kept for the record, counting for nothing. The agreement falls
  back to draft (or the previous version governs) until the party records its own signature.
- A data flow counts only as far as the sender organisation approved it. Before this rule there
  was no approval, so a flow is taken as approved only when its latest change in the audit
  trail (``AGREEMENT_FLOW_CHANGED``, same agreement, sender and receiver, this version or an
  earlier one it was copied from) was made by a coordinator or case manager acting for the
  sender and set exactly the categories it holds now. Every other flow is pending: its
  categories stay, and nothing flows until the sender approves them.

Both steps only ever narrow what is shared. Reversing the migration keeps the rows as they are.
"""

from typing import Any

from django.db import migrations

SIGNING_ROLES = ("national_coordinator", "case_manager")
VOID_REASON = (
    "Recorded by a user who was not a coordinator or case manager of the signing organisation "
    "(issue 9); the party records its own signature again."
)


def _signers(apps: Any) -> set[tuple[int, int]]:
    membership = apps.get_model("accounts", "Membership")
    return set(
        membership.objects.filter(role__in=SIGNING_ROLES).values_list("user_id", "organisation_id")
    )


def void_foreign_signatures(apps: Any, schema_editor: Any) -> None:
    from django.utils import timezone

    signature = apps.get_model("agreements", "Signature")
    signers = _signers(apps)
    now = timezone.now()
    for row in signature.objects.filter(voided_at__isnull=True).select_related("party"):
        if (row.recorded_by_id, row.party.organisation_id) in signers:
            continue
        row.voided_at = now
        row.void_reason = VOID_REASON
        row.save(update_fields=["voided_at", "void_reason"])


def approve_flows_set_by_their_sender(apps: Any, schema_editor: Any) -> None:
    flow_model = apps.get_model("agreements", "DataFlow")
    event_model = apps.get_model("audit", "AuditEvent")
    user_model = apps.get_model("accounts", "User")
    signers = _signers(apps)
    events: dict[tuple[int, int, int], list[Any]] = {}
    for event in event_model.objects.filter(event_type="AGREEMENT_FLOW_CHANGED").order_by(
        "sequence"
    ):
        detail = event.detail or {}
        try:
            key = (int(detail["agreement_id"]), int(detail["sender_id"]), int(detail["receiver_id"]))
        except (KeyError, TypeError, ValueError):
            continue
        events.setdefault(key, []).append(event)
    users = set(user_model.objects.values_list("pk", flat=True))
    flows = flow_model.objects.select_related("version", "sender", "receiver")
    for flow in flows:
        sender_org = flow.sender.organisation_id
        key = (flow.version.agreement_id, sender_org, flow.receiver.organisation_id)
        earlier = [
            event
            for event in events.get(key, [])
            if int((event.detail or {}).get("version", 0)) <= flow.version.number
        ]
        last = earlier[-1] if earlier else None
        approved = (
            last is not None
            and last.organisation_id == sender_org
            and (last.actor_id, sender_org) in signers
            and sorted((last.detail or {}).get("categories", [])) == sorted(flow.categories)
        )
        if approved:
            assert last is not None
            flow.approved_categories = list(flow.categories)
            flow.approved_at = last.occurred_at
            flow.approved_by_id = last.actor_id if last.actor_id in users else None
        else:
            flow.approved_categories = []
            flow.approved_at = None
            flow.approved_by_id = None
        flow.save(update_fields=["approved_categories", "approved_at", "approved_by"])


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_signatures_by_own_party_flows_approved_by_sender"),
        ("accounts", "0002_initial"),
        ("audit", "0003_event_type_without_choices"),
    ]

    operations = [
        migrations.RunPython(void_foreign_signatures, migrations.RunPython.noop),
        migrations.RunPython(approve_flows_set_by_their_sender, migrations.RunPython.noop),
    ]
