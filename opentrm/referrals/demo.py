"""The demo's cases, agreements and referrals (``opentrm load_demo_cases``), and its walk.

Run after ``opentrm load_demo``. The agreements come first (``agreements.demo``), then the cases
(``cases.demo``), then the referrals between demo organisations, all through the services the
screens use. A referral is made only when its case has none to that receiver yet, so loading
twice changes nothing.

- Albania refers the adult in the reflection period to its state shelter, which accepted it
  (consent and an agreement in force: the shelter sees the shared groups).
- Albania refers Doina Demo to Moldova's national focal point with the transnational template:
  sent, waiting in the focal point's inbox (consent and an agreement in force).
- Serbia refers Ana Demo to its NGO: sent, not answered (no agreement: the minimal offer only).
- Serbia referred Besa Demo, since returned, to its state shelter, which accepted.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from django.db import transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Actor
from opentrm.agreements.demo import load_demo_agreements
from opentrm.agreements.models import Agreement
from opentrm.cases.demo import DemoCases, demo_actor
from opentrm.cases.demo import load_demo_cases as load_cases
from opentrm.cases.models import Case
from opentrm.cases.services import participant_set_case_manager
from opentrm.directory.models import Organisation
from opentrm.referrals.models import Referral, ReferralStatus, Urgency
from opentrm.referrals.services import national, transnational


@dataclass
class DemoData:
    cases: DemoCases
    agreements: list[Agreement]
    referrals: dict[str, Referral] = field(default_factory=dict)
    created_referrals: int = 0

    @property
    def created(self) -> int:
        return self.cases.created + self.created_referrals


def _organisation(actor: Actor) -> Organisation:
    assert actor.membership is not None
    return actor.membership.organisation


def _existing(case: Case, receiver: Organisation) -> Referral | None:
    return Referral.objects.filter(case=case, receiver_organisation=receiver).order_by("pk").first()


class NationalSpec(TypedDict):
    accept: bool
    service_type: str
    needs: list[str]
    reason: str
    urgency: str


# Referrals within the country: case key, sender and receiver logins, what is asked.
NATIONAL: tuple[tuple[str, str, str, NationalSpec], ...] = (
    (
        "adult",
        "al.caseworker",
        "al.shelter",
        NationalSpec(
            accept=True,
            service_type="shelter",
            needs=["accommodation", "medical"],
            reason="Safe accommodation during the reflection period.",
            urgency=Urgency.URGENT,
        ),
    ),
    (
        "rs-identified",
        "rs.caseworker",
        "rs.ngo",
        NationalSpec(
            accept=False,
            service_type="psychological_counselling",
            needs=["psychological", "legal_adviser"],
            reason="Psycho-social counselling and legal information.",
            urgency=Urgency.ROUTINE,
        ),
    ),
    (
        "rs-returned",
        "rs.case_manager",
        "rs.shelter",
        NationalSpec(
            accept=True,
            service_type="shelter",
            needs=["accommodation"],
            reason="Accommodation until the return.",
            urgency=Urgency.ROUTINE,
        ),
    ),
)


def _national(
    case: Case,
    sender: str,
    receiver: str,
    *,
    accept: bool,
    service_type: str,
    needs: list[str],
    reason: str,
    urgency: str,
) -> Callable[[], Referral]:
    @transaction.atomic
    def make() -> Referral:
        answering = demo_actor(receiver)
        referral = national.referral_send_national(
            actor=demo_actor(sender),
            case=case,
            receiver=_organisation(answering),
            reason=reason,
            urgency=urgency,
            service_type=service_type,
            needs=needs,
        )
        if accept:
            referral = national.referral_acknowledge(
                actor=answering, referral=referral, expected_version=referral.version
            )
            referral = national.referral_accept(
                actor=answering, referral=referral, expected_version=referral.version
            )
            assert referral.participant is not None
            participant_set_case_manager(
                actor=answering, participant=referral.participant, case_manager=answering.user
            )
        return referral

    return make


def _transnational(case: Case, sender: str, country: str, reason: str) -> Callable[[], Referral]:
    def make() -> Referral:
        actor = demo_actor(sender)
        draft = transnational.transnational_create(
            actor=actor, case=case, country_code=country, urgency=Urgency.URGENT, reason=reason
        )
        return transnational.transnational_send(
            actor=actor, referral=draft, expected_version=draft.version
        )

    return make


def load_demo_cases() -> DemoData:
    """Everything of the demo beyond the directory and the logins, created when missing.

    Not one transaction: the transnational services check the child safeguards in a durable
    transaction of their own (the refusal is audited even if the rest rolls back). The
    agreements and the cases are each loaded in one transaction, every referral in its own."""
    with transaction.atomic():
        agreements = load_demo_agreements(demo_actor)
    data = DemoData(cases=load_cases(), agreements=agreements)
    cases = data.cases.cases
    plans: list[tuple[str, str, Callable[[], Referral]]] = [
        (key, receiver, _national(cases[key], sender, receiver, **options))
        for key, sender, receiver, options in NATIONAL
    ]
    plans.insert(
        1,
        (
            "to-moldova",
            "md.focal_point",
            _transnational(
                cases["to-moldova"],
                "al.case_manager",
                "MD",
                "Voluntary return to Moldova and assistance on arrival.",
            ),
        ),
    )
    for key, receiver, make in plans:
        existing = _existing(cases[key], _organisation(demo_actor(receiver)))
        if existing is None:
            existing = make()
            data.created_referrals += 1
        data.referrals[key] = existing
    return data


def walk(data: DemoData) -> list[str]:
    """The "try this" lines ``make demo`` prints after the logins: three journeys, with the
    login for each step."""
    pending = data.referrals["to-moldova"]
    waiting = pending.status == ReferralStatus.SENT
    case = data.cases.cases
    lines = [
        _("Try this (every login's password is printed above):"),
        "",
        _("1. A referral from abroad, waiting in a national focal point's inbox"),
        _(
            "   md.focal_point: Referrals → %(reference)s (from Albania, %(status)s) → "
            "Acknowledge → Accept, then open the case: what the person's consent and the "
            "Albania-Moldova protocol (in force) let through (identity, contact, travel, "
            "assistance)."
        )
        % {"reference": pending.reference, "status": pending.get_status_display()},
        _(
            "   al.case_manager: Referrals → Outbox → %(reference)s: the steps Moldova took; "
            "the case %(number)s."
        )
        % {"reference": pending.reference, "number": case["to-moldova"].number},
        "",
        _("2. A case in Albania, from registration to a referral"),
        _(
            "   al.caseworker: Cases → Register a presumed victim; on the case, Record a consent "
            "decision (sharing data with the State Shelter for Victims of Trafficking); Refer "
            "this case → that shelter."
        ),
        _(
            "   al.shelter: Referrals → the new referral → Acknowledge → Accept; the case opens "
            "with what the consent and the Tirana shelter agreement (in force) allow, like "
            "%(number)s before it."
        )
        % {"number": case["adult"].number},
        _(
            "   al.case_manager: the child %(number)s (guardian: al.guardian) indicated asylum: "
            "Refer the person to another country → Moldova, the child's country of origin, is "
            "refused."
        )
        % {"number": case["child"].number},
        "",
        _("3. An agreement not in force yet, and Serbia's cases"),
        _(
            "   al.case_manager: Agreements → Transnational referral protocol Albania-Serbia "
            "(fictional): signed by Albania only, so a referral to Serbia carries the minimal "
            "offer only."
        ),
        _(
            "   rs.focal_point: Agreements → the same protocol → Record our signature: in force "
            "from that day."
        ),
        _(
            "   rs.caseworker: Cases: Ana Demo (identified; referred to the NGO without an "
            "agreement) and Besa Demo (returned). rs.ngo: Referrals → the minimal offer only."
        ),
    ]
    if not waiting:
        lines.insert(
            4,
            _(
                "   (This node already answered it: for a fresh demo, delete the database, "
                "var/opentrm.sqlite3, and run make demo again.)"
            ),
        )
    return lines


__all__ = ["DemoData", "load_demo_cases", "walk"]
