"""Fictional demo agreements, for the demo node only (run by ``opentrm load_demo_cases``).

Three agreements are in force, so a referral between their parties shares what the person
consented to; one is signed by Albania only and waits for Serbia's signature, to show the
difference (a referral under it shares the minimal offer only). Each is written through the
services, by a login of the organisation concerned (each party records its own signature and
sets the flows out of it), so the register and the audit trail look like real work. An
agreement whose title exists is left as it is: loading twice changes nothing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.agreements import selectors, services, states
from opentrm.agreements.models import Agreement
from opentrm.directory.models import Organisation

_G = FieldGroup


@dataclass(frozen=True)
class Flow:
    sender: str  # login of the sending party, who sets (and so approves) the flow
    receiver: str  # login of the receiving party
    categories: tuple[FieldGroup, ...]


@dataclass(frozen=True)
class AgreementSpec:
    title: str
    scope: str
    parties: tuple[str, ...]  # logins, one per party organisation; the first registers it
    flows: tuple[Flow, ...]
    signed_by: tuple[str, ...]  # the parties (by login) whose signature is recorded
    purpose: str


AGREEMENTS: tuple[AgreementSpec, ...] = (
    AgreementSpec(
        "Shelter placements in Tirana (fictional)",
        "national",
        ("al.case_manager", "al.shelter"),
        (
            Flow(
                "al.case_manager",
                "al.shelter",
                (_G.IDENTITY, _G.CONTACT, _G.HEALTH, _G.ASSISTANCE),
            ),
            Flow("al.shelter", "al.case_manager", (_G.ASSISTANCE,)),
        ),
        ("al.case_manager", "al.shelter"),
        "Accommodation and first assistance for presumed victims referred by the centre.",
    ),
    AgreementSpec(
        "Transnational referral protocol Albania-Moldova (fictional)",
        "bilateral",
        ("al.case_manager", "md.focal_point"),
        (
            Flow(
                "al.case_manager",
                "md.focal_point",
                (_G.IDENTITY, _G.CONTACT, _G.TRAVEL, _G.ASSISTANCE),
            ),
            Flow("md.focal_point", "al.case_manager", (_G.IDENTITY, _G.ASSISTANCE)),
        ),
        ("al.case_manager", "md.focal_point"),
        "Referral and safe, voluntary return of victims between Albania and Moldova.",
    ),
    AgreementSpec(
        "Transnational referral protocol Albania-Serbia (fictional)",
        "bilateral",
        ("al.case_manager", "rs.focal_point"),
        (Flow("al.case_manager", "rs.focal_point", (_G.IDENTITY, _G.CONTACT, _G.ASSISTANCE)),),
        ("al.case_manager",),  # Serbia has not signed yet: not in force
        "Referral of victims between Albania and Serbia.",
    ),
    AgreementSpec(
        "Shelter placements in Belgrade (fictional)",
        "national",
        ("rs.case_manager", "rs.shelter"),
        (
            Flow(
                "rs.case_manager",
                "rs.shelter",
                (_G.IDENTITY, _G.CONTACT, _G.HEALTH, _G.ASSISTANCE),
            ),
        ),
        ("rs.case_manager", "rs.shelter"),
        "Accommodation and first assistance for presumed victims referred by the centre.",
    ),
)


def _organisation(actor: Actor) -> Organisation:
    assert actor.membership is not None
    return actor.membership.organisation


def load_demo_agreements(actor_of: Callable[[str], Actor]) -> list[Agreement]:
    """The demo agreements (created when missing); ``actor_of`` gives the login's actor."""
    loaded = []
    for spec in AGREEMENTS:
        existing = Agreement.objects.filter(title=spec.title).first()
        loaded.append(existing or _create(spec, actor_of))
    return loaded


def _create(spec: AgreementSpec, actor_of: Callable[[str], Actor]) -> Agreement:
    today = timezone.localdate()
    registrar = actor_of(spec.parties[0])
    agreement = services.agreement_create(
        actor=registrar,
        title=spec.title,
        type="mou",
        scope=spec.scope,
        content={
            "purpose": spec.purpose,
            "principles": "Human rights first; the person's informed consent; need to know.",
            "target_group": "Presumed and identified victims of trafficking, adults and children.",
            "data_protection": "Each party processes the data only for the referral and deletes "
            "it when the purpose is met (fictional).",
            "exchange_channel": "OpenTRM referrals",
            "exchanges_personal_data": True,
            "exchanges_thematic": True,
            "valid_from": today - timedelta(days=90),
            "valid_until": today + timedelta(days=3 * 365),
        },
    )
    for login in spec.parties[1:]:
        services.party_add(
            actor=registrar,
            agreement=agreement,
            organisation=_organisation(actor_of(login)),
            procedures=("sop1", "sop2"),
        )
    for flow in spec.flows:
        services.flow_set(
            actor=actor_of(flow.sender),
            agreement=agreement,
            sender_id=_organisation(actor_of(flow.sender)).pk,
            receiver_id=_organisation(actor_of(flow.receiver)).pk,
            categories=[category.value for category in flow.categories],
        )
    _sign(agreement, [actor_of(login) for login in spec.signed_by])
    return agreement


def _sign(agreement: Agreement, signers: Sequence[Actor]) -> None:
    fresh = selectors.agreement_detail(agreement.pk)
    version = states.latest_version(fresh)
    for signer in signers:
        services.signature_record(
            actor=signer,
            agreement=fresh,
            version_number=version.number,
            organisation_id=_organisation(signer).pk,
            signed_on=timezone.localdate() - timedelta(days=60),
            signed_by="Director (fictional)",
        )


__all__ = ["AGREEMENTS", "load_demo_agreements"]
