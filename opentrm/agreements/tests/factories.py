"""Agreements for tests, made through the services (so they are what users make)."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements import services
from opentrm.agreements.models import Agreement
from opentrm.directory.models import Organisation


def editor(world: World, org: str = "a") -> Actor:
    return world.actor(Role.CASE_MANAGER, org=org)


def make_agreement(
    world: World,
    *,
    others: Iterable[Organisation] = (),
    flows: Mapping[tuple[Organisation, Organisation], Iterable[FieldGroup]] | None = None,
    sign: bool = False,
    signed_on: date | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    title: str = "Fictional MoU on referral",
) -> Agreement:
    """A draft registered by agency A's case manager, with agency A and ``others`` as parties
    (agency B if none given); signed by every party when ``sign``."""
    actor = editor(world)
    agreement = services.agreement_create(
        actor=actor,
        title=title,
        type="mou",
        scope="bilateral",
        content={
            "purpose": "Cooperate on the referral of presumed victims.",
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    for organisation in list(others) or [world.agency_b]:
        services.party_add(actor=actor, agreement=agreement, organisation=organisation)
    for (sender, receiver), categories in (flows or {}).items():
        services.flow_set(
            actor=actor,
            agreement=agreement,
            sender_id=sender.pk,
            receiver_id=receiver.pk,
            categories=[c.value for c in categories],
        )
    if sign:
        sign_all(world, agreement, on=signed_on)
    return agreement


def sign_all(world: World, agreement: Agreement, *, on: date | None = None) -> None:
    from opentrm.agreements import selectors, states

    fresh = selectors.agreement_detail(agreement.pk)
    latest = states.latest_version(fresh)
    for party in latest.parties.all():
        if states.signature_of(party) is None:
            services.signature_record(
                actor=editor(world),
                agreement=fresh,
                version_number=latest.number,
                organisation_id=party.organisation_id,
                signed_on=on or timezone.localdate() - timedelta(days=1),
                signed_by="Director, fictional",
            )
