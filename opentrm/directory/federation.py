"""Directory federation (issue 13): this node's entries as published to peer nodes, and the
read-only copies of the peers' entries (docs/directory-federation.md).

Each node is the authority for its own country's directory. What travels is only what is marked
``share_abroad`` on an active organisation and contact point: the organisation's public
description, its professional contact points (position, named person, unit, languages,
channels) and its TRM responsibilities. Notes, security clearance, accreditation, who verified
an entry and every inactive or unshared entry stay on their node.

An entry is identified across nodes by ``(origin node, uuid)``, never by name. This module knows
nothing of the exchange: ``opentrm.exchange.services.directory_sync`` packs what
:func:`published_records` returns and hands what arrives to :func:`mirror_apply`.
"""

import uuid as uuid_lib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from opentrm.audit.events import EventType
from opentrm.audit.services import AuditActor, record_event
from opentrm.directory.models import (
    ChannelKind,
    ContactChannel,
    ContactPoint,
    Country,
    DirectorySource,
    Function,
    Language,
    Organisation,
    OrganisationType,
    Responsibility,
)

ORGANISATION_TEXT = ("name", "acronym", "city", "region", "address", "website")
CONTACT_TEXT = ("position", "person_name", "unit")
CHANNEL_TEXT = ("kind", "value", "label", "hours")
CHANNEL_KINDS = frozenset(ChannelKind.values)
CONTACT_FIELDS = [*CONTACT_TEXT, "is_active", "last_verified_at", "organisation_id"]
MIRRORED_FIELDS = [
    *ORGANISATION_TEXT,
    *("type", "last_verified_at", "uuid", "origin_node", "is_active"),
    *("synced_at", "source_as_of", "version"),
]


# --- publishing ---------------------------------------------------------------------------------


def publishable(country_code: str) -> "QuerySet[Organisation]":
    """This node's own entries of its country that may travel to other countries."""
    return Organisation.objects.filter(
        country__code=country_code.upper(), origin_node="", is_active=True, share_abroad=True
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _contacts_of(organisations: "QuerySet[Organisation]") -> dict[int, list[dict[str, Any]]]:
    """The shared contact points of ``organisations`` as records, by organisation id. Plain
    ``values()`` reads: a snapshot of ten thousand organisations must not build model objects."""
    shared = ContactPoint.objects.filter(
        organisation_id__in=organisations.values("pk"), is_active=True, share_abroad=True
    )
    rows = list(
        shared.order_by("pk").values(
            "pk", "organisation_id", "uuid", *CONTACT_TEXT, "last_verified_at"
        )
    )
    channels: dict[int, list[dict[str, Any]]] = {}
    for channel in (
        ContactChannel.objects.filter(contact_point__in=shared.values("pk"))
        .order_by("contact_point_id", "order", "pk")
        .values("contact_point_id", *CHANNEL_TEXT, "available_24_7")
    ):
        channels.setdefault(channel.pop("contact_point_id"), []).append(channel)
    languages: dict[int, list[str]] = {}
    for contact_id, code in (
        ContactPoint.languages.through.objects.filter(contactpoint__in=shared.values("pk"))
        .order_by("language_id")
        .values_list("contactpoint_id", "language_id")
    ):
        languages.setdefault(contact_id, []).append(code)
    by_organisation: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_organisation.setdefault(row["organisation_id"], []).append(
            {
                "id": str(row["uuid"]),
                **{name: row[name] for name in CONTACT_TEXT},
                "languages": languages.get(row["pk"], []),
                "channels": channels.get(row["pk"], []),
                "last_verified": _iso(row["last_verified_at"]),
                "_pk": row["pk"],
            }
        )
    return by_organisation


def _functions_of(organisations: "QuerySet[Organisation]") -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for row in (
        Responsibility.objects.filter(organisation__in=organisations.values("pk"))
        .filter(country_id=F("organisation__country_id"))
        .order_by("pk")
        .values("organisation_id", "function", "label", "note", "order", "contact_point_id")
    ):
        item: dict[str, Any] = dict(row)
        found.setdefault(item.pop("organisation_id"), []).append(item)
    return found


@dataclass
class Published:
    records: list[dict[str, Any]]
    removed: list[str]  # uuids of this node's entries that no longer travel


def published_records(country_code: str, organisation_ids: Iterable[int] | None) -> Published:
    """The records of this node's shareable entries (all of them for ``None``, a snapshot), and
    the stable ids of the asked-for entries that are no longer shared (to be removed abroad).
    Parents come before their units."""
    base = publishable(country_code)
    query = base
    removed: list[str] = []
    if organisation_ids is not None:
        ids = set(organisation_ids)
        query = base.filter(pk__in=ids)
        removed = [
            str(value)
            for value in Organisation.objects.filter(pk__in=ids, origin_node="")
            .exclude(pk__in=base.values("pk"))
            .values_list("uuid", flat=True)
        ]
    rows = list(
        query.order_by("pk").values(
            "pk", "uuid", *ORGANISATION_TEXT, "type", "parent_id", "last_verified_at"
        )
    )
    parents = dict(
        base.filter(pk__in=query.filter(parent__isnull=False).values("parent_id")).values_list(
            "pk", "uuid"
        )
    )
    contacts, functions = _contacts_of(query), _functions_of(query)
    rows.sort(key=lambda row: (row["parent_id"] is not None, row["pk"]))
    records = []
    for row in rows:
        shared = contacts.get(row["pk"], [])
        by_pk = {contact.pop("_pk"): contact["id"] for contact in shared}
        parent = parents.get(row["parent_id"])
        records.append(
            {
                "id": str(row["uuid"]),
                **{name: row[name] for name in ORGANISATION_TEXT},
                "type": row["type"],
                "parent": str(parent) if parent else None,
                "last_verified": _iso(row["last_verified_at"]),
                "contacts": shared,
                "functions": [
                    {
                        **{name: item[name] for name in ("function", "label", "note", "order")},
                        "contact": by_pk.get(item["contact_point_id"]),
                    }
                    for item in functions.get(row["pk"], [])
                ],
            }
        )
    return Published(records, removed)


# --- applying a peer's entries -----------------------------------------------------------------


@dataclass
class MirrorResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    skipped: int = 0  # older than what is held, or an id another node (or this one) owns

    def as_detail(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "skipped": self.skipped,
        }


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _organisation_values(record: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(record.get("type") or "")
    return {
        **{name: str(record.get(name) or "")[:300] for name in ORGANISATION_TEXT},
        "type": kind if kind in OrganisationType.values else OrganisationType.OTHER,
        "last_verified_at": _date(record.get("last_verified")),
    }


def _adopt_hand_made(
    country: Country, records: Sequence[Mapping[str, Any]], known: dict[str, Organisation]
) -> None:
    """An entry typed in by hand here for the peer's country, with the name of a new record,
    becomes the peer's copy (the unique name per country allows only one)."""
    names = {str(r["name"]).lower(): str(r["id"]) for r in records if str(r["id"]) not in known}
    if not names:
        return
    hand_made = (
        Organisation.objects.filter(country=country, origin_node="")
        .annotate(lower_name=Lower("name"))
        .filter(lower_name__in=list(names))
    )
    for organisation in hand_made:
        known[names[organisation.name.lower()]] = organisation


def _upsert_organisations(
    node_id: str,
    country: Country,
    as_of: datetime,
    records: Sequence[Mapping[str, Any]],
    result: MirrorResult,
) -> dict[str, Organisation]:
    now = timezone.now()
    known = {
        str(o.uuid): o
        for o in Organisation.objects.filter(uuid__in=[str(r["id"]) for r in records])
    }
    _adopt_hand_made(country, records, known)
    fresh: list[Organisation] = []
    changed: list[Organisation] = []
    unchanged: list[int] = []
    applied: dict[str, Organisation] = {}
    for record in records:
        uid = str(record["id"])
        organisation = known.get(uid)
        if organisation is not None and (
            organisation.country_id != country.pk
            or organisation.origin_node not in ("", node_id)
            or (organisation.origin_node == "" and str(organisation.uuid) == uid)
            or (organisation.source_as_of is not None and organisation.source_as_of > as_of)
        ):
            result.skipped += 1
            continue
        values = {
            **_organisation_values(record),
            "uuid": uuid_lib.UUID(uid),  # an adopted entry takes the peer's id
            "origin_node": node_id,
            "is_active": True,
        }
        if organisation is None:
            organisation = Organisation(country=country, **values)
            fresh.append(organisation)
        elif any(getattr(organisation, name) != value for name, value in values.items()):
            changed.append(organisation)
        else:
            unchanged.append(organisation.pk)
        for name, value in {**values, "synced_at": now, "source_as_of": as_of}.items():
            setattr(organisation, name, value)
        applied[uid] = organisation
    Organisation.objects.bulk_create(fresh, batch_size=500)
    # One UPDATE per changed row: Django's bulk_update (CASE per field) is far slower here.
    for organisation in changed:
        organisation.version += 1
        Organisation.objects.filter(pk=organisation.pk).update(
            **{name: getattr(organisation, name) for name in MIRRORED_FIELDS}
        )
    Organisation.objects.filter(pk__in=unchanged).update(synced_at=now, source_as_of=as_of)
    result.created += len(fresh)
    result.updated += len(changed)
    _link_parents(node_id, records, applied)
    return applied


def _link_parents(
    node_id: str, records: Sequence[Mapping[str, Any]], applied: dict[str, Organisation]
) -> None:
    wanted = {str(r["id"]): str(r["parent"]) for r in records if r.get("parent")}
    parents = {
        str(o.uuid): o.pk
        for o in Organisation.objects.filter(origin_node=node_id, uuid__in=set(wanted.values()))
    }
    linked: list[Organisation] = []
    for uid, organisation in applied.items():
        parent_id = parents.get(wanted.get(uid, ""))
        if parent_id not in (organisation.parent_id, organisation.pk):
            organisation.parent_id = parent_id
            linked.append(organisation)
    for organisation in linked:
        Organisation.objects.filter(pk=organisation.pk).update(parent_id=organisation.parent_id)


def _apply_contacts(
    records: Sequence[Mapping[str, Any]], applied: dict[str, Organisation]
) -> dict[str, int]:
    """Contact points of the applied organisations as the peer sent them; the ones it no longer
    sends are deactivated (a responsibility or a referral may still point at them)."""
    org_ids = [o.pk for o in applied.values()]
    existing = {str(c.uuid): c for c in ContactPoint.objects.filter(organisation_id__in=org_ids)}
    fresh: list[ContactPoint] = []
    changed: list[ContactPoint] = []
    before = {uid: _contact_state(c) for uid, c in existing.items()}
    channels: list[ContactChannel] = []
    languages: dict[str, list[str]] = {}
    sent: dict[str, ContactPoint] = {}
    for record in records:
        organisation = applied.get(str(record["id"]))
        if organisation is None:
            continue
        for item in record.get("contacts") or []:
            uid = str(item["id"])
            contact = existing.get(uid)
            if contact is None:
                contact = ContactPoint(uuid=uid, organisation=organisation)
                fresh.append(contact)
            for name in CONTACT_TEXT:
                setattr(contact, name, str(item.get(name) or "")[:200])
            contact.is_active = True
            contact.last_verified_at = _date(item.get("last_verified"))
            if uid in before and before[uid] != _contact_state(contact):
                changed.append(contact)
            sent[uid] = contact
            languages[uid] = [str(code)[:3] for code in item.get("languages") or []]
            for order, channel in enumerate(item.get("channels") or []):
                kind = str(channel.get("kind") or "")
                channels.append(
                    ContactChannel(
                        contact_point=contact,
                        kind=kind if kind in CHANNEL_KINDS else ChannelKind.PHONE,
                        value=str(channel.get("value") or "")[:300],
                        label=str(channel.get("label") or "")[:80],
                        hours=str(channel.get("hours") or "")[:120],
                        available_24_7=bool(channel.get("available_24_7")),
                        order=order,
                    )
                )
    ContactPoint.objects.bulk_create(fresh, batch_size=500)
    for contact in changed:
        ContactPoint.objects.filter(pk=contact.pk).update(
            **{name: getattr(contact, name) for name in CONTACT_FIELDS}
        )
    gone = [c.pk for uid, c in existing.items() if uid not in sent]
    ContactPoint.objects.filter(pk__in=gone).update(is_active=False)
    contact_ids = [c.pk for c in sent.values()]
    ContactChannel.objects.filter(contact_point_id__in=contact_ids).delete()
    unique_channels = {(c.contact_point.pk, c.kind, c.value): c for c in channels}
    for channel in unique_channels.values():
        channel.contact_point_id = channel.contact_point.pk
    ContactChannel.objects.bulk_create(list(unique_channels.values()), batch_size=1000)
    _set_languages(sent, languages)
    return {uid: c.pk for uid, c in sent.items()}


def _contact_state(contact: ContactPoint) -> tuple[Any, ...]:
    return tuple(getattr(contact, name) for name in CONTACT_FIELDS)


def _set_languages(sent: Mapping[str, ContactPoint], languages: Mapping[str, list[str]]) -> None:
    codes = {code for values in languages.values() for code in values if code}
    Language.objects.bulk_create([Language(code=c) for c in codes], ignore_conflicts=True)
    through = ContactPoint.languages.through
    through.objects.filter(contactpoint_id__in=[c.pk for c in sent.values()]).delete()
    through.objects.bulk_create(
        [
            through(contactpoint_id=sent[uid].pk, language_id=code)
            for uid, values in languages.items()
            for code in set(values)
            if code
        ],
        batch_size=1000,
    )


def _apply_functions(
    country: Country,
    records: Sequence[Mapping[str, Any]],
    applied: dict[str, Organisation],
    contacts: Mapping[str, int],
) -> None:
    """The applied organisations' responsibilities, replaced by what the peer sent."""
    Responsibility.objects.filter(organisation_id__in=[o.pk for o in applied.values()]).delete()
    rows: dict[tuple[str, int, int | None], Responsibility] = {}
    for record in records:
        organisation = applied.get(str(record["id"]))
        if organisation is None:
            continue
        for item in record.get("functions") or []:
            function = str(item.get("function") or "")
            if function not in Function.values:
                continue
            contact_id = contacts.get(str(item.get("contact") or ""))
            rows[(function, organisation.pk, contact_id)] = Responsibility(
                country=country,
                function=function,
                organisation_id=organisation.pk,
                contact_point_id=contact_id,
                label=str(item.get("label") or "")[:120],
                note=str(item.get("note") or "")[:200],
                order=int(item.get("order") or 0),
            )
    Responsibility.objects.bulk_create(list(rows.values()), batch_size=1000)


@transaction.atomic
def mirror_apply(
    *,
    node_id: str,
    country_code: str,
    as_of: datetime,
    records: Sequence[Mapping[str, Any]],
    removed: Sequence[str] = (),
    present: Sequence[str] | None = None,
    actor: AuditActor | None,
    detail: Mapping[str, Any] | None = None,
) -> MirrorResult:
    """Apply a peer node's entries of its own country as read-only copies.

    ``records`` are created or updated (an older copy than the one held is skipped);
    ``removed`` are deactivated; with ``present`` (the last part of a full snapshot), every copy
    of that node not in it and older than the snapshot is deactivated too. Audited
    ``DIRECTORY_SYNCED`` with counts only."""
    country, _ = Country.objects.get_or_create(code=country_code.upper())
    source, _ = DirectorySource.objects.get_or_create(
        node_id=node_id, defaults={"country": country}
    )
    result = MirrorResult()
    applied = _upsert_organisations(node_id, country, as_of, records, result)
    contacts = _apply_contacts(records, applied)
    _apply_functions(country, records, applied, contacts)
    now = timezone.now()
    mine = Organisation.objects.filter(origin_node=node_id, is_active=True)
    gone = Q(uuid__in=list(removed)) & (Q(source_as_of__isnull=True) | Q(source_as_of__lte=as_of))
    if present is not None:
        gone |= ~Q(uuid__in=list(present)) & Q(source_as_of__lt=as_of)
    result.removed = mine.filter(gone).update(is_active=False, synced_at=now, source_as_of=as_of)
    source.last_synced_at = now
    if present is not None:
        source.last_snapshot_at = now
    source.save(update_fields=["last_synced_at", "last_snapshot_at", "updated_at"])
    record_event(
        event_type=EventType.DIRECTORY_SYNCED,
        actor=actor,
        target=source,
        detail={"node_id": node_id, **(detail or {}), **result.as_detail()},
    )
    return result


def source_of(organisation: Organisation) -> DirectorySource | None:
    """The node a mirrored entry comes from, with its freshness (None for this node's own)."""
    if not organisation.origin_node:
        return None
    return DirectorySource.objects.filter(node_id=organisation.origin_node).first()


# --- stable ids across nodes ---------------------------------------------------------------------


def stable_id(organisation: Organisation) -> str:
    """``<node id>/<uuid>``: the organisation's id on every node (its own node's id for an
    entry of this node)."""
    node = organisation.origin_node or str(settings.OPENTRM_NODE_ID)
    return f"{node}/{organisation.uuid}"


def by_stable_id(value: str, *, node_id: str) -> Organisation | None:
    """The organisation of that stable id if it was published by ``node_id`` (this node's own
    id for this node's entries); None for an id of another node or one not known here."""
    node, _, uid = str(value or "").partition("/")
    if node != node_id:
        return None
    try:
        parsed = uuid_lib.UUID(uid)
    except ValueError:
        return None
    own = node_id == str(settings.OPENTRM_NODE_ID)
    return (
        Organisation.objects.select_related("country")
        .filter(uuid=parsed, origin_node="" if own else node_id)
        .order_by("pk")  # not the directory's order (a join to the country): one row at most
        .first()
    )
