"""Fictional demo cases, for the demo node only (``opentrm load_demo_cases``).

Run after ``opentrm load_demo``: the cases belong to the Albanian demo organisations and are
written through the same services as the screens, so they are audited like real work.
Every name is invented; the ids are fixed, so loading twice changes nothing.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from opentrm.accounts.models import Membership
from opentrm.accounts.policy import Actor
from opentrm.cases import services
from opentrm.cases.models import Case, ConsentPurpose
from opentrm.directory.models import Organisation

_NAMESPACE = uuid.UUID("6b1d4c52-58a7-4c1e-9d0e-0c2f7b6f1a10")


@dataclass(frozen=True)
class DemoCases:
    created: int
    existing: int


def _actor(username: str) -> Actor | None:
    membership = (
        Membership.objects.select_related("user", "organisation__country")
        .filter(user__username=username, is_active=True)
        .first()
    )
    return Actor(user=membership.user, membership=membership) if membership else None


@transaction.atomic
def load_demo_cases() -> DemoCases:
    caseworker = _actor("al.caseworker")
    manager = _actor("al.case_manager")
    if caseworker is None or manager is None:
        raise LookupError("Load the demo directory and logins first: opentrm load_demo")
    today = timezone.localdate()
    specs = [
        ("adult", "E. M.", "over_18", ["ro"], ["MD"]),
        ("child", "N.", "unknown", ["uk"], ["UA"]),
        ("at-work", "Ilir Demo", "over_18", ["sq", "it"], ["AL"]),
    ]
    created = 0
    for key, name, age, languages, citizenships in specs:
        public_id = uuid.uuid5(_NAMESPACE, key)
        if Case.objects.filter(public_id=public_id).exists():
            continue
        created += 1
        case = services.case_register(
            actor=manager if key == "child" else caseworker,
            public_id=public_id,
            names=[services.NameData(value=name)],
            age_band=age,
            languages=languages,
            citizenships=citizenships,
        )
        if key == "adult":
            services.reflection_period_start(
                actor=caseworker, case=case, starts_on=today - timedelta(days=3)
            )
            shelter = Organisation.objects.filter(
                country__code="AL", name="State Shelter for Victims of Trafficking"
            ).first()
            services.consent_record(
                actor=caseworker,
                case=case,
                purpose=ConsentPurpose.SHARE_DATA,
                decision="given",
                decided_on=today - timedelta(days=2),
                explained_in="ro",
                interpreter="Demo interpreter",
                information_given="Which data the shelter gets, why, and the right to withdraw.",
                recipient_organisation=shelter,
                recipient_country="" if shelter else "AL",
            )
            services.measure_plan(actor=caseworker, case=case, code="sop2.intake_needs_assessment")
            _demo_assistance(caseworker, case, shelter)
        if key == "child":
            services.child_safeguards_update(
                actor=manager,
                case=case,
                expected_version=0,
                changes={"asylum_indicated_on": today - timedelta(days=1)},
            )
    return DemoCases(created=created, existing=len(specs) - created)


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


__all__ = ["DemoCases", "load_demo_cases"]
