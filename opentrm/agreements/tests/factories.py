"""Agreements for tests, made through the services (so they are what users make)."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements import services
from opentrm.agreements.models import Agreement, AgreementVersion
from opentrm.directory.models import Organisation


def editor(world: World, org: str = "a") -> Actor:
    return world.actor(Role.CASE_MANAGER, org=org)


def signer(organisation: Organisation) -> Actor:
    """A case manager of ``organisation``: who records its signature and approves the data
    flows out of it. For an organisation with none, one is made with an inactive membership,
    so the organisation still counts as not working on this node (e.g. for exports)."""
    from conftest import make_member
    from opentrm.accounts.models import Membership, User

    membership = (
        Membership.objects.filter(
            organisation=organisation,
            role__in=[Role.CASE_MANAGER, Role.NATIONAL_COORDINATOR],
            is_active=True,
            user__is_active=True,
        )
        .select_related("user", "organisation")
        .order_by("role", "pk")
        .first()
    )
    if membership is None:
        username = f"signer_{organisation.pk}"
        user = User.objects.filter(username=username).first()
        if user is None:
            membership = make_member(organisation, Role.CASE_MANAGER, username)
            Membership.objects.filter(pk=membership.pk).update(is_active=False)
        else:
            membership = Membership.objects.select_related("user", "organisation").get(
                user=user, organisation=organisation
            )
    return Actor(user=membership.user, membership=membership)


def scope_for(organisations: Iterable[Organisation]) -> str:
    countries = {organisation.country_id for organisation in organisations}
    return {1: "national", 2: "bilateral"}.get(len(countries), "multilateral")


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
    (agency B if none given), its scope fitting the parties' countries; each flow set by the
    sender's case manager (so approved), and, when ``sign``, each party's signature recorded
    by its own case manager."""
    actor = editor(world)
    parties = list(others) or [world.agency_b]
    agreement = services.agreement_create(
        actor=actor,
        title=title,
        type="mou",
        scope=scope_for([world.agency_a, *parties]),
        content={
            "purpose": "Cooperate on the referral of presumed victims.",
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    for organisation in parties:
        services.party_add(actor=actor, agreement=agreement, organisation=organisation)
    for (sender, receiver), categories in (flows or {}).items():
        services.flow_set(
            actor=signer(sender),
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
                actor=signer(party.organisation),
                agreement=fresh,
                version_number=latest.number,
                organisation_id=party.organisation_id,
                signed_on=on or timezone.localdate() - timedelta(days=1),
                signed_by="Director, fictional",
            )


def sign_as(
    world: World,
    agreement: Agreement,
    org: str = "a",
    *,
    organisation: Organisation | None = None,
    version_number: int = 1,
    on: date | None = None,
    by: str = "Someone",
) -> object:
    """The signature of ``organisation`` (agency ``org`` by default), recorded by agency
    ``org``'s case manager, on ``on`` (today by default)."""
    party = organisation or (world.agency_a if org == "a" else world.agency_b)
    return services.signature_record(
        actor=editor(world, org),
        agreement=agreement,
        version_number=version_number,
        organisation_id=party.pk,
        signed_on=on or timezone.localdate(),
        signed_by=by,
    )


def flow(
    world: World,
    agreement: Agreement,
    receiver: Organisation,
    categories: Iterable[str],
    *,
    sender: Organisation | None = None,
) -> object:
    """The data flow from ``sender`` (agency A by default) to ``receiver``, set by agency A's
    case manager."""
    return services.flow_set(
        actor=editor(world),
        agreement=agreement,
        sender_id=(sender or world.agency_a).pk,
        receiver_id=receiver.pk,
        categories=list(categories),
    )


def draft_of(agreement: Agreement) -> AgreementVersion:
    """The agreement's latest version (the draft while it is being written)."""
    return AgreementVersion.objects.filter(agreement=agreement).latest("number")


def update_draft(world: World, agreement: Agreement, **changes: object) -> AgreementVersion:
    """Agency A's editor changes the agreement's latest version, at its current version."""
    return services.agreement_update(
        actor=editor(world),
        agreement=agreement,
        expected_version=draft_of(agreement).version,
        changes=changes,
    )
