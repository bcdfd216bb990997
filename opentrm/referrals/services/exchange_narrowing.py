"""A consent withdrawal narrows the copies another node holds (issue 13 §4).

**Sending side.** When the person withdraws a consent, each referral of the case that went to
another node and is still read there gets a ``consent_withdrawal`` package with the groups that
may still be shared (``narrowing_queued``, called by ``exchange_link.consent_withdrawn``),
audited ``REFERRAL_NARROWING_SENT`` with the groups and the message id.

**Receiving side.** Besides narrowing the referral's shared groups, the receiving node removes
every field of the groups no longer shared from what it stored of the referral
(``received_copies_narrow``): the template's snapshot (``sent`` values, moved to ``withheld``
without their values), the request fields kept for the page (``imported.data``), and the
plaintext of every package of the referral in its inbox. A package's signed token holds the
same fields and cannot be narrowed without breaking the sender's signature, so it is removed
too (``exchange_verify`` then reports ``no_token``); the digest stays, so a retry of that
package is still answered as a duplicate. Audited ``REFERRAL_COPIES_NARROWED`` with the field
codes and message ids (never values). The minimal offer (age band, sex, languages, needs,
reason) stays: it is what a referral shows without any consent. The case the receiving
organisation opened on acceptance is its own record and is not touched.
"""

from collections.abc import Callable, Mapping
from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import ConsentRecord
from opentrm.core.concurrency import save_if_unchanged
from opentrm.exchange import fieldnames, outbox
from opentrm.exchange.models import InboxMessage, MessageType, OutboxMessage, Peer
from opentrm.referrals.models import Referral, ReferralKind, TemplateInstance
from opentrm.referrals.services.exchange_packages import REQUEST_CODES, consent_ref, iso_utc

GroupOf = Callable[[str], str | None]


def narrowing_queued(
    *,
    actor: Actor,
    referral: Referral,
    consent: ConsentRecord,
    peer: Peer,
    groups: list[str],
) -> OutboxMessage:
    """Queue the ``consent_withdrawal`` package for ``referral`` (inside the withdrawal's
    transaction) and audit it on this, the sending, side."""
    body = {
        "reference": referral.reference,
        "consent_ref": consent_ref(consent),
        "withdrawn_at": iso_utc(consent.withdrawn_at),
        "purposes": [consent.purpose],
        "shared_groups": groups,
    }
    message = outbox.enqueue(
        peer=peer,
        type=MessageType.CONSENT_WITHDRAWAL,
        body=body,
        referral_id=referral.pk,
        actor=actor,
    )
    record_event(
        event_type=EventType.REFERRAL_NARROWING_SENT,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "consent_id": consent.pk,
            "groups_before": sorted(set(referral.shared_groups or [])),
            "groups_after": groups,
            "peer_id": peer.pk,
            "message_id": str(message.message_id),
        },
    )
    return message


def _group_of(referral: Referral, instance: TemplateInstance | None) -> GroupOf:
    """The field group of a template field code of this referral (None: no group, always
    shared; unknown fields count as withdrawn)."""
    if referral.kind == ReferralKind.TRANSNATIONAL and instance is not None:
        from opentrm.referrals.services.transnational import instance_definition

        definition = instance_definition(instance)

        def template_group(code: str) -> str | None:
            item = definition.field(code)
            return item.group if item is not None else "unknown"

        return template_group
    from opentrm.referrals.services.requests import FIELDS

    by_code = {code: FIELDS[name].group.value for name, code in REQUEST_CODES.items()}
    return lambda code: by_code.get(code, "unknown")


def _narrow_sections(
    body: Mapping[str, Any], allowed: set[str], group_of: GroupOf
) -> tuple[dict[str, Any], list[str]]:
    """(body without the fields of groups not allowed, their template codes)."""
    format = fieldnames.body_format(body)
    removed: list[str] = []
    sections: dict[str, dict[str, Any]] = {}
    for section, fields in (body.get("sections") or {}).items():
        kept = {}
        for name, value in fields.items():
            code = fieldnames.template_code(section, name, format=format)
            group = group_of(code)
            if group is None or group in allowed:
                kept[name] = value
            else:
                removed.append(code)
        if kept:
            sections[section] = kept
    attachments = []
    for item in body.get("attachments") or []:
        if str(item.get("field_group") or "") in allowed:
            attachments.append(item)
        else:
            removed.append(f"attachment.{item.get('field_group')}")
    if not removed:
        return dict(body), []
    narrowed = {**body, "sections": sections}
    if "attachments" in body:
        narrowed["attachments"] = attachments
    return narrowed, removed


def _narrow_instance(
    instance: TemplateInstance, allowed: set[str], group_of: GroupOf, actor: Actor
) -> list[str]:
    data = dict(instance.data or {})
    removed: list[str] = []
    sent = dict(data.get("sent") or {})
    values = dict(sent.get("values") or {})
    for code in list(values):
        group = group_of(code)
        if group is not None and group not in allowed:
            removed.append(code)
            del values[code]
    imported = dict(data.get("imported") or {})
    request_data = dict(imported.get("data") or {})
    for code, item in list(request_data.items()):
        if str((item or {}).get("group", "")) not in allowed:
            removed.append(code)
            del request_data[code]
    if not removed:
        return []
    if sent:
        sent["values"] = values
        sent["withheld"] = sorted(set(sent.get("withheld") or []) | (set(removed) - set(values)))
        sent["groups"] = sorted(allowed & set(sent.get("groups") or []))
        data["sent"] = sent
    # A received copy always holds its imported data; the guard keeps a sent one untouched.
    if imported:  # pragma: no branch
        imported["data"] = request_data
        data["imported"] = imported
    instance.data = data
    save_if_unchanged(
        instance, expected_version=instance.version, fields=["data"], actor=actor.user
    )
    return removed


def received_copies_narrow(
    *, actor: Actor, referral: Referral, groups: list[str], message: InboxMessage
) -> None:
    """Remove the fields of the groups not in ``groups`` from every copy this node stored of
    ``referral`` (received from another node), audited with field codes and message ids."""
    allowed = set(groups)
    instance = TemplateInstance.objects.select_for_update().filter(referral=referral).first()
    group_of = _group_of(referral, instance)
    removed = set(_narrow_instance(instance, allowed, group_of, actor)) if instance else set()
    narrowed: list[str] = []
    packages = InboxMessage.objects.select_for_update().filter(referral_id=referral.pk)
    for package in packages.exclude(pk=message.pk).order_by("pk"):
        body, codes = _narrow_sections(package.body or {}, allowed, group_of)
        if not codes:
            continue
        package.body, package.signed = body, ""
        package.save(update_fields=["body", "signed", "updated_at"])
        removed |= set(codes)
        narrowed.append(str(package.message_id))
    record_event(
        event_type=EventType.REFERRAL_COPIES_NARROWED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "groups_after": sorted(allowed),
            "fields_removed": sorted(removed),
            "packages_narrowed": narrowed,
            "exchange": True,
            "message_id": str(message.message_id),
        },
    )
