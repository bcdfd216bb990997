"""Reads of the agreements register, including the gate the referrals work applies (MOU-D3).

``allowed_categories(sender, receiver, on)`` answers: which field groups of a case may the
sender organisation pass to the receiver organisation on that day, because an agreement in
force between them says so? It is the *agreement* half of the gate; the person's consent is
the other half and is checked by the caller.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch

from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.agreements import states
from opentrm.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementVersion,
    DataFlow,
    Meeting,
)
from opentrm.directory.models import ContactPoint

_CATEGORIES = frozenset(group.value for group in FieldGroup)


@dataclass(frozen=True)
class Governing:
    """An agreement in force between two organisations, and the version that governs."""

    agreement: Agreement
    version: AgreementVersion


def _between(sender_org_id: int, receiver_org_id: int) -> list[Agreement]:
    """Agreements naming both organisations as parties in some version, with what the status
    derivation and the flows need (a fixed number of queries)."""

    def party(org_id: int) -> Exists:
        return Exists(
            AgreementParty.objects.filter(
                version__agreement_id=OuterRef("pk"), organisation_id=org_id
            )
        )

    return list(
        Agreement.objects.filter(party(sender_org_id), party(receiver_org_id))
        .prefetch_related(
            *states.AGREEMENT_PREFETCH,
            Prefetch(
                "versions__flows",
                queryset=DataFlow.objects.select_related("sender", "receiver"),
            ),
        )
        .order_by("pk")
    )


def _party_org_ids(version: AgreementVersion) -> set[int]:
    return {party.organisation_id for party in version.parties.all()}


def agreement_in_force_between(
    sender_org_id: int, receiver_org_id: int, on: date
) -> list[Governing]:
    """The agreements in force on ``on`` to which both organisations are parties in the
    governing version (an organisation added by a pending amendment is not a party yet)."""
    if sender_org_id == receiver_org_id:
        return []
    found: list[Governing] = []
    for agreement in _between(sender_org_id, receiver_org_id):
        if not states.is_in_force(agreement, on):
            continue
        version = states.governing_version(agreement, on)
        assert version is not None
        if {sender_org_id, receiver_org_id} <= _party_org_ids(version):
            found.append(Governing(agreement=agreement, version=version))
    return found


def flow_categories(
    version: AgreementVersion, sender_org_id: int, receiver_org_id: int
) -> set[str]:
    """The categories the version lets flow from sender to receiver: only those the sender
    organisation approved (issue 9); a flow somebody else set opens nothing until then."""
    categories: set[str] = set()
    for flow in version.flows.all():
        if (
            flow.sender.organisation_id == sender_org_id
            and flow.receiver.organisation_id == receiver_org_id
        ):
            categories.update(flow.effective_categories)
    return categories


def allowed_categories(sender_org_id: int, receiver_org_id: int, on: date) -> frozenset[FieldGroup]:
    """The field groups the sender may pass to the receiver on ``on``: the union, over the
    agreements in force between them, of the categories the governing version's flow from
    sender to receiver lists. Empty when no agreement allows anything (and for the same
    organisation: sharing within one organisation is not an agreement's business)."""
    allowed: set[str] = set()
    for governing in agreement_in_force_between(sender_org_id, receiver_org_id, on):
        allowed |= flow_categories(governing.version, sender_org_id, receiver_org_id)
    return frozenset(FieldGroup(value) for value in allowed if value in _CATEGORIES)


@dataclass(frozen=True)
class Opening:
    """One agreement in force, and the field groups its governing version lets flow from the
    sender to one receiver (approved by the sender)."""

    agreement: Agreement
    version: AgreementVersion
    groups: frozenset[FieldGroup]


def openings_from(
    sender_org_id: int, receiver_org_ids: Iterable[int], on: date
) -> dict[int, list[Opening]]:
    """For each receiver: the agreements in force on ``on`` through which the sender passes it
    some field group, and which (what the owner of a case sees about who its agreements widen
    access for). A fixed number of queries however many receivers."""
    receivers = set(receiver_org_ids) - {sender_org_id}
    found: dict[int, list[Opening]] = {receiver: [] for receiver in receivers}
    if not receivers:
        return found

    def party(org_ids: Iterable[int]) -> Exists:
        return Exists(
            AgreementParty.objects.filter(
                version__agreement_id=OuterRef("pk"), organisation_id__in=list(org_ids)
            )
        )

    agreements = (
        Agreement.objects.filter(party([sender_org_id]), party(receivers))
        .prefetch_related(
            *states.AGREEMENT_PREFETCH,
            Prefetch(
                "versions__flows",
                queryset=DataFlow.objects.select_related("sender", "receiver"),
            ),
        )
        .order_by("pk")
    )
    for agreement in agreements:
        if not states.is_in_force(agreement, on):
            continue
        version = states.governing_version(agreement, on)
        assert version is not None
        parties = _party_org_ids(version)
        if sender_org_id not in parties:
            continue
        for receiver in receivers & parties:
            groups = frozenset(
                FieldGroup(value)
                for value in flow_categories(version, sender_org_id, receiver)
                if value in _CATEGORIES
            )
            if groups:
                found[receiver].append(Opening(agreement=agreement, version=version, groups=groups))
    return found


# --- lists and pages -----------------------------------------------------------------------


def agreement_list(
    *,
    actor: Actor,
    on: date,
    status: str = "",
    agreement_type: str = "",
    party_id: int | None = None,
) -> list[tuple[Agreement, states.Summary]]:
    """Agreements the actor may see, with their summaries, filtered. The status is derived,
    so that filter runs in Python over the (small) visible set."""
    agreements = Agreement.objects.visible_to(actor)
    if agreement_type:
        agreements = agreements.filter(type=agreement_type)
    if party_id is not None:
        agreements = agreements.filter(
            Exists(
                AgreementParty.objects.filter(
                    version__agreement_id=OuterRef("pk"), organisation_id=party_id
                )
            )
        )
    rows = [
        (agreement, states.summary(agreement, on))
        for agreement in agreements.prefetch_related(*states.AGREEMENT_PREFETCH)
    ]
    if status:
        rows = [row for row in rows if row[1].status == status]
    return rows


def agreement_detail(agreement_id: int) -> Agreement:
    """One agreement with everything its page shows, in a fixed number of queries."""
    return (
        Agreement.objects.select_related("registered_by", "terminated_by")
        .prefetch_related(
            *states.AGREEMENT_PREFETCH,
            Prefetch(
                "versions__flows",
                queryset=DataFlow.objects.select_related(
                    "sender__organisation", "receiver__organisation"
                ).order_by("sender_id", "receiver_id"),
            ),
            Prefetch(
                "versions__designated_officers",
                queryset=ContactPoint.objects.select_related("organisation").order_by("id"),
            ),
            Prefetch(
                "meetings",
                queryset=Meeting.objects.live().order_by("held_on"),
            ),
        )
        .get(pk=agreement_id)
    )


def party_org_ids(agreement: Agreement) -> set[int]:
    """Organisations that are a party in any version of the agreement."""
    return {
        party.organisation_id
        for version in agreement.versions.all()
        for party in version.parties.all()
    }


def meetings_due(on: date, until: date) -> Iterable[Meeting]:
    return (
        Meeting.objects.live()
        .filter(reminded_on__isnull=True, held_on__gte=on, held_on__lte=until)
        .select_related("agreement")
        .order_by("held_on", "id")
    )
