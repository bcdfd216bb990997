"""Fictional demo cases, for the demo node only (``opentrm load_demo_cases``).

Run after ``opentrm load_demo``: the cases belong to demo organisations of Albania, Serbia and
Moldova, at different stages (new, identified, in the reflection period, referred, returned; a
child with a named guardian), and are written through the same services as the screens, so they
are audited like real work. Every name is invented; the ids are fixed, so loading twice changes
nothing. The referrals between them are made by ``opentrm.referrals.demo``.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from opentrm.accounts.models import Membership
from opentrm.accounts.policy import Actor
from opentrm.cases import services
from opentrm.cases.models import Case, CaseParticipant, ConsentPurpose
from opentrm.directory.models import ContactPoint, Organisation

_NAMESPACE = uuid.UUID("6b1d4c52-58a7-4c1e-9d0e-0c2f7b6f1a10")


@dataclass
class DemoCases:
    """Every demo case by key (loaded now or before) and the keys created by this run."""

    cases: dict[str, Case] = field(default_factory=dict)
    created_keys: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.created_keys)

    @property
    def existing(self) -> int:
        return len(self.cases) - len(self.created_keys)


def demo_actor(username: str) -> Actor:
    """The actor of a demo login (``opentrm load_demo`` makes them)."""
    membership = (
        Membership.objects.select_related("user", "organisation__country")
        .filter(user__username=username, is_active=True)
        .first()
    )
    if membership is None:
        raise LookupError(
            f"The demo login {username} is missing. Load the demo directory and logins first: "
            "opentrm load_demo"
        )
    return Actor(user=membership.user, membership=membership)


def demo_public_id(key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, key)


@dataclass(frozen=True)
class CaseSpec:
    key: str
    country: str  # where the case is handled (the owner's country)
    stage: str  # what the demo shows with it
    registered_by: str  # login
    name: str
    age_band: str
    languages: tuple[str, ...]
    citizenships: tuple[str, ...]
    sex: str = "unknown"


# Every name is invented ("Demo" where a surname is given); the stage is what "try this" shows.
CASES: tuple[CaseSpec, ...] = (
    CaseSpec(
        "adult",
        "AL",
        "reflection period",
        "al.caseworker",
        "E. M.",
        "over_18",
        ("ro",),
        ("MD",),
        "female",
    ),
    CaseSpec(
        "child", "AL", "child, guardian named", "al.case_manager", "N.", "unknown", ("ro",), ("MD",)
    ),
    CaseSpec(
        "at-work",
        "AL",
        "new",
        "al.caseworker",
        "Ilir Demo",
        "over_18",
        ("sq", "it"),
        ("AL",),
        "male",
    ),
    CaseSpec(
        "to-moldova",
        "AL",
        "referred abroad",
        "al.case_manager",
        "Doina Demo",
        "over_18",
        ("ro", "ru"),
        ("MD",),
        "female",
    ),
    CaseSpec(
        "rs-identified",
        "RS",
        "identified",
        "rs.caseworker",
        "Ana Demo",
        "over_18",
        ("sr",),
        ("RS",),
        "female",
    ),
    CaseSpec(
        "rs-returned",
        "RS",
        "returned",
        "rs.case_manager",
        "Besa Demo",
        "over_18",
        ("sq", "en"),
        ("AL",),
        "female",
    ),
    CaseSpec(
        "md-new", "MD", "new", "md.caseworker", "Vera Demo", "over_18", ("ro",), ("MD",), "female"
    ),
)


@transaction.atomic
def load_demo_cases() -> DemoCases:
    """Create the demo cases that are missing; a case that exists is left as it is."""
    for login in ("al.caseworker", "al.case_manager", "rs.caseworker", "md.caseworker"):
        demo_actor(login)  # fails early, with the hint, when load_demo has not run
    result = DemoCases()
    for spec in CASES:
        public_id = demo_public_id(spec.key)
        case = Case.objects.filter(public_id=public_id).first()
        if case is None:
            case = services.case_register(
                actor=demo_actor(spec.registered_by),
                public_id=public_id,
                names=[services.NameData(value=spec.name)],
                sex=spec.sex,
                age_band=spec.age_band,
                languages=spec.languages,
                citizenships=spec.citizenships,
            )
            _BUILDERS.get(spec.key, _nothing)(case)
            result.created_keys.append(spec.key)
        result.cases[spec.key] = case
    return result


def _nothing(case: Case) -> None:
    return None


def _organisation_of(actor: Actor) -> Organisation:
    assert actor.membership is not None
    return actor.membership.organisation


def _days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def _organisation(country: str, name: str) -> Organisation | None:
    return Organisation.objects.filter(country__code=country, name=name).first()


def _owner_participant(case: Case) -> CaseParticipant:
    return CaseParticipant.objects.get(case=case, organisation_id=case.owner_organisation_id)


def _name_case_manager(case: Case, login: str) -> None:
    manager = demo_actor(login)
    services.participant_set_case_manager(
        actor=manager, participant=_owner_participant(case), case_manager=manager.user
    )


def _share_consent(case: Case, actor: Actor, recipient: Organisation | None, lang: str) -> None:
    services.consent_record(
        actor=actor,
        case=case,
        purpose=ConsentPurpose.SHARE_DATA,
        decision="given",
        decided_on=_days_ago(2),
        explained_in=lang,
        interpreter="Demo interpreter",
        information_given="Which data the recipient gets, why, and the right to withdraw.",
        recipient_organisation=recipient,
        recipient_country="" if recipient else case.owner_organisation.country.code,
    )


def _return_consent(case: Case, actor: Actor, country: str, lang: str, *, days_ago: int) -> None:
    services.consent_record(
        actor=actor,
        case=case,
        purpose=ConsentPurpose.RETURN,
        decision="given",
        decided_on=_days_ago(days_ago),
        explained_in=lang,
        interpreter="Demo interpreter",
        information_given="Return is voluntary; what happens on arrival; the right to change mind.",
        recipient_country=country,
    )


def _identify(case: Case, actor: Actor, days_ago: int) -> None:
    services.identification_record(
        actor=actor,
        case=case,
        outcome="identified",
        is_formal=True,
        decided_on=_days_ago(days_ago),
        legal_basis="Law on the fight against trafficking (fictional article).",
        indicators_used="Demo indicators: withheld documents, debt bondage.",
    )


def _adult(case: Case) -> None:
    """In the reflection period, placed in the state shelter; referred to it (see referrals)."""
    caseworker = demo_actor("al.caseworker")
    services.reflection_period_start(actor=caseworker, case=case, starts_on=_days_ago(3))
    shelter = _organisation("AL", "State Shelter for Victims of Trafficking")
    _share_consent(case, caseworker, shelter, "ro")
    services.measure_plan(actor=caseworker, case=case, code="sop2.intake_needs_assessment")
    _demo_assistance(caseworker, case, shelter)
    _name_case_manager(case, "al.case_manager")


def _child(case: Case) -> None:
    """A Moldovan child who indicated asylum (so nothing goes to Moldova); the Child
    Protection Agency joined and its guardian is named, as is the Interior-Ministry liaison
    officer."""
    manager = demo_actor("al.case_manager")
    guardian = demo_actor("al.guardian")
    assert guardian.membership is not None
    services.participant_add(
        actor=manager, case=case, organisation=guardian.membership.organisation
    )
    services.child_safeguards_update(
        actor=manager,
        case=case,
        expected_version=0,
        changes={
            "asylum_indicated_on": _days_ago(1),
            "guardian": guardian.user,
            "guardian_appointed_on": _days_ago(1),
            "liaison_officer": ContactPoint.objects.filter(
                organisation=_organisation("AL", "Ministry of Interior — Anti-Trafficking Unit")
            ).first(),
        },
    )


def _to_moldova(case: Case) -> None:
    """Identified in Albania; consents to share with Moldova's focal point and to return. The
    referral itself (waiting in that focal point's inbox) is made by the referrals demo."""
    manager = demo_actor("al.case_manager")
    _identify(case, manager, 5)
    _share_consent(case, manager, _organisation_of(demo_actor("md.focal_point")), "ro")
    _return_consent(case, manager, "MD", "ro", days_ago=2)


def _rs_identified(case: Case) -> None:
    """Identified in Serbia, with its case manager named; referred to the NGO (referrals)."""
    _identify(case, demo_actor("rs.caseworker"), 4)
    _name_case_manager(case, "rs.case_manager")


def _rs_returned(case: Case) -> None:
    """Identified, reflection period over, consent to return, the safe transport done."""
    manager = demo_actor("rs.case_manager")
    _identify(case, manager, 70)
    services.reflection_period_start(
        actor=manager, case=case, starts_on=_days_ago(70), ends_on=_days_ago(40)
    )
    _share_consent(
        case, manager, _organisation("RS", "State Shelter for Victims of Trafficking"), "sq"
    )
    _return_consent(case, manager, "AL", "sq", days_ago=30)
    transport = services.measure_plan(actor=manager, case=case, code="sop4.safe_transport")
    services.measure_update(
        actor=manager,
        measure=transport,
        expected_version=transport.version,
        status="done",
        started_on=_days_ago(12),
        completed_on=_days_ago(10),
    )


_BUILDERS: dict[str, Callable[[Case], None]] = {
    "adult": _adult,
    "child": _child,
    "to-moldova": _to_moldova,
    "rs-identified": _rs_identified,
    "rs-returned": _rs_returned,
}


def _demo_assistance(actor: Actor, case: Case, shelter: Organisation | None) -> None:
    """A needs assessment, a draft assistance plan and a shelter place delivered."""
    today = timezone.localdate()
    services.assessment_record(
        actor=actor,
        case=case,
        kind="needs",
        assessed_on=today - timedelta(days=2),
        needs=["accommodation", "medical", "interpretation"],
        accommodation_type="shelter",
        summary="Needs a safe place, a medical check-up and an interpreter (fictional).",
    )
    services.plan_draft(
        actor=actor,
        case=case,
        goals="Safety and rest during the reflection period; health check; legal information.",
        activities=[
            services.ActivityData(
                description="Shelter place", service_type="shelter", provider=shelter
            ),
            services.ActivityData(description="Medical examination", service_type="medical"),
        ],
    )
    place = services.service_offer(
        actor=actor,
        case=case,
        service_type="shelter",
        offered_on=today - timedelta(days=3),
        provider=shelter,
        provider_name="" if shelter else "Demo shelter",
        funding_source="State budget (fictional)",
    )
    services.service_move(
        actor=actor,
        service=place,
        expected_version=place.version,
        status="delivered",
        on=today - timedelta(days=3),
    )


__all__ = ["CASES", "DemoCases", "demo_actor", "demo_public_id", "load_demo_cases"]
