"""Every way an organisation's place on a case ends writes ``PARTICIPANT_REMOVED`` (issue 10:
two of the four copies of "leave the case" wrote none, so a participant could disappear from a
case without a trace), and one open referral per case and receiver holds under concurrency.
Fictional data only."""

from __future__ import annotations

import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from conftest import World, build_world
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant
from opentrm.cases.services import participant_add, participant_remove
from opentrm.core.tests.threads import run_at_once
from opentrm.directory.models import Organisation
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import national
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.tests.test_exchange_link import arrive, created, sent_referral
from opentrm.referrals.tests.test_national import make_scene, send
from opentrm.referrals.tests.test_template import create, setup
from opentrm.referrals.tests.test_template import send as send_template

S = ReferralStatus


def removals(participant: CaseParticipant) -> int:
    return AuditEvent.objects.filter(
        event_type=EventType.PARTICIPANT_REMOVED, target_id=str(participant.pk)
    ).count()


def give_place(referral: Referral) -> CaseParticipant:
    """The receiver on the referral's case, its place linked to the referral (as an accepted
    referral within the country links it)."""
    assert referral.case is not None
    participant = CaseParticipant.objects.create(
        case=referral.case, organisation_id=referral.receiver_organisation_id
    )
    Referral.objects.filter(pk=referral.pk).update(participant=participant)
    referral.refresh_from_db()
    return participant


def test_the_owner_taking_an_organisation_off_the_case_is_audited(world: World) -> None:
    scene = make_scene(world)
    manager = world.actor(Role.CASE_MANAGER)
    participant = participant_add(actor=manager, case=scene.case, organisation=scene.shelter)
    participant_remove(actor=manager, participant=participant)
    assert not CaseParticipant.objects.get(pk=participant.pk).is_active
    assert removals(participant) == 1


@pytest.mark.parametrize("step", ["decline", "withdraw"])
def test_a_national_referral_declined_or_withdrawn_ends_the_place_audited(
    world: World, step: str
) -> None:
    scene = make_scene(world)
    referral = send(scene)
    participant = give_place(referral)
    if step == "decline":
        national.referral_decline(
            actor=scene.receiver, referral=referral, expected_version=referral.version, reason="x"
        )
    else:
        national.referral_withdraw(
            actor=scene.sender, referral=referral, expected_version=referral.version, reason="x"
        )
    assert not CaseParticipant.objects.get(pk=participant.pk).is_active
    assert removals(participant) == 1


@pytest.mark.parametrize("step", ["decline", "withdraw"])
def test_a_transnational_step_that_ends_the_place_is_audited(world: World, step: str) -> None:
    """Was ``transnational._step``: the place ended without an audit event."""
    s = setup(world)
    referral = send_template(s, create(s))
    participant = give_place(referral)
    actor = world.actor(Role.CASE_MANAGER, org="b" if step == "decline" else "a")
    tn.transnational_step(
        actor=actor,
        referral=referral,
        step=step,
        expected_version=referral.version,
        reason="Fictional reason",
    )
    assert not CaseParticipant.objects.get(pk=participant.pk).is_active
    event = AuditEvent.objects.get(
        event_type=EventType.PARTICIPANT_REMOVED, target_id=str(participant.pk)
    )
    assert event.detail["referral_id"] == referral.pk


def test_a_decline_reported_by_the_peer_node_ends_the_place_audited(world: World) -> None:
    """Was ``exchange_link._apply_status``: the place ended without an audit event."""
    ro = peer("RO")
    _s, referral = sent_referral(world)
    participant = give_place(referral)
    body = {
        "reference": referral.reference,
        "status": "declined",
        "at": "2026-01-01T10:00:00Z",
        "decline_reason": "Fictional reason",
    }
    arrive(ro, "status_update", body)
    referral.refresh_from_db()
    assert referral.status == S.DECLINED
    assert referral.decline_reason == "Fictional reason"
    assert not CaseParticipant.objects.get(pk=participant.pk).is_active
    assert removals(participant) == 1


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_withdrawal_reported_by_the_sending_node_ends_the_place_audited(world: World) -> None:
    """The receiving side of the exchange: the sender's node withdrew its referral."""
    from opentrm.exchange.models import OutboxMessage

    peer("RO")
    _s, original = sent_referral(world)
    (message,) = OutboxMessage.objects.filter(type="referral")
    al = peer("AL")
    incoming = created(arrive(al, "referral", message.body))
    incoming.case = original.case
    incoming.save(update_fields=["case"])
    participant = give_place(incoming)
    body = {
        "reference": original.reference,
        "status": "withdrawn",
        "at": "2026-01-01T10:00:00Z",
        "receiver_reference": incoming.reference,
    }
    arrive(al, "status_update", body)
    incoming.refresh_from_db()
    assert incoming.status == S.WITHDRAWN
    assert not CaseParticipant.objects.get(pk=participant.pk).is_active
    assert removals(participant) == 1


# --- one open referral per case and receiver ---------------------------------------------------


def test_the_database_refuses_a_second_open_referral_within_the_country(world: World) -> None:
    scene = make_scene(world)
    first = send(scene)
    second = Referral.objects.create(
        reference="REF-AL-2026-990001",
        kind=first.kind,
        case=scene.case,
        sender_organisation=world.agency_a,
        receiver_country="AL",
        receiver_organisation=scene.shelter,
    )  # a draft is not open
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=second.pk).update(status=S.SENT)
    # closed, declined, withdrawn or forwarded ones do not count
    Referral.objects.filter(pk=first.pk).update(status=S.WITHDRAWN)
    Referral.objects.filter(pk=second.pk).update(status=S.SENT)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_yield_one_open_referral(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both sends pass the service's check before either writes (a barrier holds them there);
    the database lets one through and the other gets the usual message."""
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite serialises every writer")
    scene = make_scene(build_world())
    barrier = threading.Barrier(2, timeout=30)
    preview = national.preview

    def preview_after_both_checked(case: Case, receiver: Organisation) -> national.Preview:
        barrier.wait()  # both threads found no open referral
        return preview(case, receiver)

    monkeypatch.setattr(national, "preview", preview_after_both_checked)
    outcomes = run_at_once(lambda: send(scene), 2)
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(outcomes) == 2
    assert len(refused) == 1, outcomes
    assert refused[0].message_dict == {
        "receiver": ["This case already has an open referral to this organisation."]
    }
    assert (
        Referral.objects.filter(
            case=scene.case, receiver_organisation=scene.shelter, status__in=["sent"]
        ).count()
        == 1
    )
