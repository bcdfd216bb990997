"""A ``referral`` or ``request`` package of a peer node read as an incoming referral
(issue 5 §4): the receiver (this country's focal point, or the child authority it names), the
sender (the directory's, or an audited inactive placeholder), the snapshot of the shared groups
and the preview the referral page shows. ``exchange_link`` applies it through
``receiving.referral_receive``, the service the file import uses too."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from opentrm.accounts.models import User
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.cases.models import AgeBand, Sex
from opentrm.directory import federation
from opentrm.directory.models import Organisation
from opentrm.directory.notes import PLACEHOLDER_FROM_EXCHANGE
from opentrm.directory.selectors import organisation_by_name
from opentrm.directory.services import organisation_placeholder_create
from opentrm.exchange import fieldnames, offers
from opentrm.exchange.models import InboxMessage, MessageType, Peer
from opentrm.referrals.event_notes import RECEIVED_FROM_NODE, Note
from opentrm.referrals.models import (
    Delivery,
    Formality,
    Referral,
    ReferralStatus,
    RequestChannel,
    Routing,
    Urgency,
)
from opentrm.referrals.services import receiving, routing
from opentrm.referrals.services.exchange_packages import REQUEST_CODES

SYSTEM_USERNAME = "opentrm-exchange"
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


def text_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("text") or "")
    return str(value or "")


def node_country() -> str:
    return str(settings.OPENTRM_NODE_COUNTRY or "").upper()


def _addressed(head: Mapping[str, Any], country_code: str) -> Organisation:
    """The organisation of this node the package is for: the one it names (by the stable id
    this node published, else, from a node that sends no id, by name) when it is this
    country's focal point or child authority, else the national focal point."""
    child_point, national = routing.focal_points(country_code)
    if child_point is None:  # neither a child authority nor a national focal point
        raise RefusedError("no_focal_point")
    if child_point is national:  # no child authority: the national one whatever is named
        return national
    own, wanted = str(settings.OPENTRM_NODE_ID), str(head.get("receiver_organisation_id") or "")
    named = federation.by_stable_id(wanted, node_id=own)
    if named is None and not wanted.startswith(f"{own}/"):
        # the sender holds no copy of this node's entry (typed in by hand there): by name
        named = organisation_by_name(name=head["receiver_organisation"], country_code=country_code)
    if named is not None and child_point.pk == named.pk:
        return child_point
    if national is None:
        raise RefusedError("no_focal_point")
    return national


def _sender_organisation(head: Mapping[str, Any], peer: Peer) -> Organisation:
    """The peer's organisation by the stable id it published (the copy of its directory held
    here); else the directory's organisation of that name and country; if there is none, an
    inactive placeholder (nothing can be sent to it on this node) marked as made by the
    exchange."""
    name, country_code = head["sender_organisation"], head["sender_country"]
    found = federation.by_stable_id(
        str(head.get("sender_organisation_id") or ""), node_id=peer.node_id
    ) or organisation_by_name(name=name, country_code=country_code)
    if found is not None:
        return found
    return organisation_placeholder_create(
        actor=system_actor(),
        country_code=country_code,
        name=name,
        note_key=PLACEHOLDER_FROM_EXCHANGE,
        note_params={"node": peer.node_id},
        via="node_exchange",
    )


def _person_preview(
    values: Mapping[str, Any], offer: offers.Offer | None, groups: set[str]
) -> dict[str, Any]:
    """The person in the minimal offer: age band, sex (labels as text), languages; from the
    package's offer, or for a package of format 1 (no offer) from the identity it shared."""
    if offer is None:
        if "identity" not in groups:
            return {}
        band, sex = str(values.get("s1_1.age") or ""), str(values.get("s1_1.sex") or "")
        languages = [str(code) for code in values.get("s1_1.languages") or []]
    else:
        band, sex, languages = offer.age_band, offer.sex, offer.languages
    return {
        "age_band": str(AgeBand(band).label) if band in AgeBand.values else "",
        "sex": str(Sex(sex).label) if sex in Sex.values else "",
        "languages": languages,
        "offer": {
            "age_band": band if band in AgeBand.values else AgeBand.UNKNOWN.value,
            "sex": sex if sex in Sex.values else Sex.UNKNOWN.value,
            "languages": languages,
        },
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


def _request_data(values: Mapping[str, Any], groups: set[str]) -> dict[str, dict[str, str]]:
    """A request's fields of the shared groups, as an imported referral keeps them."""
    from opentrm.referrals.services.requests import FIELDS

    found: dict[str, dict[str, str]] = {}
    for code, value in values.items():
        field = FIELDS.get(_REQUEST_FIELDS.get(code, ""))
        if field is not None and field.group.value in groups:
            found[field.code] = {
                "label": str(field.label),
                "group": field.group.value,
                "value": text_of(value) if not isinstance(value, list) else ", ".join(value),
            }
    return found


def _snapshot(
    message: InboxMessage, head: Mapping[str, Any], values: Mapping[str, Any], groups: set[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(template instance fields, kept values) of a ``referral`` package's template."""
    profile = head.get("template_profile")
    version = int(head.get("template_version") or 1)
    definition_data, kept = _template_values(version, profile, values, groups)
    data: dict[str, Any] = {**definition_data, "origin": {}}
    data["sent"] = {
        "values": kept,
        "withheld": sorted(fieldnames.body_withheld(message.body)),
        "groups": sorted(groups),
        "at": message.issued_at.isoformat(),
    }
    template = {
        "data": data,
        "template_version": version,
        "profile_country": str((profile or {}).get("country") or ""),
        "profile_version": int((profile or {}).get("version") or 0),
    }
    return template, kept


def _imported(
    message: InboxMessage, head: Mapping[str, Any], person: dict[str, Any], request_data: Any
) -> dict[str, Any]:
    """The shape of a referral received from outside this node, so the referral page shows
    the preview (age band, sex, languages) before a case exists here."""
    return {
        "reference": head["reference"],
        "node": message.peer.node_id,
        "via": "node_exchange",
        "message_id": str(message.message_id),
        "exported_at": None,
        "sent_at": message.issued_at.isoformat(),
        "status": ReferralStatus.SENT.value,
        "sender": {"organisation": head["sender_organisation"], "country": head["sender_country"]},
        "receiver": {
            "organisation": head["receiver_organisation"],
            "country": head["receiver_country"],
        },
        "person": person,
        "data": request_data,
        # SOP-T4: the inbox's "priority" marker (services.priority), never the age.
        "priority": head.get("opentrm_priority") is True,
        "unknown": [],
        "imported_at": timezone.now().isoformat(),
    }


def _request_formality(head: Mapping[str, Any], peer: Peer) -> dict[str, Any]:
    """A request's formality, legal basis and channel as the sender set them, and this node's
    copy of the informal request a formal one follows up (when that one came here too)."""
    formality = str(head.get("opentrm_formality") or "")
    channel = str(head.get("opentrm_channel") or "")
    escalation_of = str(head.get("opentrm_escalation_of") or "")
    informal = None
    if escalation_of:
        informal = (
            Referral.objects.filter(
                delivery=Delivery.NODE_EXCHANGE,
                origin_node=peer.node_id,
                origin_reference=escalation_of,
            )
            .order_by("pk")
            .first()
        )
    return {
        "formality": formality if formality in Formality.values else Formality.INFORMAL,
        "legal_basis": text_of(head.get("opentrm_legal_basis"))[:300],
        "channel": channel if channel in RequestChannel.values else RequestChannel.NODE,
        "escalated_from": informal,
    }


def incoming_from(
    message: InboxMessage, head: Mapping[str, Any], country: str
) -> receiving.Incoming:
    """What the package ``message`` (its ``head``: ``body["referral"]`` or ``body["request"]``)
    brings to this node's ``country``; RefusedError when it cannot be read."""
    from opentrm.referrals.services.transnational import country_language

    peer = message.peer
    key = "referral" if message.type == MessageType.REFERRAL else "request"
    receiver = _addressed(head, country)
    sender = _sender_organisation(head, peer)
    groups = {g for g in head.get("shared_groups") or [] if g in {g.value for g in FieldGroup}}
    values = fieldnames.body_values(message.body)
    template: dict[str, Any] = {"data": {}}
    request_data: dict[str, dict[str, str]] = {}
    formality: dict[str, Any] = {}
    if key == "request":
        request_data = _request_data(values, groups)
        formality = _request_formality(head, peer)
    else:
        template, values = _snapshot(message, head, values, groups)
    offer = offers.from_package(message.body.get("offer"))
    person = _person_preview(values, offer, groups)
    remote = {"node_id": peer.node_id, "reference": head["reference"], "public_id": None}
    data = {"remote": remote, **template.pop("data")}
    data["imported"] = _imported(message, head, person, request_data)
    return receiving.Incoming(
        kind=head["kind"],
        sender=sender,
        receiver=receiver,
        origin_node=peer.node_id,
        origin_reference=head["reference"],
        delivery=Delivery.NODE_EXCHANGE,
        routing=Routing.FOCAL_POINT,
        urgency=head.get("urgency") or Urgency.ROUTINE,
        sent_at=message.issued_at,
        shared_groups=sorted(groups),
        data=data,
        sender_language=str(head.get("language") or country_language(head["sender_country"])),
        event_organisation=sender,
        note=Note(RECEIVED_FROM_NODE, {"node": peer.node_id, "reference": head["reference"]}),
        measure_code=str(head.get("measure_code") or ""),
        service_type=str(head.get("service_type") or ""),
        document_type=str(head.get("document_type") or ""),
        needs=offer.needs if offer is not None else list(head.get("needs") or []),
        reason=offer.reason if offer is not None else text_of(head.get("reason")),
        confidential=head.get("opentrm_confidential") is True,
        audit={
            "exchange": True,
            "message_id": str(message.message_id),
            "receiver_id": receiver.pk,
            "fields": sorted(values) if key == "referral" else sorted(request_data),
        },
        **formality,
        **template,
    )
