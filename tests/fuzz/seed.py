"""The fuzzing world: two organisations of one country, each owning a case with a marker string
in every field group, and a third organisation with no members that both refer to.

A marker is a string no generator produces by chance (``QzvOwnerA…`` for agency A, the owner;
``QzvOutsiderC…`` for agency C, the outsider). A response to a member of one organisation that
carries the other's marker is a leak: neither organisation takes part in the other's case, so
nothing of it may reach them (docs/permissions.md).
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.agreements import services as agreement_services
from opentrm.cases.models import Case
from opentrm.cases.services import (
    NameData,
    assessment_record,
    case_register,
    consent_record,
    document_upload,
    health_update,
    hearing_schedule,
    no_contact_add,
    note_add,
    person_update,
    plan_draft,
    proceeding_record,
    service_offer,
)
from opentrm.directory.models import Organisation, OrganisationType
from opentrm.referrals.services.national import referral_send_national

PREFIX = {"owner": "QzvOwnerA", "outsider": "QzvOutsiderC"}
# Fixed ids, so that the generators can aim at the seeded cases (see ``path_values``).
CASE_IDS = {
    "owner": uuid.UUID("0a0a0a0a-0000-4000-8000-00000000000a"),
    "outsider": uuid.UUID("0c0c0c0c-0000-4000-8000-00000000000c"),
}


@dataclass
class Side:
    """One organisation of the fuzzing world: its case manager's token and what it owns."""

    role: str  # "owner" or "outsider"
    organisation: Organisation
    actor: Actor
    token: str
    case: Case
    ids: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return PREFIX[self.role]


@dataclass
class FuzzWorld:
    world: World
    sides: dict[str, Side]
    third: Organisation

    def other(self, role: str) -> Side:
        return self.sides["outsider" if role == "owner" else "owner"]

    def path_values(self) -> dict[str, list[Any]]:
        """Every seeded id by path parameter name, both organisations' (aiming at the other's
        objects is the point)."""
        values: dict[str, list[Any]] = {}
        for side in self.sides.values():
            for name, ids in side.ids.items():
                values.setdefault(name, []).extend(ids)
        return values


def _mark(role: str, what: str) -> str:
    return f"{PREFIX[role]}{what}"


def _seed_side(world: World, role: str, organisation: Organisation, third: Organisation) -> Side:

    def m(what: str) -> str:
        return _mark(role, what)

    today = timezone.localdate()
    manager_membership = (
        world.members_a[Role.CASE_MANAGER]
        if organisation == world.agency_a
        else make_member(organisation, Role.CASE_MANAGER, f"fuzz_{role}_manager")
    )
    actor = Actor(user=manager_membership.user, membership=manager_membership)
    token, secret = api_token_create(actor=actor, name=m("Token"))
    case = case_register(
        actor=actor,
        public_id=CASE_IDS[role],
        names=[NameData(value=m("Name")), NameData(value=m("Alias"), kind="alias")],
    )
    person_update(
        actor=actor,
        case=case,
        expected_version=case.person.version,
        identity={"place_of_birth": m("Birthplace"), "identity_note": m("IdentityNote")},
        contact={"address": m("Address")},
    )
    health_update(
        actor=actor,
        case=case,
        expected_version=0,
        changes={"medication": m("Medication"), "medical_history": m("History")},
    )
    assessment = assessment_record(
        actor=actor, case=case, kind="needs", assessed_on=today, summary=m("Findings")
    )
    service = service_offer(
        actor=actor,
        case=case,
        service_type="shelter",
        offered_on=today,
        description=m("Service"),
        comments=m("ServiceComment"),
    )
    plan = plan_draft(actor=actor, case=case, goals=m("Goals"))
    proceeding = proceeding_record(
        actor=actor,
        case=case,
        country_code="AL",
        kind="criminal",
        reference=m("Reference"),
        comments=m("ProceedingComment"),
    )
    no_contact = no_contact_add(
        actor=actor, case=case, name=m("Trafficker"), description=m("NoContactDescription")
    )
    hearing = hearing_schedule(
        actor=actor,
        case=case,
        kind="police_interview",
        scheduled_at=timezone.now() + timedelta(days=7),
        place=m("HearingPlace"),
        participants=m("HearingParticipants"),
        guardian_present="Vera Guardiana",  # the person is of unknown age: a child
    )
    document = document_upload(
        actor=actor,
        case=case,
        upload=SimpleUploadedFile("scan.pdf", b"%PDF-1.4 " + m("FileBody").encode()),
        title=m("DocumentTitle"),
        kind="medical",
    )
    note = note_add(actor=actor, case=case, text=m("Note"), visibility="case")
    consent = consent_record(
        actor=actor,
        case=case,
        purpose="assistance_plan",
        decision="given",
        decided_on=today,
        explained_in="sq",
        information_given=m("ConsentInformation"),
    )
    referral = referral_send_national(
        actor=actor, case=case, receiver=third, reason=m("ReferralReason"), service_type="shelter"
    )
    agreement = agreement_services.agreement_create(
        actor=actor, title=m("AgreementTitle"), type="mou", scope="national"
    )
    agreement_services.party_add(
        actor=actor, agreement=agreement, organisation=third, responsibilities=m("PartyDuties")
    )
    note_ids = [note.pk]
    return Side(
        role=role,
        organisation=organisation,
        actor=actor,
        token=secret,
        case=case,
        ids={
            "public_id": [str(case.public_id), str(referral.public_id)],
            "consent_id": [consent.pk],
            "plan_id": [plan.pk],
            "service_id": [service.pk],
            "proceeding_id": [proceeding.pk],
            "entry_id": [no_contact.pk],
            "hearing_id": [hearing.pk],
            "document_id": [str(document.public_id)],
            "assessment_id": [assessment.pk],
            "note_id": note_ids,
            "agreement_id": [agreement.pk],
            "token_id": [token.pk],
            "organisation_id": [organisation.pk],
        },
    )


def seed(world: World) -> FuzzWorld:
    third = Organisation.objects.create(
        country=world.country_a,
        name="Agency D Third Shelter",
        type=OrganisationType.SHELTER,
        city="Fictiva",
    )
    sides = {
        "owner": _seed_side(world, "owner", world.agency_a, third),
        "outsider": _seed_side(world, "outsider", world.agency_c, third),
    }
    return FuzzWorld(world=world, sides=sides, third=third)
