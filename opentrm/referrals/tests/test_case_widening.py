"""Who may widen access to a case (issue 9, findings 1, 2 and 6; docs/permissions.md).

Agency A owns the case. Three organisations of A's country take part in it: the police
(agency C), the guardianship service and the prosecutor's office. An agreement in force lets
A pass identity, child-protection and proceedings data to each. Whatever opens access -- a
consent, a consent-taker, a participant, a referral, a loosened child safeguard -- is written
by the owner (or, for consent, by a consent-taker it names); a participant that tries is
refused with 403, nothing is written, and the refusal is audited.
"""

import os
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.models import Membership
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import (
    member_actor,
    member_api,
    member_browser,
    send_json,
)
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.access import visible_groups
from opentrm.cases.models import (
    Case,
    CaseDocument,
    CaseParticipant,
    ChildSafeguards,
    ConsentPurpose,
    ConsentRecord,
)
from opentrm.cases.selectors import consent_in_force
from opentrm.cases.services import (
    NameData,
    case_register,
    child_safeguards_update,
    consent_record,
    consent_signed_form_attach,
    consent_withdraw,
    participant_add,
)
from opentrm.cases.services.participants import participant_set_consent_taker
from opentrm.cases.tests.factories import consent_form
from opentrm.core.tests.threads import run_at_once
from opentrm.directory.models import Organisation, OrganisationType
from opentrm.referrals.models import Referral

G = FieldGroup
SHARED = [G.IDENTITY, G.CHILD_PROTECTION, G.PROCEEDINGS]
NAME = "Dora Fictiva"


class Parties:
    """The case, its owner and its three participants, with a member of each."""

    def __init__(self, world: World) -> None:
        self.world = world
        country = world.country_a
        self.police = world.agency_c
        self.guardianship = Organisation.objects.create(
            country=country, name="Guardianship Service", type=OrganisationType.SOCIAL_SERVICES
        )
        self.prosecution = Organisation.objects.create(
            country=country, name="Prosecutor's Office", type=OrganisationType.OTHER
        )
        self.police_officer = make_member(self.police, Role.POLICE_INVESTIGATOR, "c_police")
        self.police_manager = make_member(self.police, Role.CASE_MANAGER, "c_manager")
        self.guardian = make_member(self.guardianship, Role.GUARDIAN, "g_guardian")
        self.guardian_manager = make_member(self.guardianship, Role.CASE_MANAGER, "g_manager")
        self.prosecutor = make_member(self.prosecution, Role.PROSECUTOR, "p_prosecutor")
        self.owner = world.actor(Role.CASE_MANAGER)
        # A child of 15: the child safeguards apply.
        self.case = case_register(
            actor=self.owner,
            names=[NameData(value=NAME)],
            date_of_birth=timezone.localdate() - timedelta(days=15 * 365),
        )
        a = world.agency_a
        make_agreement(
            world,
            others=[self.police, self.guardianship, self.prosecution],
            flows={(a, o): SHARED for o in (self.police, self.guardianship, self.prosecution)},
            sign=True,
            signed_on=timezone.localdate() - timedelta(days=5),
        )
        for organisation in (self.police, self.guardianship, self.prosecution):
            participant_add(actor=self.owner, case=self.case, organisation=organisation)

    def owner_membership(self) -> Membership:
        return self.world.members_a[Role.CASE_MANAGER]

    def participant(self, organisation: Organisation) -> CaseParticipant:
        return CaseParticipant.objects.select_related("case").get(
            case=self.case, organisation=organisation
        )

    def consent(self, actor: Actor, recipient: Organisation, **overrides: Any) -> ConsentRecord:
        values: dict[str, Any] = {
            "actor": actor,
            "case": self.case,
            "purpose": ConsentPurpose.SHARE_DATA,
            "decision": "given",
            "decided_on": timezone.localdate(),
            "explained_in": "sq",
            "information_given": "Who will see which data, why, and the risks.",
            "recipient_organisation": recipient,
        }
        return consent_record(**(values | overrides))


def _denials(action: str) -> int:
    return AuditEvent.objects.filter(
        event_type=EventType.ACCESS_DENIED, detail__action=action
    ).count()


@pytest.fixture
def parties(world: World) -> Parties:
    return Parties(world)


# --- Finding 1: a participant grants itself the person's consent ---------------------------------


def _forged_consent(parties: Parties, recipient_field: str) -> dict[str, object]:
    """The person's consent to share with the prosecutor's office, as the office would post it
    (``recipient_field`` names the office: the API's and the form's names differ)."""
    return consent_form("share_data", "forged", **{recipient_field: parties.prosecution.pk})


def test_it_refuses_a_participant_recording_a_consent_for_itself(parties: Parties) -> None:
    """The prosecutor's office takes part with nothing shared; it posts the person's consent
    to share with itself: 403, no record, an audited refusal, and it still sees nothing."""
    api = member_api(parties.prosecutor)
    case_url = f"/api/v1/cases/{parties.case.public_id}"
    assert api.get(case_url).json()["visible_groups"] == []
    response = send_json(
        api,
        f"{case_url}/consents",
        _forged_consent(parties, "recipient_organisation_id"),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not ConsentRecord.objects.filter(case=parties.case).exists()
    assert _denials("consent.record") == 1
    body = api.get(case_url).json()
    assert body["visible_groups"] == []
    assert body["identity"] is None
    assert NAME not in api.get(f"{case_url}/consents").content.decode()


def test_it_refuses_the_consent_form_to_a_participant(parties: Parties) -> None:
    client = member_browser(parties.prosecutor)
    url = reverse("cases:consent_create", args=[parties.case.public_id])
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        _forged_consent(parties, "recipient_organisation"),
    )
    assert response.status_code == 403
    assert not ConsentRecord.objects.filter(case=parties.case).exists()
    assert _denials("consent.record") == 2
    page = member_browser(parties.prosecutor).get(
        reverse("cases:case_detail", args=[parties.case.public_id]) + "?section=all"
    )
    assert url not in page.content.decode()


def test_it_lets_a_consent_recorded_by_a_non_owner_open_nothing(parties: Parties) -> None:
    """A row the owner did not record (an old one, or one written straight into the
    database) never counts, however it is worded."""
    ConsentRecord.objects.create(
        case=parties.case,
        purpose=ConsentPurpose.SHARE_DATA,
        decision="given",
        decided_on=timezone.localdate(),
        explained_in="sq",
        information_given="legacy",
        recipient_organisation=parties.prosecution,
        taken_by=parties.prosecutor.user,
        taken_for=parties.prosecution,
    )
    assert (
        consent_in_force(
            case=parties.case, purpose=ConsentPurpose.SHARE_DATA, organisation=parties.prosecution
        )
        is None
    )
    assert visible_groups(member_actor(parties.prosecutor), parties.case) == frozenset()
    rows = member_api(parties.prosecutor).get(f"/api/v1/cases/{parties.case.public_id}/consents")
    assert [row["in_force"] for row in rows.json()] == [False]
    page = member_browser(parties.owner_membership()).get(
        reverse("cases:case_detail", args=[parties.case.public_id]) + "?section=all"
    )
    assert "not counted" in page.content.decode()


# --- Finding 2: a participant cuts others off ----------------------------------------------------


def test_it_refuses_a_participant_withdrawing_the_owners_consent(parties: Parties) -> None:
    """The guardian may not withdraw the consent the owner recorded for the police."""
    consent = parties.consent(parties.owner, parties.police)
    police = member_actor(parties.police_officer)
    assert visible_groups(police, parties.case) == frozenset(SHARED)
    url = f"/api/v1/cases/{parties.case.public_id}/consents/{consent.pk}/withdraw"
    response = member_api(parties.guardian).post(url)
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert _denials("consent.withdraw") == 1
    assert not AuditEvent.objects.filter(event_type=EventType.CONSENT_WITHDRAWN).exists()
    html = member_browser(parties.guardian).post(
        reverse("cases:consent_withdraw", args=[parties.case.public_id, consent.pk])
    )
    assert html.status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    police = member_actor(parties.police_officer)
    assert visible_groups(police, Case.objects.get(pk=parties.case.pk)) == frozenset(SHARED)


def test_it_refuses_a_participant_recording_a_refusal_for_another(parties: Parties) -> None:
    """The police may not record that the person refused sharing with the guardian."""
    parties.consent(parties.owner, parties.guardianship)
    response = send_json(
        member_api(parties.police_officer),
        f"/api/v1/cases/{parties.case.public_id}/consents",
        {
            "purpose": "share_data",
            "decision": "refused",
            "decided_on": timezone.localdate().isoformat(),
            "explained_in": "sq",
            "information_given": "forged",
            "recipient_organisation_id": parties.guardianship.pk,
        },
    )
    assert response.status_code == 403
    assert ConsentRecord.objects.filter(case=parties.case).count() == 1
    guardian = member_actor(parties.guardian)
    assert visible_groups(guardian, Case.objects.get(pk=parties.case.pk)) == frozenset(SHARED)


# --- The consent-taker the owner names -----------------------------------------------------------


def test_it_lets_a_named_consent_taker_record_and_stops_counting_when_unnamed(
    parties: Parties,
) -> None:
    """The guardianship service, named by the owner, records the person's consent to share
    with the police; un-named, what it recorded stops counting."""
    participant = parties.participant(parties.guardianship)
    response = send_json(
        member_api(parties.owner_membership()),
        f"/api/v1/cases/{parties.case.public_id}/participants/{participant.pk}/consent-taker",
        {"takes_consent": True},
    )
    assert response.status_code == 200
    assert response.json()["takes_consent"] is True
    consent = parties.consent(member_actor(parties.guardian), parties.police)
    assert consent.taken_for == parties.guardianship
    assert consent.taken_by == parties.guardian.user
    police = member_actor(parties.police_officer)
    assert visible_groups(police, parties.case) == frozenset(SHARED)
    event = AuditEvent.objects.get(event_type=EventType.CONSENT_TAKER_NAMED)
    assert event.actor_id == parties.owner.user.pk
    assert event.detail == {
        "case_id": parties.case.pk,
        "organisation_id": parties.guardianship.pk,
    }

    participant_set_consent_taker(actor=parties.owner, participant=participant, takes_consent=False)
    assert AuditEvent.objects.filter(event_type=EventType.CONSENT_TAKER_UNNAMED).count() == 1
    assert visible_groups(police, Case.objects.get(pk=parties.case.pk)) == frozenset()
    with pytest.raises(PermissionDenied):
        parties.consent(member_actor(parties.guardian), parties.police)


def test_it_refuses_a_participant_naming_a_consent_taker(parties: Parties) -> None:
    participant = parties.participant(parties.guardianship)
    url = f"/api/v1/cases/{parties.case.public_id}/participants/{participant.pk}/consent-taker"
    response = send_json(member_api(parties.police_manager), url, {"takes_consent": True})
    assert response.status_code == 403
    html = member_browser(parties.guardian_manager).post(
        reverse("cases:participant_consent_taker", args=[parties.case.public_id, participant.pk]),
        {"takes_consent": "1"},
    )
    assert html.status_code == 403
    participant.refresh_from_db()
    assert participant.takes_consent is False
    assert _denials("consent_taker.name") == 2


def test_it_names_a_consent_taker_from_the_case_page(parties: Parties) -> None:
    participant = parties.participant(parties.guardianship)
    client = member_browser(parties.owner_membership())
    url = reverse("cases:participant_consent_taker", args=[parties.case.public_id, participant.pk])
    assert (
        url
        in client.get(
            reverse("cases:case_detail", args=[parties.case.public_id]) + "?section=all"
        ).content.decode()
    )
    assert client.post(url, {"takes_consent": "1"}).status_code == 302
    participant.refresh_from_db()
    assert participant.takes_consent is True
    assert client.post(url, {"takes_consent": "0"}).status_code == 302
    participant.refresh_from_db()
    assert participant.takes_consent is False


# --- The register's history is append-only -------------------------------------------------------


def test_it_corrects_a_consent_with_a_new_record(parties: Parties) -> None:
    wrong = parties.consent(parties.owner, parties.police, expires_on=timezone.localdate())
    right = parties.consent(
        parties.owner,
        parties.police,
        decided_on=timezone.localdate() - timedelta(days=1),
        supersedes=wrong,
    )
    wrong.refresh_from_db()
    assert (wrong.decision, wrong.expires_on) == ("given", timezone.localdate())
    assert right.supersedes == wrong
    found = consent_in_force(
        case=parties.case, purpose=ConsentPurpose.SHARE_DATA, organisation=parties.police
    )
    assert found == right  # older by date, yet the correction counts
    event = AuditEvent.objects.get(event_type=EventType.CONSENT_CORRECTED)
    assert event.detail["supersedes"] == wrong.pk
    assert ConsentRecord.objects.filter(case=parties.case).count() == 2


def test_it_attributes_a_withdrawal_to_the_organisation(parties: Parties) -> None:
    consent = parties.consent(parties.owner, parties.police)
    consent_withdraw(actor=parties.owner, consent=consent)
    consent.refresh_from_db()
    assert consent.withdrawn_by == parties.owner.user
    assert consent.withdrawn_for == parties.world.agency_a
    rows = member_api(parties.owner_membership()).get(
        f"/api/v1/cases/{parties.case.public_id}/consents"
    )
    row = rows.json()[0]
    assert row["recorded_for_organisation_id"] == parties.world.agency_a.pk
    assert row["withdrawn_for_organisation_id"] == parties.world.agency_a.pk
    assert row["in_force"] is False


# --- The same owner rule for participants, referrals and child safeguards ------------------------


def test_it_refuses_a_participant_adding_or_removing_organisations(parties: Parties) -> None:
    api = member_api(parties.police_manager)
    response = send_json(
        api,
        f"/api/v1/cases/{parties.case.public_id}/participants",
        {"organisation_id": parties.world.agency_b.pk},
    )
    assert response.status_code == 403
    prosecution = parties.participant(parties.prosecution)
    html = member_browser(parties.police_manager).post(
        reverse("cases:participant_remove", args=[parties.case.public_id, prosecution.pk])
    )
    assert html.status_code == 403
    prosecution.refresh_from_db()
    assert prosecution.is_active
    assert not CaseParticipant.objects.filter(
        case=parties.case, organisation=parties.world.agency_b
    ).exists()
    assert _denials("participant.add") == 1
    assert _denials("participant.remove") == 1


def test_it_refuses_a_participant_referring_the_case_onward(parties: Parties) -> None:
    """The police may not refer the owner's case (and so choose what it shares) onward."""
    other = Organisation.objects.create(
        country=parties.world.country_a, name="Another Shelter", type=OrganisationType.SHELTER
    )
    response = send_json(
        member_api(parties.police_officer),
        "/api/v1/referrals/",
        {
            "case_public_id": str(parties.case.public_id),
            "receiver_organisation_id": other.pk,
            "reason": "onward",
            "service_type": "shelter",
        },
    )
    assert response.status_code == 403
    client = member_browser(parties.police_officer)
    assert (
        client.get(reverse("referrals:referral_create", args=[parties.case.public_id])).status_code
        == 403
    )
    for name in ("request_create_for_case", "transnational_create"):
        url = reverse(f"referrals:{name}", args=[parties.case.public_id])
        assert client.get(url).status_code == 403, name
    assert not Referral.objects.exists()
    assert _denials("referral.send") == 4
    page = client.get(reverse("cases:case_detail", args=[parties.case.public_id]) + "?section=all")
    assert reverse("referrals:referral_create", args=[parties.case.public_id]) not in (
        page.content.decode()
    )


def test_it_lets_the_owner_refer_the_case(parties: Parties) -> None:
    other = Organisation.objects.create(
        country=parties.world.country_a, name="Another Shelter", type=OrganisationType.SHELTER
    )
    response = send_json(
        member_api(parties.owner_membership()),
        "/api/v1/referrals/",
        {
            "case_public_id": str(parties.case.public_id),
            "receiver_organisation_id": other.pk,
            "reason": "a safe place",
            "service_type": "shelter",
        },
    )
    assert response.status_code == 201, response.content


def test_it_refuses_a_participant_loosening_a_child_safeguard(parties: Parties) -> None:
    """The guardian records what protects the child, not what opens a return or contacts
    with the country of origin: that is the owner's."""
    parties.consent(parties.owner, parties.guardianship)
    guardian = member_actor(parties.guardian)
    today = timezone.localdate()
    safeguards = child_safeguards_update(
        actor=guardian,
        case=parties.case,
        expected_version=0,
        changes={"asylum_indicated_on": today},
    )
    for changes in (
        {"asylum_indicated_on": None},
        {"welfare_clearance_on": today},
        {"best_interests_determined_on": today},
        {"family_tracing_in_best_interests": True},
        {"age_assessment_result": "adult", "age_assessed_on": today},
    ):
        with pytest.raises(PermissionDenied):
            child_safeguards_update(
                actor=guardian,
                case=parties.case,
                expected_version=safeguards.version,
                changes=changes,
            )
    record = ChildSafeguards.objects.get(case=parties.case)
    assert record.asylum_indicated_on == today
    assert record.welfare_clearance_on is None
    assert _denials("child_safeguards.loosen") == 5
    child_safeguards_update(
        actor=parties.owner,
        case=parties.case,
        expected_version=record.version,
        changes={"welfare_clearance_on": today, "welfare_clearance_by": parties.guardianship},
    )
    assert ChildSafeguards.objects.get(case=parties.case).welfare_clearance_on == today


# --- Withdrawal under concurrency (PostgreSQL) ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_withdraws_a_consent_once_under_concurrency(world: World) -> None:
    """Five withdrawals of one consent at the same moment: one withdrawal, one event."""
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite serialises every writer")
    parties = Parties(world)
    consent = parties.consent(parties.owner, parties.police)
    barrier = threading.Barrier(5)

    def withdraw() -> None:
        mine = ConsentRecord.objects.get(pk=consent.pk)
        barrier.wait()
        consent_withdraw(actor=parties.owner, consent=mine)

    outcomes = run_at_once(withdraw, 5)
    assert [error for error in outcomes if isinstance(error, BaseException)] == []
    assert AuditEvent.objects.filter(event_type=EventType.CONSENT_WITHDRAWN).count() == 1
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_it_lets_a_referral_a_participant_sent_open_nothing(parties: Parties) -> None:
    """A referral of the owner's case sent by a participant before the owner rule (written
    here with the service's inner step, which skips the check): accepted, it joins nobody to
    the case and its receiver sees nothing of the person."""
    from opentrm.referrals.services import national

    other = Organisation.objects.create(
        country=parties.world.country_a, name="Another Shelter", type=OrganisationType.SHELTER
    )
    receiver = make_member(other, Role.CASE_MANAGER, "o_manager")
    parties.consent(parties.owner, other)
    make_agreement(
        parties.world,
        others=[other],
        flows={(parties.world.agency_a, other): SHARED},
        sign=True,
        signed_on=timezone.localdate() - timedelta(days=5),
    )
    legacy = national._send_national(
        actor=member_actor(parties.police_officer),
        case=parties.case,
        receiver=other,
        reason="onward",
        urgency="routine",
        measure_code="",
        service_type="shelter",
        needs=(),
    )
    national.referral_accept(
        actor=member_actor(receiver), referral=legacy, expected_version=legacy.version
    )
    assert not CaseParticipant.objects.filter(
        case=parties.case, organisation=other, is_active=True
    ).exists()
    response = member_api(receiver).get(f"/api/v1/cases/{parties.case.public_id}")
    assert response.status_code == 404


def test_it_refuses_a_correction_of_another_purpose_or_a_second_one(parties: Parties) -> None:
    from django.core.exceptions import ValidationError

    first = parties.consent(parties.owner, parties.police)
    with pytest.raises(ValidationError) as other_recipient:
        parties.consent(parties.owner, parties.guardianship, supersedes=first)
    assert "supersedes" in other_recipient.value.message_dict
    parties.consent(parties.owner, parties.police, decision="refused", supersedes=first)
    with pytest.raises(ValidationError) as twice:
        parties.consent(parties.owner, parties.police, supersedes=first)
    assert "supersedes" in twice.value.message_dict
    assert ConsentRecord.objects.filter(case=parties.case).count() == 2


def test_it_keeps_the_owner_a_consent_taker_and_refuses_a_bad_form(parties: Parties) -> None:
    from django.core.exceptions import ValidationError

    owner_row = parties.participant(parties.world.agency_a)
    with pytest.raises(ValidationError):
        participant_set_consent_taker(
            actor=parties.owner, participant=owner_row, takes_consent=False
        )
    guardianship = parties.participant(parties.guardianship)
    client = member_browser(parties.owner_membership())
    url = reverse("cases:participant_consent_taker", args=[parties.case.public_id, guardianship.pk])
    assert client.post(url, {"takes_consent": "maybe"}).status_code == 302
    guardianship.refresh_from_db()
    assert guardianship.takes_consent is False
    # Naming twice records one event; a removed participant cannot be named.
    participant_set_consent_taker(actor=parties.owner, participant=guardianship, takes_consent=True)
    participant_set_consent_taker(actor=parties.owner, participant=guardianship, takes_consent=True)
    assert AuditEvent.objects.filter(event_type=EventType.CONSENT_TAKER_NAMED).count() == 1
    from opentrm.cases.services import participant_remove

    participant_remove(actor=parties.owner, participant=guardianship)
    guardianship.refresh_from_db()
    assert guardianship.takes_consent is False
    with pytest.raises(ValidationError):
        participant_set_consent_taker(
            actor=parties.owner, participant=guardianship, takes_consent=True
        )


def test_it_withdraws_a_consent_once_when_asked_twice(parties: Parties) -> None:
    consent = parties.consent(parties.owner, parties.police)
    stale = ConsentRecord.objects.get(pk=consent.pk)
    consent_withdraw(actor=parties.owner, consent=consent)
    again = consent_withdraw(actor=parties.owner, consent=stale)  # read before the first
    assert again.withdrawn_at == ConsentRecord.objects.get(pk=consent.pk).withdrawn_at
    assert AuditEvent.objects.filter(event_type=EventType.CONSENT_WITHDRAWN).count() == 1


def test_it_rechecks_a_loosened_safeguard_inside_the_transaction(parties: Parties) -> None:
    """The check before the transaction read the record; the write checks it again."""
    from opentrm.cases.services import child

    parties.consent(parties.owner, parties.guardianship)
    with pytest.raises(PermissionDenied):
        child._update(
            actor=member_actor(parties.guardian),
            case=parties.case,
            expected_version=0,
            changes={"family_tracing_in_best_interests": True},
        )
    assert not ChildSafeguards.objects.filter(case=parties.case).exists()


def test_it_corrects_a_consent_from_the_case_page(parties: Parties) -> None:
    wrong = parties.consent(parties.owner, parties.police, information_given="Told too little.")
    client = member_browser(parties.owner_membership())
    page = client.get(reverse("cases:case_detail", args=[parties.case.public_id]) + "?section=all")
    url = reverse("cases:consent_create", args=[parties.case.public_id])
    assert f"{url}?supersedes={wrong.pk}" in page.content.decode()
    form = client.get(url, {"supersedes": wrong.pk})
    assert "Told too little." in form.content.decode()
    fields = {
        "supersedes": wrong.pk,
        "purpose": "share_data",
        "decision": "given",
        "decided_on": timezone.localdate().isoformat(),
        "recipient_organisation": parties.police.pk,
        "explained_in": "sq",
        "information_given": "Who sees what, why, the risks, the right to withdraw.",
    }
    assert client.post(url, fields).status_code == 302
    right = ConsentRecord.objects.get(supersedes=wrong)
    assert right.information_given.startswith("Who sees what")
    wrong.refresh_from_db()
    assert wrong.information_given == "Told too little."
    again = client.post(url, fields)  # a record is corrected once: said above the form
    assert again.status_code == 200
    assert "already been corrected" in again.content.decode()
    page = client.get(reverse("cases:case_detail", args=[parties.case.public_id]) + "?section=all")
    assert "corrected by a later record" in page.content.decode()
    assert f"{url}?supersedes={wrong.pk}" not in page.content.decode()


def test_it_refuses_a_participant_attaching_a_signed_form_to_the_owners_consent(
    parties: Parties,
) -> None:
    """The signed form evidences the person's decision: only the owner's side attaches it."""
    consent = parties.consent(parties.owner, parties.police)
    upload = SimpleUploadedFile("form.txt", b"signed", content_type="text/plain")
    with pytest.raises(PermissionDenied):
        consent_signed_form_attach(
            actor=member_actor(parties.guardian_manager), consent=consent, upload=upload
        )
    consent.refresh_from_db()
    assert consent.signed_form_id is None
    assert not CaseDocument.objects.filter(case=parties.case).exists()
    assert _denials("consent.signed_form") == 1
    upload = SimpleUploadedFile("form.txt", b"signed", content_type="text/plain")
    consent_signed_form_attach(actor=parties.owner, consent=consent, upload=upload)
    consent.refresh_from_db()
    assert consent.signed_form_id is not None


def test_it_keeps_the_register_append_only_in_the_database(parties: Parties) -> None:
    """A stray UPDATE cannot rewrite what the person said, nor move a withdrawal."""
    consent = parties.consent(parties.owner, parties.police)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord.objects.filter(pk=consent.pk).update(decision="refused")
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord.objects.filter(pk=consent.pk).update(
            recipient_organisation=parties.guardianship
        )
    consent_withdraw(actor=parties.owner, consent=consent)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord.objects.filter(pk=consent.pk).update(withdrawn_at=None)
    consent.refresh_from_db()
    assert consent.decision == "given"
    assert consent.recipient_organisation_id == parties.police.pk
    assert consent.withdrawn_at is not None
