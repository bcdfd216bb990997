"""The first package of a referral that travels to another node (issue 5 §4): when it goes,
and what it says (only what the gate let into the sent snapshot; never a withheld value).
``exchange_link`` queues the later packages and applies what arrives."""

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from opentrm.accounts.policy import Actor
from opentrm.cases.models import ConsentRecord
from opentrm.directory import federation
from opentrm.exchange import fieldnames, offers, outbox
from opentrm.exchange.models import MessageType, OutboxMessage, Peer, PeerStatus
from opentrm.referrals.models import Delivery, Referral, ReferralKind, TemplateInstance
from opentrm.referrals.services.priority import is_priority

FIRST_TYPES = (MessageType.REFERRAL, MessageType.REQUEST)
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


def iso_utc(moment: datetime | None = None) -> str:
    return (moment or timezone.now()).astimezone(UTC).isoformat(timespec="seconds")


def template_of(referral: Referral) -> TemplateInstance | None:
    return TemplateInstance.objects.filter(referral=referral).first()


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
    from opentrm.referrals.services.exchange_attachments import attachments_add

    attachments_add(actor, referral, body)
    return outbox.enqueue(peer=peer, type=type_, body=body, referral_id=referral.pk, actor=actor)


def _head(referral: Referral) -> dict[str, Any]:
    sender = referral.sender_organisation
    return {
        "reference": referral.reference,
        "kind": referral.kind,
        "urgency": referral.urgency,
        "sender_organisation": sender.name,
        "sender_organisation_id": federation.stable_id(sender),
        "sender_country": sender.country.code,
        "receiver_organisation": referral.receiver_organisation.name,
        "receiver_organisation_id": federation.stable_id(referral.receiver_organisation),
        "receiver_country": referral.receiver_country,
        "consent_ref": consent_ref(referral.consent),
        "agreement_id": str(referral.agreement_id) if referral.agreement_id else None,
        "shared_groups": sorted(set(referral.shared_groups or [])),
        # SOP-P14 / DP-21: the receiver's copy is confidential too (not forwarded there either).
        "opentrm_confidential": bool(referral.confidential),
        # SOP-T4 / REC-102: a child's case, to be dealt with first; never the age (priority).
        "opentrm_priority": is_priority(referral, timezone.localdate()),
    }


def referral_body(referral: Referral) -> dict[str, Any]:
    """The ``referral`` package: the snapshot the receiver's page shows, nothing withheld."""
    instance = template_of(referral)
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
        "format": fieldnames.FORMAT,
        "referral": head,
        "offer": offer_of(referral),
        "sections": fieldnames.to_sections(sent.get("values") or {}),
        "withheld": sorted(set(fieldnames.withheld_names(list(sent.get("withheld") or [])))),
    }


def offer_of(referral: Referral) -> dict[str, Any]:
    """The minimal offer the receiver reads before it acknowledges (as the referral page of a
    referral on this node shows it): age band, sex and languages when the sending organisation
    may see the person's identity, the needs and the reason; in package naming."""
    from opentrm.referrals.services import national

    offer = national.minimal_offer(referral, shows_person=national.offer_may_show_person(referral))
    return offers.to_package(
        age_band=offer.age_band,
        sex=offer.sex,
        languages=offer.languages,
        needs=offer.needs,
        reason=offer.reason,
        transnational=referral.kind == ReferralKind.TRANSNATIONAL,
    )


def request_formality(referral: Referral) -> dict[str, Any]:
    """How formal the request is, on what legal basis, by which channel besides the node, and
    the informal request (its reference on the sending node) a formal one follows up (REC-22)."""
    head: dict[str, Any] = {
        "opentrm_formality": referral.formality,
        "opentrm_channel": referral.channel,
    }
    if referral.legal_basis:
        head["opentrm_legal_basis"] = referral.legal_basis
    if referral.escalated_from is not None:
        head["opentrm_escalation_of"] = referral.escalated_from.reference
    return head


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
    if referral.answer_due_at:
        head["answer_due_at"] = iso_utc(referral.answer_due_at)
    head.update(request_formality(referral))
    values = {
        REQUEST_CODES[item.code]: item.value
        for item in shared_values(referral, effective_groups(referral))
        if item.value and item.code in REQUEST_CODES
    }
    return {
        "format": fieldnames.FORMAT,
        "request": head,
        "offer": offer_of(referral),
        "sections": fieldnames.to_sections(values),
    }
