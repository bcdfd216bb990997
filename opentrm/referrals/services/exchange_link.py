"""Referrals between OpenTRM nodes (issue 5 §4): the referrals' side of the node exchange.

**Sending.** When a transnational referral or request is sent to a country that has an
*active* exchange peer (``Peer.country_code``), ``referral_sent`` (``exchange_packages``) marks it
``delivery = node_exchange`` and queues, in the sending transaction, a ``referral`` or
``request`` package with only what the gate let into the sent snapshot (never a withheld
value), the template profile and version, the consent record reference and the governing
agreement id. Each later step of either side (``step_taken``), a follow-up report
(``follow_up_added``) and a consent withdrawal on the sender's case (the cases app's
``consent_withdrawn`` signal) queue a ``status_update``, ``follow_up`` or ``consent_withdrawal``
package to the other node the same way.

**Receiving.** The handlers registered at the bottom (``opentrm.exchange.handlers``) run after
the inbox stored a package. A referral or request (read by ``exchange_incoming``) becomes an
incoming ``Referral`` (status "sent", stored by ``receiving.referral_receive`` like a file
import) of the sending organisation (the directory's, or an inactive placeholder created for it)
to this node's focal point, its template snapshot stored as sent; accepting it opens a local
case (``services.accepting``). Status updates and follow-ups are applied to the referral they
name with the node's service user (``system_actor``); a consent withdrawal narrows the
referral's shared groups at once and is acknowledged with a status update. Every package handled
is audited ``EXCHANGE_PROCESSED`` with its message id; one that cannot be applied is marked
processed with an error code (never retried, never half-applied). A handler that fails
unexpectedly is tried again by the exchange worker (``opentrm.exchange.services.processing``).

Packages name a referral by its reference on the node that created it (``reference``; the
other node's own reference travels as ``receiver_reference``). On the creating node a
referral is matched only if this peer got its first package; on the receiving node only if
this peer sent it.
"""

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import events_batched, record_event
from opentrm.cases.models import ConsentPurpose, ConsentRecord
from opentrm.core.concurrency import save_if_unchanged
from opentrm.exchange import fieldnames, handlers, outbox, outcomes
from opentrm.exchange.models import (
    InboxMessage,
    MessageType,
    OutboxMessage,
    Peer,
)
from opentrm.referrals import states
from opentrm.referrals.event_notes import (
    CONSENT_WITHDRAWN_ON_NODE,
    ON_NODE,
    ON_NODE_AS,
    SHARING_ON_NODE,
    Note,
)
from opentrm.referrals.models import (
    Delivery,
    FollowUpReport,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    TemplateInstance,
)
from opentrm.referrals.services import receiving
from opentrm.referrals.services.exchange_attachments import attachments_check
from opentrm.referrals.services.exchange_incoming import (
    SYSTEM_USERNAME,
    RefusedError,
    incoming_from,
    node_country,
    system_actor,
)
from opentrm.referrals.services.exchange_incoming import text_of as _text
from opentrm.referrals.services.exchange_narrowing import (
    narrowing_queued,
    received_copies_narrow,
)
from opentrm.referrals.services.exchange_packages import (
    FIRST_TYPES,
    REQUEST_CODES,
    active_peer,
    consent_ref,
    referral_body,
    referral_sent,
    request_body,
)
from opentrm.referrals.services.exchange_packages import iso_utc as _iso
from opentrm.referrals.services.exchange_packages import template_of as _instance
from opentrm.referrals.services.transitions import referral_transition
from opentrm.referrals.states import Side

logger = logging.getLogger("opentrm.exchange")

S = ReferralStatus
# Referrals whose receiver still reads what was shared (a withdrawal must reach them).
NOT_READ = frozenset({S.DRAFT, S.DECLINED, S.WITHDRAWN, S.FORWARDED})
CONSENT_APPLIED = "consent_withdrawal_applied"
# --- small helpers ----------------------------------------------------------------------------


def remote_of(referral: Referral) -> dict[str, Any] | None:
    """For a referral received from another node: ``{"node_id", "reference", "public_id"}``."""
    instance = _instance(referral)
    remote = ((instance.data if instance else None) or {}).get("remote")
    return dict(remote) if isinstance(remote, Mapping) else None


def is_incoming(referral: Referral) -> bool:
    return referral.delivery == Delivery.NODE_EXCHANGE and bool(referral.origin_node)


def _link(referral: Referral) -> tuple[Peer, str, str] | None:
    """(peer, reference on the creating node, reference on the receiving node) of a referral
    that travels between nodes; None for any other."""
    if referral.delivery != Delivery.NODE_EXCHANGE:
        return None
    first = (
        OutboxMessage.objects.filter(referral_id=referral.pk, type__in=FIRST_TYPES)
        .select_related("peer")
        .first()
    )
    if first is not None:
        return first.peer, referral.reference, ""
    # Not sent from here, so received from its origin node: delivery becomes node_exchange
    # only with the first package (``referral_sent``) or on receipt (``referral_receive``).
    peer = Peer.objects.filter(node_id=referral.origin_node).first()
    if peer is None:
        return None
    return peer, referral.origin_reference, referral.reference


def _find(peer: Peer, reference: str) -> Referral | None:
    """The referral a package of ``peer`` names: one this node sent to it, or one it sent;
    locked (packages about one referral may arrive at the same moment: they apply in turn)."""
    # Both candidates in one query (usually none: a new referral from the peer).
    rows = Referral.objects.filter(delivery=Delivery.NODE_EXCHANGE).filter(
        Q(reference=reference) | Q(origin_node=peer.node_id, origin_reference=reference)
    )
    own: int | None = None
    theirs: int | None = None
    for pk, own_reference, origin_node, origin_reference in rows.values_list(
        "pk", "reference", "origin_node", "origin_reference"
    ):
        if own is None and own_reference == reference:
            own = pk
        if theirs is None and (origin_node, origin_reference) == (peer.node_id, reference):
            theirs = pk
    found = theirs
    if (
        own is not None
        and OutboxMessage.objects.filter(referral_id=own, peer=peer, type__in=FIRST_TYPES).exists()
    ):
        found = own
    if found is None:
        return None
    return Referral.objects.select_for_update().filter(pk=found).first()


def step_taken(actor: Actor, referral: Referral, *, note: str = "") -> OutboxMessage | None:
    """Call inside the step's transaction, after the step: tell the other node."""
    link = _link(referral)
    if link is None:
        return None
    peer, reference, receiver_reference = link
    body: dict[str, Any] = {"reference": reference, "status": referral.status, "at": _iso()}
    if receiver_reference:
        body["receiver_reference"] = receiver_reference
    if note:
        body["note"] = note[:300]
    for key, value in (
        ("answer", referral.answer),
        ("decline_reason", referral.decline_reason),
        ("withdrawal_reason", referral.withdrawal_reason),
    ):
        if value and (
            (key == "answer" and referral.status == S.ANSWERED)
            or (key == "decline_reason" and referral.status == S.DECLINED)
            or (key == "withdrawal_reason" and referral.status == S.WITHDRAWN)
        ):
            body[key] = value
    return outbox.enqueue(
        peer=peer, type=MessageType.STATUS_UPDATE, body=body, referral_id=referral.pk, actor=actor
    )


def sharing_changed(actor: Actor, referral: Referral) -> OutboxMessage | None:
    """Call inside the sharing step's transaction (``services.sharing``): a status update that
    keeps the status and carries the groups shared from now on, with the snapshot's values of
    those groups (never a withheld value), so the other node's receiver sees more or less."""
    link = _link(referral)
    if link is None or link[2]:  # only the node that created the referral shares its case
        return None
    peer, reference, _receiver = link
    body: dict[str, Any] = {
        "format": fieldnames.FORMAT,
        "reference": reference,
        "status": referral.status,
        "at": _iso(),
        "shared_groups": sorted(set(referral.shared_groups or [])),
    }
    instance = _instance(referral)
    # Only referrals that crossed nodes get here, and each transnational one has its template
    # instance from the moment it was drafted or received: the condition is a guard.
    if referral.kind == ReferralKind.TRANSNATIONAL and instance is not None:  # pragma: no branch
        sent = (instance.data or {}).get("sent") or {}
        body["sections"] = fieldnames.to_sections(sent.get("values") or {})
        body["withheld"] = sorted(set(fieldnames.withheld_names(list(sent.get("withheld") or []))))
    return outbox.enqueue(
        peer=peer, type=MessageType.STATUS_UPDATE, body=body, referral_id=referral.pk, actor=actor
    )


def follow_up_added(
    actor: Actor, referral: Referral, report: FollowUpReport, instance: TemplateInstance
) -> OutboxMessage | None:
    """Call inside the report's transaction (``transnational.follow_up_add``, with the
    referral's template): the report travels to the referral's sender, with the fields of the
    groups the referral still shares (and ungrouped ones)."""
    link = _link(referral)
    if link is None:
        return None
    peer, reference, _receiver = link
    from opentrm.referrals.services.transnational import instance_definition

    allowed = set(referral.shared_groups or [])
    values: dict[str, Any] = {}
    definition = instance_definition(instance)
    for code, value in ((report.data or {}).get("values") or {}).items():
        item = definition.field(code)
        if item is not None and (item.group is None or item.group in allowed):
            values[code] = value
    body: dict[str, Any] = {
        "format": fieldnames.FORMAT,
        "reference": reference,
        "reported_on": report.reported_on.isoformat(),
        "organisation": report.organisation.name,
        "sections": fieldnames.to_sections(values),
    }
    if report.summary:
        lang = str((report.data or {}).get("summary_lang") or "en")
        body["summary"] = {"text": report.summary, "lang": lang}
    return outbox.enqueue(
        peer=peer, type=MessageType.FOLLOW_UP, body=body, referral_id=referral.pk, actor=actor
    )


def consent_withdrawn(consent: ConsentRecord, actor: Actor) -> list[OutboxMessage]:
    """The person withdrew ``consent`` on a case of this node: every referral of the case that
    went to another node and is still read there hears which groups may still be shared."""
    from opentrm.cases.access import sharing_with

    if consent.purpose not in (ConsentPurpose.SHARE_DATA, ConsentPurpose.RETURN):
        return []
    queued: list[OutboxMessage] = []
    referrals = (
        Referral.objects.filter(case_id=consent.case_id, delivery=Delivery.NODE_EXCHANGE)
        .exclude(status__in=NOT_READ)
        .select_related("case", "receiver_organisation")
    )
    for referral in referrals:
        link = _link(referral)
        if link is None or link[2]:  # only referrals this node created
            continue
        assert referral.case is not None
        today = {
            g.value for g in sharing_with(referral.case, referral.receiver_organisation).groups
        }
        still = sorted(set(referral.shared_groups or []) & today)
        if (
            consent.purpose == ConsentPurpose.SHARE_DATA
            and still == sorted(set(referral.shared_groups or []))
            and referral.consent_id != consent.pk
        ):
            continue  # this consent was not what the referral relied on, and nothing narrows
        queued.append(
            narrowing_queued(
                actor=actor, referral=referral, consent=consent, peer=link[0], groups=still
            )
        )
    return queued


def on_consent_withdrawn(sender: Any, consent: ConsentRecord, actor: Actor, **kwargs: Any) -> None:
    """Receiver of ``opentrm.cases.signals.consent_withdrawn`` (connected in apps.py)."""
    consent_withdrawn(consent, actor)


# --- receiving ----------------------------------------------------------------------------


def _processed(
    message: InboxMessage, referral: Referral | None, outcome: str, **detail: Any
) -> None:
    message.processed_at = timezone.now()
    fields = ["processed_at", "referral_id", "updated_at"]
    if referral is not None:
        message.referral_id = referral.pk
    if outcome == "refused":  # retention: nothing of a refused package's content is kept
        message.body, message.signed = {}, ""
        fields += ["body", "signed"]
    outcomes.record(message, outcome=outcome, code=str(detail.get("error") or outcome))
    message.save(update_fields=[*fields, *outcomes.RECORDED_FIELDS])
    outcomes.audit_processed(
        message, outcome, referral_id=referral.pk if referral is not None else None, **detail
    )


def _handle(apply: Callable[[InboxMessage], None]) -> Callable[[InboxMessage], None]:
    """Run ``apply`` once per message, in one transaction; a refusal is recorded as processed
    with its code (nothing of the package applied)."""

    def handler(message: InboxMessage) -> None:
        try:
            # The package's audit events join the chain together, just before the commit.
            with transaction.atomic(), events_batched():
                locked = InboxMessage.objects.select_for_update().get(pk=message.pk)
                if locked.processed_at is not None:
                    return
                locked.peer = message.peer
                apply(locked)
        except RefusedError as refusal:
            with transaction.atomic(), events_batched():
                locked = InboxMessage.objects.select_for_update().get(pk=message.pk)
                # Another worker may have recorded this refusal meanwhile (two workers, one
                # package: tests/exchange shows the path; which worker wins is timing).
                if locked.processed_at is None:  # pragma: no branch
                    _processed(locked, None, "refused", error=refusal.code)
            logger.warning("exchange package %s refused: %s", message.message_id, refusal.code)

    handler.__name__ = apply.__name__
    handler.__doc__ = apply.__doc__
    return handler


def _apply_first(message: InboxMessage) -> None:
    """A referral or request from the peer: a new referral in this node's focal point's inbox."""
    peer = message.peer
    head: dict[str, Any] = message.body[
        "referral" if message.type == MessageType.REFERRAL else "request"
    ]
    country = node_country()
    if head["receiver_country"] != country or head["sender_country"] != peer.country_code:
        raise RefusedError("wrong_country")
    if _find(peer, head["reference"]) is not None:
        raise RefusedError("duplicate_reference")
    attachments_check(message.body, set(head.get("shared_groups") or []))
    incoming = incoming_from(message, head, country)
    try:
        # _find above looked for this peer's referral of this reference (origin_match's filter)
        referral = receiving.referral_receive(
            actor=system_actor(), incoming=incoming, origin_checked=True
        )
    except receiving.AlreadyReceivedError as error:
        raise RefusedError("duplicate_reference") from error
    _processed(message, referral, "created", reference=referral.reference)


def _apply_status(message: InboxMessage) -> None:
    """A step the peer took: applied here through the state machine (``referral_transition``,
    reported by the peer's side: its node checked the actor and the guards, and it is not told
    again)."""
    body = message.body
    referral = _find(message.peer, body["reference"])
    if referral is None:
        raise RefusedError("unknown_referral")
    to = body["status"]
    ours = bool(
        OutboxMessage.objects.filter(
            referral_id=referral.pk, peer=message.peer, type__in=FIRST_TYPES
        ).exists()
    )
    # The peer reports only the steps its side takes.
    side = Side.RECEIVER if ours else Side.SENDER
    if to not in states.peer_reports(referral.kind, side) and to != referral.status:
        raise RefusedError("not_their_step")
    if "shared_groups" in body:
        if side != Side.SENDER or to != referral.status:
            raise RefusedError("not_their_step")
        _apply_sharing(message, referral)
        return
    if to == referral.status or states.reachable(referral.kind, to, referral.status):
        outcome = CONSENT_APPLIED if body.get("note") == CONSENT_APPLIED else "unchanged"
        _processed(message, referral, outcome, status=to)
        return
    rule = states.rule_to(referral.kind, to)
    if rule is None or states.transition(referral.kind, referral.status, to) is None:
        raise RefusedError("transition_refused")
    note = Note(ON_NODE, {"node": message.peer.node_id})
    if body.get("receiver_reference"):
        note = Note(
            ON_NODE_AS, {"node": message.peer.node_id, "reference": body["receiver_reference"]}
        )
    referral_transition(
        actor=system_actor(),
        referral=referral,
        to=to,
        expected_version=referral.version,
        reason=_text(body.get(rule.reason_field)) if rule.reason_field else "",
        note=note,
        detail={"exchange": True, "message_id": str(message.message_id)},
        reported_by=side,
    )
    _processed(message, referral, "applied", status=to)


def _apply_sharing(message: InboxMessage, referral: Referral) -> None:
    """The sender's node changed what it shares (``sharing_changed``): the referral's groups
    and its template snapshot follow, recorded as a step on its timeline and audited."""
    body = message.body
    system = system_actor()
    before = sorted(set(referral.shared_groups or []))
    after = sorted(set(body.get("shared_groups") or []))
    referral.shared_groups = after
    save_if_unchanged(
        referral, expected_version=referral.version, fields=["shared_groups"], actor=system.user
    )
    instance = TemplateInstance.objects.select_for_update().filter(referral=referral).first()
    if instance is not None and "sections" in body:
        data = dict(instance.data or {})
        sent = dict(data.get("sent") or {})
        sent["values"] = fieldnames.body_values(body)
        sent["withheld"] = sorted(fieldnames.body_withheld(body))
        sent["groups"] = after
        data["sent"] = sent
        instance.data = data
        save_if_unchanged(
            instance, expected_version=instance.version, fields=["data"], actor=system.user
        )

    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    note = Note(SHARING_ON_NODE, {"added": added, "removed": removed, "node": message.peer.node_id})
    ReferralEvent.objects.create(
        referral=referral,
        status=referral.status,
        at=timezone.now(),
        by=system.user,
        organisation=referral.sender_organisation,
        **note.fields(),
    )
    record_event(
        event_type=EventType.REFERRAL_SHARING_CHANGED,
        actor=system,
        target=referral,
        detail={
            "referral": referral.reference,
            "groups_before": before,
            "groups_after": after,
            "exchange": True,
            "message_id": str(message.message_id),
        },
    )
    _processed(message, referral, "sharing_changed", groups_before=before, groups_after=after)


def _apply_follow_up(message: InboxMessage) -> None:
    """The receiving side's report after the return: kept as a report from that organisation,
    its values the template's current §6-§7 here."""
    body = message.body
    referral = _find(message.peer, body["reference"])
    if referral is None or referral.kind != ReferralKind.TRANSNATIONAL:
        raise RefusedError("unknown_referral")
    if not OutboxMessage.objects.filter(
        referral_id=referral.pk, peer=message.peer, type__in=FIRST_TYPES
    ).exists():
        raise RefusedError("not_their_report")
    from opentrm.referrals.services.transnational import FOLLOW_UP_SECTIONS, instance_definition

    instance = TemplateInstance.objects.select_for_update().filter(referral=referral).first()
    if instance is None:
        raise RefusedError("no_template")
    definition = instance_definition(instance)
    values = {
        code: value
        for code, value in fieldnames.body_values(body).items()
        if (item := definition.field(code)) is not None
        and item.section in FOLLOW_UP_SECTIONS
        and item.owner == "origin"
    }
    summary = body.get("summary")
    system = system_actor()
    report = FollowUpReport.objects.create(
        referral=referral,
        reported_on=datetime.fromisoformat(body["reported_on"]).date(),
        data={
            "values": values,
            "summary_lang": summary.get("lang", "en") if isinstance(summary, Mapping) else "en",
            "message_id": str(message.message_id),
        },
        summary=_text(summary),
        organisation=referral.receiver_organisation,
        reported_by=system.user,
    )
    data = dict(instance.data or {})
    data["origin"] = {**(data.get("origin") or {}), **values}
    instance.data = data
    save_if_unchanged(
        instance, expected_version=instance.version, fields=["data"], actor=system.user
    )
    record_event(
        event_type=EventType.REFERRAL_FOLLOW_UP,
        actor=system,
        target=referral,
        detail={
            "referral": referral.reference,
            "report_id": report.pk,
            "fields": sorted(values),
            "exchange": True,
            "message_id": str(message.message_id),
        },
    )
    _processed(message, referral, "applied", report_id=report.pk)


def _apply_consent_withdrawal(message: InboxMessage) -> None:
    """The person withdrew a consent on the sender's case: the referral shares at once only
    the groups still allowed (its snapshot narrows on every screen), acknowledged back."""
    body = message.body
    referral = _find(message.peer, body["reference"])
    if referral is None or not is_incoming(referral):
        raise RefusedError("unknown_referral")
    before = sorted(set(referral.shared_groups or []))
    after = sorted(set(before) & set(body.get("shared_groups") or []))
    system = system_actor()
    if after != before:
        referral.shared_groups = after
        save_if_unchanged(
            referral, expected_version=referral.version, fields=["shared_groups"], actor=system.user
        )
    ReferralEvent.objects.create(
        referral=referral,
        status=referral.status,
        at=timezone.now(),
        by=system.user,
        organisation=referral.sender_organisation,
        **Note(CONSENT_WITHDRAWN_ON_NODE, {"node": message.peer.node_id}).fields(),
    )
    received_copies_narrow(actor=system, referral=referral, groups=after, message=message)
    _processed(
        message,
        referral,
        "narrowed",
        purposes=list(body.get("purposes") or []),
        groups_before=before,
        groups_after=after,
    )
    step_taken(system, referral, note=CONSENT_APPLIED)


receive_first = _handle(_apply_first)
receive_status_update = _handle(_apply_status)
receive_follow_up = _handle(_apply_follow_up)
receive_consent_withdrawal = _handle(_apply_consent_withdrawal)


def register_handlers() -> None:
    """Called from the referrals app's ready()."""
    handlers.register(MessageType.REFERRAL)(receive_first)
    handlers.register(MessageType.REQUEST)(receive_first)
    handlers.register(MessageType.STATUS_UPDATE)(receive_status_update)
    handlers.register(MessageType.FOLLOW_UP)(receive_follow_up)
    handlers.register(MessageType.CONSENT_WITHDRAWAL)(receive_consent_withdrawal)


__all__ = [
    "REQUEST_CODES",
    "SYSTEM_USERNAME",
    "RefusedError",
    "active_peer",
    "consent_ref",
    "consent_withdrawn",
    "follow_up_added",
    "is_incoming",
    "referral_body",
    "referral_sent",
    "register_handlers",
    "request_body",
    "sharing_changed",
    "step_taken",
    "system_actor",
]
