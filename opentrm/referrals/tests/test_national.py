"""Referral within the country (issue 4 §2): the minimal offer, the consent + agreement gate,
accepting, declining and withdrawing, and who may do what. Fictional data only."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant, ConsentRecord, TravelDocument
from opentrm.cases.services import (
    NameData,
    case_register,
    consent_withdraw,
    person_update,
)
from opentrm.cases.tests.factories import record_consent
from opentrm.core.errors import ConflictError
from opentrm.directory.models import AccreditationStatus, Organisation, OrganisationType
from opentrm.referrals.models import Referral, ReferralEvent, ReferralStatus
from opentrm.referrals.services import national

G = FieldGroup
NAMES = ("Ariana Fiktiva", "Zanë Imagjinare", "Lulja")
BORN = date(1999, 3, 14)
BIRTH_DATE_FORMS = (
    "1999-03-14",
    "14.03.1999",
    "14/03/1999",
    "03/14/1999",
    "3/14/1999",
    "14 March 1999",
    "March 14, 1999",
    "Mar. 14, 1999",
    "1999",
)
DOCUMENT_NUMBERS = ("XK4471902", "LP-0099-FICT")
ADDRESS = "Rruga e Trillit 17, Fiktivë"
PLACE_OF_BIRTH = "Qyteti Imagjinar"
IDENTIFYING = (*NAMES, *BIRTH_DATE_FORMS, *DOCUMENT_NUMBERS, ADDRESS, PLACE_OF_BIRTH)
REASON = "Needs a safe place to stay and psycho-social support."


@dataclass
class Scene:
    world: World
    shelter: Organisation
    case: Case
    sender: Actor
    receiver: Actor

    def receiver_member(self, role: Role) -> Actor:
        membership = make_member(self.shelter, role, f"d_{role.value}")
        return Actor(user=membership.user, membership=membership)


def make_scene(
    world: World,
    *,
    consent: bool = True,
    groups: tuple[FieldGroup, ...] = (G.IDENTITY,),
    agreement: bool = True,
) -> Scene:
    """Agency A's case of a fictional adult; a shelter in the same country with a caseworker;
    the person's consent to share with the shelter, and an agreement A -> shelter for
    ``groups``, when asked for."""
    shelter = Organisation.objects.create(
        country=world.country_a,
        name="Fictional Shelter D",
        type=OrganisationType.SHELTER,
        city="Fictiva",
    )
    membership = make_member(shelter, Role.CASEWORKER, "d_caseworker")
    manager = world.actor(Role.CASE_MANAGER)
    case = case_register(
        actor=manager,
        names=[NameData(value=NAMES[0]), NameData(value=NAMES[1]), NameData(NAMES[2], "alias")],
        sex="female",
        date_of_birth=BORN,
        languages=["sq", "en"],
        citizenships=["AL"],
    )
    person_update(
        actor=manager,
        case=case,
        expected_version=case.person.version,
        identity={"place_of_birth": PLACE_OF_BIRTH},
        contact={"address": ADDRESS},
    )
    for number in DOCUMENT_NUMBERS:
        TravelDocument.objects.create(person=case.person, type="passport", number=number)
    if consent:
        record_consent(
            manager,
            case,
            "share_data",
            "What the shelter will see, explained in Albanian.",
            to=shelter,
        )
    if agreement:
        make_agreement(
            world, others=[shelter], flows={(world.agency_a, shelter): list(groups)}, sign=True
        )
    case = Case.objects.select_related("person", "owner_organisation__country").get(pk=case.pk)
    return Scene(
        world,
        shelter,
        case,
        world.actor(Role.CASEWORKER),
        Actor(user=membership.user, membership=membership),
    )


def send(scene: Scene, **changes: Any) -> Referral:
    values: dict[str, Any] = {
        "actor": scene.sender,
        "case": scene.case,
        "receiver": scene.shelter,
        "reason": REASON,
        "urgency": "urgent",
        "service_type": "shelter",
        "needs": ["accommodation", "psychological"],
    }
    values.update(changes)
    return national.referral_send_national(**values)


def client_for(actor: Actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def fresh(referral: Referral) -> Referral:
    return Referral.objects.select_related("case__person").get(pk=referral.pk)


def assert_nothing_identifying(text: str) -> None:
    for value in IDENTIFYING:
        assert value not in text, f"identifying value {value!r} leaked"


def detail_url(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.public_id])


def case_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.public_id])


# --- sending -------------------------------------------------------------------------------------


def test_sending_stores_the_gate_and_the_due_dates(world: World) -> None:
    scene = make_scene(world)
    referral = fresh(send(scene))
    assert referral.status == ReferralStatus.SENT
    assert referral.reference.startswith(f"REF-AL-{timezone.localdate().year}-")
    assert referral.kind == "national"
    assert referral.sender_organisation == world.agency_a
    assert referral.receiver_organisation == scene.shelter
    assert referral.shared_groups == ["identity"]
    assert referral.consent is not None
    assert referral.consent.purpose == "share_data"
    assert referral.agreement is not None
    assert referral.sent_at is not None
    assert referral.sent_by == scene.sender.user
    assert referral.acknowledge_due_at is not None
    assert referral.answer_due_at is not None
    assert referral.acknowledge_due_at < referral.answer_due_at
    assert ReferralEvent.objects.filter(referral=referral, status="sent").exists()
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_SENT)
    assert event.detail["shared_groups"] == ["identity"]
    assert event.detail["minimal_offer_only"] is False


@pytest.mark.parametrize(
    ("consent", "agreement", "missing"),
    [
        (False, True, "consent"),
        (True, False, "No agreement in force"),
        (False, False, "consent"),
    ],
)
def test_without_consent_and_agreement_only_the_minimal_offer_goes(
    world: World, consent: bool, agreement: bool, missing: str
) -> None:
    scene = make_scene(world, consent=consent, agreement=agreement)
    gate = national.preview(scene.case, scene.shelter)
    assert gate.groups == []
    assert any(missing in reason for reason in gate.missing)
    referral = send(scene)
    assert referral.status == ReferralStatus.SENT
    assert referral.shared_groups == []


def test_the_form_shows_what_the_receiver_will_see_before_sending(world: World) -> None:
    scene = make_scene(world, groups=(G.IDENTITY, G.HEALTH))
    client = client_for(scene.sender)
    url = reverse("referrals:referral_create", args=[scene.case.public_id])
    page = client.get(url).content.decode()
    assert "do not write" in page.lower() or "Do not write" in page
    data = {
        "receiver": scene.shelter.pk,
        "service_type": "shelter",
        "needs": ["accommodation"],
        "urgency": "routine",
        "reason": REASON,
    }
    # Sending without having seen the preview shows the preview and sends nothing.
    response = client.post(url, {**data, "send": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert not Referral.objects.exists()
    assert "What Fictional Shelter D will see" in page
    assert "identity" in page
    assert "health" in page
    assert "Not shared:" in page
    assert "contact" in page
    assert "Send the referral" in page
    assert f'name="previewed" value="{scene.shelter.pk}"' in page
    response = client.post(url, {**data, "previewed": str(scene.shelter.pk), "send": "1"})
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(referral)
    assert sorted(referral.shared_groups) == ["health", "identity"]


def test_the_form_explains_what_is_missing_and_offers_the_minimal_offer(world: World) -> None:
    scene = make_scene(world, consent=False)
    client = client_for(scene.sender)
    url = reverse("referrals:referral_create", args=[scene.case.public_id])
    data = {"receiver": scene.shelter.pk, "measure_code": "", "service_type": "shelter"}
    data |= {"urgency": "routine", "reason": REASON, "preview": "1"}
    page = client.post(url, data).content.decode()
    assert "consent to share data with this organisation is not recorded" in page
    assert "Send the minimal offer only" in page
    client.post(url, {**data, "previewed": str(scene.shelter.pk), "send": "1"})
    assert Referral.objects.get().shared_groups == []


def test_the_preview_names_the_categories_the_agreement_does_not_allow(world: World) -> None:
    scene = make_scene(world, groups=(G.IDENTITY,))
    gate = national.preview(scene.case, scene.shelter)
    assert gate.groups == [G.IDENTITY]
    assert any("does not allow" in reason and "health" in reason for reason in gate.missing)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"is_active": False}, "inactive"),
        ({"accreditation_status": AccreditationStatus.PENDING}, "not accredited"),
        ({"accreditation_status": AccreditationStatus.SUSPENDED}, "not accredited"),
        ({"accreditation_status": AccreditationStatus.WITHDRAWN}, "not accredited"),
    ],
)
def test_an_inactive_or_unaccredited_receiver_is_refused(
    world: World, change: dict[str, Any], message: str
) -> None:
    scene = make_scene(world)
    Organisation.objects.filter(pk=scene.shelter.pk).update(**change)
    scene.shelter.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        send(scene)
    assert message in " ".join(error.value.message_dict["receiver"])
    assert not Referral.objects.exists()
    # The form says the same on the field, and sends nothing.
    client = client_for(scene.sender)
    url = reverse("referrals:referral_create", args=[scene.case.public_id])
    data = {"receiver": scene.shelter.pk, "service_type": "shelter", "urgency": "routine"}
    page = client.post(url, {**data, "reason": REASON, "preview": "1"}).content.decode()
    assert message in page
    assert not Referral.objects.exists()


def test_an_accredited_receiver_is_accepted(world: World) -> None:
    scene = make_scene(world)
    Organisation.objects.filter(pk=scene.shelter.pk).update(
        accreditation_status=AccreditationStatus.ACCREDITED
    )
    scene.shelter.refresh_from_db()
    assert send(scene).status == ReferralStatus.SENT


def test_a_receiver_abroad_or_the_sender_itself_is_refused(world: World) -> None:
    scene = make_scene(world)
    for receiver, message in ((world.agency_b, "your country"), (world.agency_a, "itself")):
        with pytest.raises(ValidationError) as error:
            send(scene, receiver=receiver)
        assert message in " ".join(error.value.message_dict["receiver"])
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"measure_code": "", "service_type": ""}, "measure_code"),
        ({"measure_code": "sop9.nothing"}, "measure_code"),
        ({"service_type": "spa_weekend"}, "service_type"),
        ({"needs": ["accommodation", "pony"]}, "needs"),
        ({"urgency": "whenever"}, "urgency"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * (national.REASON_MAX + 1)}, "reason"),
        ({"receiver": None}, "receiver"),
    ],
)
def test_bad_input_is_refused_on_the_field(
    world: World, changes: dict[str, Any], field: str
) -> None:
    scene = make_scene(world)
    with pytest.raises(ValidationError) as error:
        send(scene, **changes)
    assert field in error.value.message_dict
    assert not Referral.objects.exists()


def test_a_measure_from_the_catalogue_is_accepted(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene, service_type="", measure_code="sop2.intake_needs_assessment")
    assert referral.measure_code == "sop2.intake_needs_assessment"


def test_a_second_open_referral_to_the_same_receiver_is_refused(world: World) -> None:
    scene = make_scene(world)
    send(scene)
    with pytest.raises(ValidationError) as error:
        send(scene)
    assert "already has an open referral" in " ".join(error.value.message_dict["receiver"])


def test_only_an_organisation_on_the_case_may_refer_it(world: World) -> None:
    scene = make_scene(world)
    other = world.actor(Role.CASEWORKER, org="b")
    with pytest.raises(PermissionDenied):
        send(scene, actor=other)
    with pytest.raises(PermissionDenied):
        send(scene, actor=world.actor(Role.INTERPRETER))


# --- the minimal offer ---------------------------------------------------------------------------


def test_the_receiver_sees_only_the_minimal_offer_before_accepting(world: World) -> None:
    scene = make_scene(world, groups=tuple(FieldGroup))
    referral = send(scene)
    client = client_for(scene.receiver)
    page = client.get(detail_url(referral)).content.decode()
    assert_nothing_identifying(page)
    assert referral.reference in page
    for shown in ("18 or over", "Female", "Albanian", "English", "Accommodation", "Urgent"):
        assert shown in page
    assert REASON in page
    # The sender's case number is not part of the offer (the reference looks alike).
    assert not re.search(r"(?<!REF-)" + re.escape(scene.case.number), page)
    assert case_url(scene.case) not in page
    inbox = client.get(reverse("referrals:referral_list")).content.decode()
    assert referral.reference in inbox
    assert_nothing_identifying(inbox)
    api = client.get(reverse("api-1:referrals_detail", args=[referral.public_id]))
    assert api.status_code == 200
    body = api.json()
    assert body["offer"]["age_band"] == "over_18"
    assert body["offer"]["languages"] == ["en", "sq"]
    assert body["case_public_id"] is None
    assert_nothing_identifying(json.dumps(body, ensure_ascii=False))
    listed = client.get(reverse("api-1:referrals_list")).json()
    assert listed["items"][0]["reference"] == referral.reference
    assert_nothing_identifying(json.dumps(listed, ensure_ascii=False))
    # Before accepting, the case itself stays out of reach.
    assert client.get(case_url(scene.case)).status_code == 404


def test_a_childs_offer_shows_the_age_band_not_the_birth_date(world: World) -> None:
    scene = make_scene(world)
    born = timezone.localdate() - timedelta(days=365 * 15)
    person = scene.case.person
    person_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=scene.case,
        expected_version=person.version,
        identity={"date_of_birth": born},
    )
    scene.case.refresh_from_db()
    referral = send(scene)
    page = client_for(scene.receiver).get(detail_url(referral)).content.decode()
    assert "Under 18" in page
    assert born.isoformat() not in page
    assert str(born.year) not in page.replace(referral.reference, "")


# --- accepting, and the gate from then on --------------------------------------------------------


def _post_step(client: Client, referral: Referral, step: str, **data: Any) -> Any:
    url = reverse(f"referrals:referral_{step}", args=[referral.public_id])
    return client.post(url, {"version": fresh(referral).version, **data})


def test_accepting_joins_the_case_and_shows_only_the_shared_groups(world: World) -> None:
    scene = make_scene(world, groups=(G.IDENTITY,))
    referral = send(scene)
    client = client_for(scene.receiver)
    assert _post_step(client, referral, "acknowledge").status_code == 302
    assert fresh(referral).status == ReferralStatus.ACKNOWLEDGED
    assert _post_step(client, referral, "accept").status_code == 302
    accepted = fresh(referral)
    assert accepted.status == ReferralStatus.ACCEPTED
    assert accepted.participant is not None
    assert accepted.participant.is_active
    assert accepted.participant.organisation == scene.shelter
    assert AuditEvent.objects.filter(
        event_type=EventType.PARTICIPANT_ADDED, detail__referral_id=referral.pk
    ).exists()
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_ACCEPTED).exists()
    page = client.get(case_url(scene.case)).content.decode()
    assert NAMES[0] in page  # identity: shared
    assert ADDRESS not in page  # contact: not allowed by the agreement
    detail = client.get(detail_url(referral)).content.decode()
    assert case_url(scene.case) in detail
    api = client.get(reverse("api-1:cases_detail", args=[scene.case.public_id])).json()
    assert api["identity"] is not None
    assert api["contact"] is None


def test_without_consent_an_accepting_receiver_sees_no_identity(world: World) -> None:
    scene = make_scene(world, consent=False)
    referral = send(scene)
    client = client_for(scene.receiver)
    _post_step(client, referral, "accept")
    response = client.get(case_url(scene.case))
    assert response.status_code == 200
    assert_nothing_identifying(response.content.decode())
    api = client.get(reverse("api-1:cases_detail", args=[scene.case.public_id])).json()
    assert api["identity"] is None
    assert api["contact"] is None


def test_withdrawing_consent_narrows_the_receivers_view_at_once(world: World) -> None:
    scene = make_scene(world, groups=(G.IDENTITY, G.CONTACT))
    referral = send(scene)
    client = client_for(scene.receiver)
    _post_step(client, referral, "accept")
    page = client.get(case_url(scene.case)).content.decode()
    assert NAMES[0] in page
    assert ADDRESS in page
    consent = ConsentRecord.objects.get(case=scene.case, purpose="share_data")
    consent_withdraw(actor=world.actor(Role.CASE_MANAGER), consent=consent)
    page = client.get(case_url(scene.case)).content.decode()
    assert_nothing_identifying(page)
    api = client.get(reverse("api-1:cases_detail", args=[scene.case.public_id])).json()
    assert api["identity"] is None
    assert api["contact"] is None
    detail = client.get(detail_url(referral)).content.decode()
    assert "only the minimal offer" in detail


def test_declining_needs_a_reason_and_gives_no_access(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    client = client_for(scene.receiver)
    url = reverse("referrals:referral_decline", args=[referral.public_id])
    assert client.get(url).status_code == 200
    response = _post_step(client, referral, "decline", reason="  ")
    assert response.status_code == 200
    assert "This field is required" in response.content.decode() or "Say why" in (
        response.content.decode()
    )
    assert fresh(referral).status == ReferralStatus.SENT
    response = _post_step(client, referral, "decline", reason="No place free this month.")
    assert response.status_code == 302
    declined = fresh(referral)
    assert declined.status == ReferralStatus.DECLINED
    assert declined.decline_reason == "No place free this month."
    assert client.get(case_url(scene.case)).status_code == 404
    assert not national.actions_for(scene.receiver, declined)


def test_the_service_refuses_a_decline_without_reason(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    with pytest.raises(ValidationError) as error:
        national.referral_decline(
            actor=scene.receiver, referral=referral, expected_version=referral.version, reason=""
        )
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        national.referral_decline(
            actor=scene.receiver,
            referral=referral,
            expected_version=referral.version,
            reason="x" * (national.REASON_MAX + 1),
        )
    assert error.value.message_dict["reason"] == ["Keep the reason under 2000 characters."]
    assert fresh(referral).status == ReferralStatus.SENT


def test_withdrawing_the_referral_removes_the_receivers_access_at_once(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    receiver = client_for(scene.receiver)
    _post_step(receiver, referral, "accept")
    assert receiver.get(case_url(scene.case)).status_code == 200
    sender = client_for(scene.sender)
    url = reverse("referrals:referral_withdraw", args=[referral.public_id])
    response = sender.post(url, {"version": fresh(referral).version, "reason": ""})
    assert response.status_code == 200
    assert fresh(referral).status == ReferralStatus.ACCEPTED
    response = _post_step(sender, referral, "withdraw", reason="The person moved on.")
    assert response.status_code == 302
    withdrawn = fresh(referral)
    assert withdrawn.status == ReferralStatus.WITHDRAWN
    assert withdrawn.withdrawal_reason == "The person moved on."
    assert withdrawn.participant is not None
    assert not withdrawn.participant.is_active
    assert receiver.get(case_url(scene.case)).status_code == 404
    assert receiver.get(reverse("api-1:cases_detail", args=[scene.case.public_id])).status_code == (
        404
    )
    assert AuditEvent.objects.filter(
        event_type=EventType.PARTICIPANT_REMOVED, detail__referral_id=referral.pk
    ).exists()


def test_a_final_referral_cannot_be_accepted(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    national.referral_decline(
        actor=scene.receiver, referral=referral, expected_version=referral.version, reason="Full."
    )
    with pytest.raises(ValidationError):
        national.referral_accept(
            actor=scene.receiver, referral=fresh(referral), expected_version=fresh(referral).version
        )
    assert not CaseParticipant.objects.filter(organisation=scene.shelter).exists()


# --- concurrency ---------------------------------------------------------------------------------


def test_a_stale_page_gets_a_conflict_message(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    stale = referral.version
    colleague = scene.receiver_member(Role.CASE_MANAGER)
    national.referral_acknowledge(actor=colleague, referral=fresh(referral), expected_version=stale)
    client = client_for(scene.receiver)
    url = reverse("referrals:referral_decline", args=[referral.public_id])
    page = client.post(url, {"version": stale, "reason": "Full."}).content.decode()
    assert "changed by" in page
    assert "Reload" in page
    assert fresh(referral).status == ReferralStatus.ACKNOWLEDGED
    response = client.post(
        reverse("referrals:referral_accept", args=[referral.public_id]),
        {"version": stale},
        follow=True,
    )
    assert "changed by" in response.content.decode()
    assert fresh(referral).status == ReferralStatus.ACKNOWLEDGED
    assert not CaseParticipant.objects.filter(organisation=scene.shelter).exists()
    with pytest.raises(ConflictError):
        national.referral_accept(actor=scene.receiver, referral=fresh(referral), expected_version=1)
    api = client.post(
        reverse("api-1:referrals_accept", args=[referral.public_id]),
        {"version": stale},
        content_type="application/json",
    )
    assert api.status_code == 409


# --- authorization -------------------------------------------------------------------------------


def test_a_third_organisation_is_told_the_referral_does_not_exist(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    third = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    for actor in (Actor(user=third.user, membership=third), world.actor(Role.CASEWORKER, org="b")):
        client = client_for(actor)
        assert client.get(detail_url(referral)).status_code == 404
        assert client.post(
            reverse("referrals:referral_accept", args=[referral.public_id]), {"version": 1}
        ).status_code == (404)
        api = client.get(reverse("api-1:referrals_detail", args=[referral.public_id]))
        assert api.status_code == 404
        listed = client.get(reverse("referrals:referral_list")).content.decode()
        assert referral.reference not in listed


def test_roles_without_the_action_or_on_the_wrong_side_are_refused(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    interpreter = client_for(scene.receiver_member(Role.INTERPRETER))
    assert interpreter.get(detail_url(referral)).status_code == 200  # may read, not act
    for step in ("acknowledge", "accept", "decline"):
        assert _post_step(interpreter, referral, step, reason="x").status_code == 403
    statistician = client_for(scene.receiver_member(Role.STATISTICIAN))
    assert statistician.get(detail_url(referral)).status_code == 403
    assert statistician.get(reverse("referrals:referral_list")).status_code == 403
    # The sender does not answer its own referral; the receiver does not withdraw it.
    sender = client_for(scene.sender)
    assert _post_step(sender, referral, "accept").status_code == 403
    receiver = client_for(scene.receiver)
    assert _post_step(receiver, referral, "withdraw", reason="x").status_code == 403
    api = receiver.post(
        reverse("api-1:referrals_withdraw", args=[referral.public_id]),
        {"version": fresh(referral).version, "reason": "x"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert fresh(referral).status == ReferralStatus.SENT
    # The interpreter of the sender may not refer.
    url = reverse("referrals:referral_create", args=[scene.case.public_id])
    assert client_for(world.actor(Role.INTERPRETER)).get(url).status_code == 403


# --- audit ---------------------------------------------------------------------------------------


def test_every_step_is_audited_without_personal_data(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    receiver = client_for(scene.receiver)
    receiver.get(detail_url(referral))
    receiver.get(reverse("referrals:referral_list"))
    _post_step(receiver, referral, "acknowledge")
    _post_step(receiver, referral, "accept")
    _post_step(client_for(scene.sender), referral, "withdraw", reason="The person moved on.")
    types = set(AuditEvent.objects.values_list("event_type", flat=True))
    for expected in (
        EventType.REFERRAL_SENT,
        EventType.REFERRAL_VIEWED,
        EventType.REFERRAL_LISTED,
        EventType.REFERRAL_ACKNOWLEDGED,
        EventType.REFERRAL_ACCEPTED,
        EventType.REFERRAL_WITHDRAWN,
        EventType.PARTICIPANT_ADDED,
        EventType.PARTICIPANT_REMOVED,
    ):
        assert expected in types
    listed = AuditEvent.objects.get(event_type=EventType.REFERRAL_LISTED)
    assert listed.detail["referral_ids"] == [referral.pk]
    referral_events = AuditEvent.objects.filter(event_type__startswith="REFERRAL_")
    text = json.dumps([e.detail for e in referral_events], ensure_ascii=False)
    text += json.dumps(
        [e.detail for e in AuditEvent.objects.filter(event_type__startswith="PARTICIPANT_")],
        ensure_ascii=False,
    )
    assert_nothing_identifying(text.replace(referral.reference, ""))
    assert REASON not in text
    assert "moved on" not in text


# --- the API -------------------------------------------------------------------------------------


def test_the_api_refers_acknowledges_accepts_and_withdraws(world: World) -> None:
    scene = make_scene(world)
    sender = client_for(scene.sender)
    preview = sender.get(
        reverse("api-1:referrals_preview"),
        {"case": str(scene.case.public_id), "receiver": str(scene.shelter.pk)},
    )
    assert preview.status_code == 200
    assert preview.json()["shared_groups"] == ["identity"]
    created = sender.post(
        reverse("api-1:referrals_create"),
        {
            "case_public_id": str(scene.case.public_id),
            "receiver_organisation_id": scene.shelter.pk,
            "reason": REASON,
            "service_type": "shelter",
            "needs": ["accommodation"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "sent"
    assert body["shared_groups"] == ["identity"]
    public_id = body["public_id"]
    receiver = client_for(scene.receiver)
    version = body["version"]
    for step in ("acknowledge", "accept"):
        response = receiver.post(
            reverse(f"api-1:referrals_{step}", args=[public_id]),
            {"version": version},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        version = response.json()["version"]
    assert response.json()["case_public_id"] == str(scene.case.public_id)
    refused = sender.post(
        reverse("api-1:referrals_withdraw", args=[public_id]),
        {"version": version, "reason": ""},
        content_type="application/json",
    )
    assert refused.status_code == 422
    withdrawn = sender.post(
        reverse("api-1:referrals_withdraw", args=[public_id]),
        {"version": version, "reason": "Found another place."},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert receiver.get(reverse("api-1:cases_detail", args=[scene.case.public_id])).status_code == (
        404
    )


def test_the_api_refuses_an_inactive_receiver_with_a_clear_message(world: World) -> None:
    scene = make_scene(world)
    Organisation.objects.filter(pk=scene.shelter.pk).update(is_active=False)
    response = client_for(scene.sender).post(
        reverse("api-1:referrals_create"),
        {
            "case_public_id": str(scene.case.public_id),
            "receiver_organisation_id": scene.shelter.pk,
            "reason": REASON,
            "service_type": "shelter",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "receiver"
    assert not Referral.objects.exists()
