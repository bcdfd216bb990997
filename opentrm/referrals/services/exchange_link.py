"""Referrals between OpenTRM nodes (issue 5 §4): the referrals' side of the node exchange.

**Sending.** When a transnational referral or request is sent to a country that has an
*active* exchange peer (``Peer.country_code``), ``referral_sent`` marks it
``delivery = node_exchange`` and queues, in the sending transaction, a ``referral`` or
``request`` package with only what the gate let into the sent snapshot (never a withheld
value), the template profile and version, the consent record reference and the governing
agreement id. Each later step of either side (``step_taken``), a follow-up report
(``follow_up_added``) and a consent withdrawal on the sender's case (the cases app's
``consent_withdrawn`` signal) queue a ``status_update``, ``follow_up`` or ``consent_withdrawal``
package to the other node the same way.

**Receiving.** The handlers registered at the bottom (``opentrm.exchange.handlers``) run after
the inbox stored a package. A referral or request becomes an incoming ``Referral`` (status
"sent") of the sending organisation (the directory's, or an inactive placeholder created for
it) to this node's focal point, its template snapshot stored as sent; accepting it opens a local
case (``accepting``). Status updates and follow-ups are applied to the referral they name with
the node's service user (``system_actor``); a consent withdrawal narrows the referral's shared
groups at once and is acknowledged with a status update. Every package handled is audited
``EXCHANGE_PROCESSED`` with its message id; one that cannot be applied is marked processed with
an error code (never retried, never half-applied).

Packages name a referral by its reference on the node that created it (``reference``; the
other node's own reference travels as ``receiver_reference``). On the creating node a
referral is matched only if this peer got its first package; on the receiving node only if
this peer sent it.
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.models import User
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import AgeBand, ConsentPurpose, ConsentRecord, Sex
from opentrm.core.concurrency import save_if_unchanged
from opentrm.directory.models import Country, Organisation, OrganisationType
from opentrm.exchange import fieldnames, handlers, outbox
from opentrm.exchange.models import (
    InboxMessage,
    MessageType,
    OutboxMessage,
    Peer,
    PeerStatus,
)
from opentrm.referrals import states
from opentrm.referrals.models import (
    Delivery,
    FollowUpReport,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    Routing,
    TemplateInstance,
    Urgency,
)
from opentrm.referrals.services import core, routing
from opentrm.referrals.services.transitions import referral_transition
from opentrm.referrals.states import Side

logger = logging.getLogger("opentrm.exchange")

S = ReferralStatus
SYSTEM_USERNAME = "opentrm-exchange"
FIRST_TYPES = (MessageType.REFERRAL, MessageType.REQUEST)
# Referrals whose receiver still reads what was shared (a withdrawal must reach them).
NOT_READ = frozenset({S.DRAFT, S.DECLINED, S.WITHDRAWN, S.FORWARDED})
CONSENT_APPLIED = "consent_withdrawal_applied"
# The fields of a request (services.requests.FIELDS) in package naming: under §1.1.
REQUEST_CODES: dict[str, str] = {
    "names": "s1_1.name",
    "date_of_birth": "s1_1.date_of_birth",
    "place_of_birth": "s1_1.place_of_birth",
    "citizenships": "s1_1.citizenship",
    "documents": "s1_1.travel_document_comments",
    "address": "s1_1.address",
    "residence_country": "s1_1.residence_country",
}
_REQUEST_FIELDS = {code: name for name, code in REQUEST_CODES.items()}


class RefusedError(Exception):
    """A package that cannot be applied; ``code`` is short and holds no personal data."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- who applies what arrives -------------------------------------------------------------------


def system_actor() -> Actor:
    """The node's own service user, for changes a peer's package makes. It cannot log in and
    has no membership: it passes no permission check, so only this module's apply functions
    (which check the package instead) act with it."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"first_name": "OpenTRM", "last_name": "exchange", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return Actor(user=user, membership=None)


# --- small helpers ----------------------------------------------------------------------------


def active_peer(country_code: str) -> Peer | None:
    return (
        Peer.objects.filter(country_code=country_code, status=PeerStatus.ACTIVE)
        .order_by("pk")
        .first()
    )


def consent_ref(consent: ConsentRecord | None) -> str | None:
    """``CR-<id>-<date decided>``: which record the gate relied on, never its text."""
    if consent is None:
        return None
    return f"CR-{consent.pk}-{consent.decided_on.isoformat()}"


def _iso(moment: datetime | None = None) -> str:
    return (moment or timezone.now()).astimezone(UTC).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("text") or "")
    return str(value or "")


def _instance(referral: Referral) -> TemplateInstance | None:
    return TemplateInstance.objects.filter(referral=referral).first()


def remote_of(referral: Referral) -> dict[str, Any] | None:
    """For a referral received from another node: ``{"node_id", "reference", "public_id"}``."""
    instance = _instance(referral)
    remote = ((instance.data if instance else None) or {}).get("remote")
    return dict(remote) if isinstance(remote, Mapping) else None


def is_incoming(referral: Referral) -> bool:
    return referral.delivery == Delivery.NODE_EXCHANGE and remote_of(referral) is not None


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
    remote = remote_of(referral)
    if remote is None:
        return None
    peer = Peer.objects.filter(node_id=remote.get("node_id")).first()
    if peer is None:
        return None
    return peer, str(remote["reference"]), referral.reference


def _find(peer: Peer, reference: str) -> Referral | None:
    """The referral a package of ``peer`` names: one this node sent to it, or one it sent;
    locked (packages about one referral may arrive at the same moment: they apply in turn)."""
    found: int | None = None
    own = (
        Referral.objects.filter(reference=reference, delivery=Delivery.NODE_EXCHANGE)
        .values_list("pk", flat=True)
        .first()
    )
    if (
        own is not None
        and OutboxMessage.objects.filter(referral_id=own, peer=peer, type__in=FIRST_TYPES).exists()
    ):
        found = own
    for type_, key in ((MessageType.REFERRAL, "referral"), (MessageType.REQUEST, "request")):
        if found is not None:
            break
        found = (
            InboxMessage.objects.filter(
                peer=peer,
                type=type_,
                referral_id__isnull=False,
                **{f"body__{key}__reference": reference},
            )
            .order_by("pk")
            .values_list("referral_id", flat=True)
            .first()
        )
    if found is None:
        return None
    return Referral.objects.select_for_update().filter(pk=found).first()


# --- sending ------------------------------------------------------------------------------------


def referral_sent(actor: Actor, referral: Referral) -> OutboxMessage | None:
    """Call inside the sending transaction, after the referral was sent. Towards a country
    with an active peer: delivery becomes node-to-node and the package is queued."""
    if referral.kind == ReferralKind.NATIONAL:
        return None
    peer = active_peer(referral.receiver_country)
    if peer is None:
        return None
    Referral.objects.filter(pk=referral.pk).update(delivery=Delivery.NODE_EXCHANGE)
    referral.delivery = Delivery.NODE_EXCHANGE
    if referral.kind == ReferralKind.TRANSNATIONAL:
        type_, body = MessageType.REFERRAL, referral_body(referral)
    else:
        type_, body = MessageType.REQUEST, request_body(referral)
    return outbox.enqueue(peer=peer, type=type_, body=body, referral_id=referral.pk, actor=actor)


def _head(referral: Referral) -> dict[str, Any]:
    sender = referral.sender_organisation
    return {
        "reference": referral.reference,
        "kind": referral.kind,
        "urgency": referral.urgency,
        "sender_organisation": sender.name,
        "sender_country": sender.country.code,
        "receiver_organisation": referral.receiver_organisation.name,
        "receiver_country": referral.receiver_country,
        "consent_ref": consent_ref(referral.consent),
        "agreement_id": str(referral.agreement_id) if referral.agreement_id else None,
        "shared_groups": sorted(set(referral.shared_groups or [])),
    }


def referral_body(referral: Referral) -> dict[str, Any]:
    """The ``referral`` package: the snapshot the receiver's page shows, nothing withheld."""
    instance = _instance(referral)
    assert instance is not None
    data = instance.data or {}
    sent = data.get("sent") or {}
    head = _head(referral)
    profile: dict[str, Any] | None = None
    if instance.profile_country:
        profile = {
            "country": instance.profile_country,
            "version": instance.profile_version,
            "added": list(data.get("fields") or []),
            "disabled": list(data.get("disabled") or []),
        }
    head.update(
        {
            "template_profile": profile,
            "template_version": instance.template_version,
            "language": instance.sender_language,
        }
    )
    return {
        "referral": head,
        "sections": fieldnames.to_sections(sent.get("values") or {}),
        "withheld": sorted(set(fieldnames.withheld_names(list(sent.get("withheld") or [])))),
    }


def request_body(referral: Referral) -> dict[str, Any]:
    """The ``request`` package: the kind's fields of the person in the shared groups only."""
    from opentrm.referrals.services.requests import effective_groups, shared_values

    head = _head(referral)
    for key, value in (
        ("measure_code", referral.measure_code),
        ("service_type", referral.service_type),
        ("document_type", referral.document_type),
    ):
        if value:
            head[key] = value
    head["needs"] = [str(need) for need in referral.needs or []]
    if referral.reason:
        head["reason"] = referral.reason
    if referral.answer_due_at:
        head["answer_due_at"] = _iso(referral.answer_due_at)
    values = {
        REQUEST_CODES[item.code]: item.value
        for item in shared_values(referral, effective_groups(referral))
        if item.value and item.code in REQUEST_CODES
    }
    return {"request": head, "sections": fieldnames.to_sections(values)}


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


def follow_up_added(
    actor: Actor, referral: Referral, report: FollowUpReport
) -> OutboxMessage | None:
    """Call inside the report's transaction: the report travels to the referral's sender,
    with the fields of the groups the referral still shares (and ungrouped ones)."""
    link = _link(referral)
    if link is None:
        return None
    peer, reference, _receiver = link
    from opentrm.referrals.services.transnational import instance_definition

    instance = _instance(referral)
    allowed = set(referral.shared_groups or [])
    values: dict[str, Any] = {}
    if instance is not None:
        definition = instance_definition(instance)
        for code, value in ((report.data or {}).get("values") or {}).items():
            item = definition.field(code)
            if item is not None and (item.group is None or item.group in allowed):
                values[code] = value
    body: dict[str, Any] = {
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
        body = {
            "reference": referral.reference,
            "consent_ref": consent_ref(consent),
            "withdrawn_at": _iso(consent.withdrawn_at),
            "purposes": [consent.purpose],
            "shared_groups": still,
        }
        queued.append(
            outbox.enqueue(
                peer=link[0],
                type=MessageType.CONSENT_WITHDRAWAL,
                body=body,
                referral_id=referral.pk,
                actor=actor,
            )
        )
    return queued


def on_consent_withdrawn(sender: Any, consent: ConsentRecord, actor: Actor, **kwargs: Any) -> None:
    """Receiver of ``opentrm.cases.signals.consent_withdrawn`` (connected in apps.py)."""
    consent_withdrawn(consent, actor)


# --- accepting an incoming referral --------------------------------------------------------


def accepting(actor: Actor, referral: Referral) -> dict[str, object]:
    """Fields for the acceptance of a referral received from another node: a local case of the
    accepting organisation for the person the package describes (``Referral.case``). There is
    no duplicate check against existing persons yet (the matching issue does not exist)."""
    from opentrm.cases.services import NameData, case_register

    if referral.case_id is not None or not is_incoming(referral):
        return {}
    instance = _instance(referral)
    sent = ((instance.data if instance else None) or {}).get("sent") or {}
    values: dict[str, Any] = dict(sent.get("values") or {})
    names = [
        NameData(part.strip()[:200])
        for part in _text(values.get("s1_1.name")).split(";")
        if part.strip()
    ]
    sex = str(values.get("s1_1.sex") or "")
    birth = None
    if values.get("s1_1.date_of_birth"):
        birth = datetime.fromisoformat(str(values["s1_1.date_of_birth"])).date()
    band = str(values.get("s1_1.age") or "")
    case = case_register(
        actor=actor,
        names=names,
        sex=sex if sex in Sex.values else Sex.UNKNOWN,
        date_of_birth=birth,
        age_band=band if band in AgeBand.values else AgeBand.UNKNOWN,
        languages=[str(code) for code in values.get("s1_1.languages") or []],
        citizenships=[str(code) for code in values.get("s1_1.citizenship") or []],
    )
    return {"case": case}


# --- receiving ----------------------------------------------------------------------------


def _processed(
    message: InboxMessage, referral: Referral | None, outcome: str, **detail: Any
) -> None:
    message.processed_at = timezone.now()
    if referral is not None:
        message.referral_id = referral.pk
    message.save(update_fields=["processed_at", "referral_id", "updated_at"])
    record_event(
        event_type=EventType.EXCHANGE_PROCESSED,
        actor=None,
        target=message,
        detail={
            "message_id": str(message.message_id),
            "peer_id": message.peer_id,
            "type": message.type,
            "referral_id": referral.pk if referral is not None else None,
            "outcome": outcome,
            **detail,
        },
    )


def _handle(apply: Callable[[InboxMessage], None]) -> Callable[[InboxMessage], None]:
    """Run ``apply`` once per message, in one transaction; a refusal is recorded as processed
    with its code (nothing of the package applied)."""

    def handler(message: InboxMessage) -> None:
        try:
            with transaction.atomic():
                locked = InboxMessage.objects.select_for_update().get(pk=message.pk)
                if locked.processed_at is not None:
                    return
                locked.peer = message.peer
                apply(locked)
        except RefusedError as refusal:
            with transaction.atomic():
                locked = InboxMessage.objects.select_for_update().get(pk=message.pk)
                if locked.processed_at is None:
                    _processed(locked, None, "refused", error=refusal.code)
            logger.warning("exchange package %s refused: %s", message.message_id, refusal.code)

    handler.__name__ = apply.__name__
    handler.__doc__ = apply.__doc__
    return handler


def _node_country() -> str:
    return str(settings.OPENTRM_NODE_COUNTRY or "").upper()


def _addressed(name: str, country_code: str) -> Organisation:
    """The organisation of this node the package is for: the named one when it is this
    country's focal point or child authority, else the national focal point."""
    from opentrm.referrals.services.importing import find_organisation

    named = find_organisation(name, country_code)
    points = [routing.focal_point(country_code, child=True), routing.focal_point(country_code)]
    for point in points:
        if point is not None and named is not None and point.pk == named.pk:
            return point
    if points[1] is None:
        raise RefusedError("no_focal_point")
    return points[1]


def _sender_organisation(name: str, country_code: str, peer: Peer) -> Organisation:
    """The directory's organisation of that name and country; if there is none, an inactive
    placeholder (nothing can be sent to it on this node) marked as made by the exchange."""
    from opentrm.referrals.services.importing import find_organisation

    found = find_organisation(name, country_code)
    if found is not None:
        return found
    country, _created = Country.objects.get_or_create(code=country_code)
    return Organisation.objects.create(
        country=country,
        name=name.strip()[:300],
        type=OrganisationType.OTHER,
        is_active=False,
        notes=_("Created from the node exchange (peer %(node)s); complete or merge it.")
        % {"node": peer.node_id},
    )


def _person_preview(values: Mapping[str, Any]) -> dict[str, Any]:
    """The minimal offer the package allows: age band, sex, languages (labels as text)."""
    band, sex = str(values.get("s1_1.age") or ""), str(values.get("s1_1.sex") or "")
    return {
        "age_band": str(AgeBand(band).label) if band in AgeBand.values else "",
        "sex": str(Sex(sex).label) if sex in Sex.values else "",
        "languages": [str(code) for code in values.get("s1_1.languages") or []],
    }


def _template_values(
    version: int, profile: Mapping[str, Any] | None, values: Mapping[str, Any], groups: set[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(definition data, values) of the snapshot: known fields in the shared groups only."""
    from opentrm.referrals.template import loader

    added = list((profile or {}).get("added") or [])
    disabled = list((profile or {}).get("disabled") or [])
    try:
        definition = loader.definition(version, added=added, disabled=disabled)
    except (KeyError, ValueError) as error:
        raise RefusedError("unknown_template") from error
    kept = {
        code: value
        for code, value in values.items()
        if (item := definition.field(code)) is not None
        and (item.group is None or item.group in groups)
    }
    return {"fields": added, "disabled": disabled}, kept


def _apply_first(message: InboxMessage) -> None:
    """A referral or request from the peer: a new referral in this node's focal point's inbox."""
    from opentrm.referrals.services.timelines import due_dates
    from opentrm.referrals.services.transnational import country_language

    peer = message.peer
    key = "referral" if message.type == MessageType.REFERRAL else "request"
    head: dict[str, Any] = message.body[key]
    country = _node_country()
    if head["receiver_country"] != country or head["sender_country"] != peer.country_code:
        raise RefusedError("wrong_country")
    if _find(peer, head["reference"]) is not None:
        raise RefusedError("duplicate_reference")
    receiver = _addressed(head["receiver_organisation"], country)
    sender = _sender_organisation(head["sender_organisation"], head["sender_country"], peer)
    system = system_actor()
    known = {g.value for g in FieldGroup}
    groups = {g for g in head.get("shared_groups") or [] if g in known}
    values = fieldnames.from_sections(message.body.get("sections") or {})
    now = timezone.now()
    kind = head["kind"]
    acknowledge_by, answer_by = due_dates(kind=kind, receiver_country=country, sent_at=now)
    referral = Referral.objects.create(
        reference=core.next_reference(country),
        kind=kind,
        sender_organisation=sender,
        receiver_country=country,
        receiver_organisation=receiver,
        routing=Routing.FOCAL_POINT,
        delivery=Delivery.NODE_EXCHANGE,
        measure_code=str(head.get("measure_code") or ""),
        service_type=str(head.get("service_type") or ""),
        document_type=str(head.get("document_type") or ""),
        needs=list(head.get("needs") or []),
        reason=_text(head.get("reason")),
        urgency=head.get("urgency") or Urgency.ROUTINE,
        status=S.SENT,
        shared_groups=sorted(groups),
        sent_at=message.issued_at,
        acknowledge_due_at=acknowledge_by,
        answer_due_at=answer_by,
        updated_by=system.user,
    )
    remote = {"node_id": peer.node_id, "reference": head["reference"], "public_id": None}
    data: dict[str, Any] = {"remote": remote}
    request_data: dict[str, dict[str, str]] = {}
    if key == "request":
        from opentrm.referrals.services.requests import FIELDS

        for code, value in values.items():
            field = FIELDS.get(_REQUEST_FIELDS.get(code, ""))
            if field is not None and field.group.value in groups:
                request_data[field.code] = {
                    "label": str(field.label),
                    "group": field.group.value,
                    "value": _text(value) if not isinstance(value, list) else ", ".join(value),
                }
        version, profile_country, profile_version = 1, "", 0
    else:
        profile = head.get("template_profile")
        version = int(head.get("template_version") or 1)
        definition_data, kept = _template_values(version, profile, values, groups)
        data.update(definition_data)
        data["origin"] = {}
        data["sent"] = {
            "values": kept,
            "withheld": sorted(fieldnames.withheld_codes(list(message.body.get("withheld") or []))),
            "groups": sorted(groups),
            "at": message.issued_at.isoformat(),
        }
        profile_country = str((profile or {}).get("country") or "")
        profile_version = int((profile or {}).get("version") or 0)
        values = kept
    # The shape of a referral received from outside this node, so the referral page shows
    # the preview (age band, sex, languages) before a case exists here.
    data["imported"] = {
        "reference": head["reference"],
        "node": peer.node_id,
        "via": "node_exchange",
        "message_id": str(message.message_id),
        "exported_at": None,
        "sent_at": message.issued_at.isoformat(),
        "status": S.SENT.value,
        "sender": {"organisation": head["sender_organisation"], "country": head["sender_country"]},
        "receiver": {
            "organisation": head["receiver_organisation"],
            "country": head["receiver_country"],
        },
        "person": _person_preview(values) if "identity" in groups else {},
        "data": request_data,
        "unknown": [],
        "imported_at": now.isoformat(),
    }
    TemplateInstance.objects.create(
        referral=referral,
        template_version=version,
        profile_country=profile_country,
        profile_version=profile_version,
        data=data,
        sender_language=str(head.get("language") or country_language(head["sender_country"])),
        receiver_language=country_language(country),
        updated_by=system.user,
    )
    ReferralEvent.objects.create(
        referral=referral,
        status=S.SENT,
        at=now,
        by=system.user,
        organisation=sender,
        note=(
            _("Received from node %(node)s as %(reference)s")
            % {"node": peer.node_id, "reference": head["reference"]}
        )[:300],
    )
    record_event(
        event_type=EventType.REFERRAL_CREATED,
        actor=system,
        target=referral,
        detail={
            "referral": referral.reference,
            "kind": kind,
            "exchange": True,
            "message_id": str(message.message_id),
            "source_reference": head["reference"],
            "sender_id": sender.pk,
            "receiver_id": receiver.pk,
            "groups": sorted(groups),
            "fields": sorted(values) if key == "referral" else sorted(request_data),
        },
    )
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
    if to == referral.status or states.reachable(referral.kind, to, referral.status):
        outcome = CONSENT_APPLIED if body.get("note") == CONSENT_APPLIED else "unchanged"
        _processed(message, referral, outcome, status=to)
        return
    rule = states.rule_to(referral.kind, to)
    if rule is None or states.transition(referral.kind, referral.status, to) is None:
        raise RefusedError("transition_refused")
    note = _("On node %(node)s") % {"node": message.peer.node_id}
    if body.get("receiver_reference"):
        note = _("On node %(node)s as %(reference)s") % {
            "node": message.peer.node_id,
            "reference": body["receiver_reference"],
        }
    referral_transition(
        actor=system_actor(),
        referral=referral,
        to=to,
        expected_version=referral.version,
        reason=_text(body.get(rule.reason_field)) if rule.reason_field else "",
        note=note[:300],
        detail={"exchange": True, "message_id": str(message.message_id)},
        reported_by=side,
    )
    _processed(message, referral, "applied", status=to)


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
        for code, value in fieldnames.from_sections(body.get("sections") or {}).items()
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
        note=(
            _("Consent withdrawn on node %(node)s: access narrowed")
            % {"node": message.peer.node_id}
        )[:300],
    )
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


def process_pending(types: Iterable[str] = ()) -> int:
    """Hand stored, unprocessed packages to their handlers again (e.g. after a handler
    failed); how many were tried."""
    pending = InboxMessage.objects.filter(processed_at__isnull=True).select_related("peer")
    if types:
        pending = pending.filter(type__in=list(types))
    count = 0
    for message in pending.order_by("created_at", "id"):
        handlers.dispatch(message)
        count += 1
    return count


__all__ = [
    "accepting",
    "consent_withdrawn",
    "follow_up_added",
    "is_incoming",
    "process_pending",
    "referral_sent",
    "register_handlers",
    "step_taken",
    "system_actor",
]
