"""The agreements services' remaining refusals and edge cases: scope against the parties'
countries, signatures, amendments, terminations, data-flow approval and meeting reminders.
Each refusal leaves nothing written (``refused``); each change is audited."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.agreements import selectors, services
from opentrm.agreements.models import Agreement, DataFlow, Meeting
from opentrm.agreements.tests.factories import editor, flow, make_agreement, sign_as, update_draft
from opentrm.agreements.tests.test_bad_input import refused
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Country, Organisation, OrganisationType


def _agreement(world: World, scope: str) -> Agreement:
    return services.agreement_create(
        actor=editor(world), title="Fictional MoU", type="mou", scope=scope
    )


def _third_country_agency() -> Organisation:
    return Organisation.objects.create(
        country=Country.objects.create(code="BG"),
        name="Agency D Fictional",
        type=OrganisationType.NGO,
        city="Fictiva",
    )


def _terminate(world: World, agreement: Agreement) -> None:
    services.agreement_terminate(
        actor=editor(world),
        agreement=agreement,
        expected_version=Agreement.objects.get(pk=agreement.pk).version,
        terminated_on=timezone.localdate(),
        reason="Ended",
    )


def _last(event_type: EventType) -> AuditEvent:
    return AuditEvent.objects.filter(event_type=event_type).latest("sequence")


# --- scope against the parties' countries -------------------------------------------------------


def test_a_national_agreement_refuses_a_party_from_another_country(world: World) -> None:
    agreement = _agreement(world, "national")

    with refused("organisation", "all in one country"):
        services.party_add(actor=editor(world), agreement=agreement, organisation=world.agency_b)


def test_a_bilateral_agreement_refuses_a_party_from_a_third_country(world: World) -> None:
    agreement = make_agreement(world)
    third = _third_country_agency()

    with refused("organisation", "exactly two countries"):
        services.party_add(actor=editor(world), agreement=agreement, organisation=third)


def test_a_multilateral_agreement_is_not_signed_with_parties_in_two_countries(
    world: World,
) -> None:
    agreement = _agreement(world, "multilateral")
    services.party_add(actor=editor(world), agreement=agreement, organisation=world.agency_b)

    with refused("__all__", "more than two countries"):
        sign_as(world, agreement)


def test_the_scope_of_a_draft_cannot_become_national_across_two_countries(world: World) -> None:
    agreement = make_agreement(world)

    with refused("scope", "all in one country"):
        update_draft(world, agreement, scope="national")
    assert Agreement.objects.get(pk=agreement.pk).scope == "bilateral"


def test_the_scope_of_a_first_draft_changes_when_it_still_fits_the_parties(world: World) -> None:
    agreement = make_agreement(world)  # agencies A and B: two countries

    update_draft(world, agreement, scope="multilateral")  # a third country may still join

    assert Agreement.objects.get(pk=agreement.pk).scope == "multilateral"
    assert "scope" in _last(EventType.AGREEMENT_CHANGED).changed_fields


def test_an_inactive_organisation_cannot_become_a_party(world: World) -> None:
    agreement = make_agreement(world)
    closed = _third_country_agency()
    Organisation.objects.filter(pk=closed.pk).update(is_active=False)
    closed.refresh_from_db()

    with refused("organisation", "active organisation"):
        services.party_add(actor=editor(world), agreement=agreement, organisation=closed)


# --- signatures, amendments, termination --------------------------------------------------------


def test_a_terminated_agreement_is_neither_signed_nor_amended_nor_terminated_again(
    world: World,
) -> None:
    agreement = make_agreement(world)
    _terminate(world, agreement)

    with refused("__all__", "can no longer be signed"):
        sign_as(world, agreement)
    with refused("__all__", "can no longer be amended"):
        services.agreement_amend(actor=editor(world), agreement=agreement)
    with refused("__all__", "already been terminated"):
        _terminate(world, agreement)


def test_it_refuses_signatures_of_a_superseded_version(world: World) -> None:
    agreement = make_agreement(world, sign=True)
    services.agreement_amend(actor=editor(world), agreement=agreement)

    with refused("version", "superseded by version 2"):
        sign_as(world, agreement, version_number=1)


def test_it_refuses_a_signature_with_everything_wrong_at_once_and_names_each_field(
    world: World,
) -> None:
    agreement = _agreement(world, "bilateral")  # agency A alone: no second party yet
    for field, message in [
        ("__all__", "at least two parties"),
        ("signed_on", "in the future"),
        ("signed_by", "who signed"),
        ("kind", "signature or acknowledgement"),
    ]:
        with refused(field, message):
            services.signature_record(
                actor=editor(world),
                agreement=agreement,
                version_number=1,
                organisation_id=world.agency_a.pk,
                signed_on=timezone.localdate() + timedelta(days=1),
                signed_by="  ",
                kind="stamp",
            )


def test_a_party_signs_a_version_once(world: World) -> None:
    agreement = make_agreement(world)
    sign_as(world, agreement)

    with refused("party", "already signed"):
        sign_as(world, agreement, by="Someone else")


def test_an_unsigned_draft_is_changed_not_amended(world: World) -> None:
    agreement = make_agreement(world)

    with refused("__all__", "not signed by every party yet"):
        services.agreement_amend(actor=editor(world), agreement=agreement)


def test_an_agreement_cannot_end_before_it_was_signed(world: World) -> None:
    signed = timezone.localdate() - timedelta(days=10)
    agreement = make_agreement(world, sign=True, signed_on=signed)

    with refused("terminated_on", "before it was signed"):
        services.agreement_terminate(
            actor=editor(world),
            agreement=agreement,
            expected_version=Agreement.objects.get(pk=agreement.pk).version,
            terminated_on=signed - timedelta(days=1),
            reason="Backdated",
        )


# --- data flows: who approves what --------------------------------------------------------------


def _flow(agreement: Agreement) -> DataFlow:
    return DataFlow.objects.filter(version__agreement=agreement).latest("version__number")


def test_setting_the_same_flow_again_changes_and_audits_nothing(world: World) -> None:
    agreement = make_agreement(world)
    flow(world, agreement, world.agency_b, ["identity", "contact"])
    before = AuditEvent.objects.count()

    flow(world, agreement, world.agency_b, ["contact", "identity"])

    assert AuditEvent.objects.count() == before


def test_the_receiver_narrowing_a_flow_keeps_the_senders_approval_of_what_remains(
    world: World,
) -> None:
    agreement = make_agreement(world)
    flow(world, agreement, world.agency_b, ["identity", "contact"])
    approver = _flow(agreement).approved_by

    services.flow_set(
        actor=editor(world, "b"),
        agreement=agreement,
        sender_id=world.agency_a.pk,
        receiver_id=world.agency_b.pk,
        categories=["contact"],
    )

    narrowed = _flow(agreement)
    assert (narrowed.categories, narrowed.approved_categories) == (["contact"], ["contact"])
    assert narrowed.approved_by == approver
    assert _last(EventType.AGREEMENT_FLOW_CHANGED).detail["pending"] == []


def _proposed(world: World) -> Agreement:
    """A flow from A to B proposed by B (so nothing of it approved yet)."""
    agreement = make_agreement(world)
    services.flow_set(
        actor=editor(world, "b"),
        agreement=agreement,
        sender_id=world.agency_a.pk,
        receiver_id=world.agency_b.pk,
        categories=["identity", "health"],
    )
    assert _flow(agreement).approved_categories == []
    return agreement


def _approve(
    world: World,
    agreement: Agreement,
    org: str = "a",
    *,
    version_number: int = 1,
    receiver: Organisation | None = None,
    categories: list[str] | None = None,
) -> DataFlow:
    return services.flow_approve(
        actor=editor(world, org),
        agreement=agreement,
        version_number=version_number,
        sender_id=world.agency_a.pk,
        receiver_id=(receiver or world.agency_b).pk,
        categories=categories,
    )


def test_the_sender_approves_a_proposed_flow_as_it_saw_it_and_it_is_audited(world: World) -> None:
    agreement = _proposed(world)

    approved = _approve(world, agreement, categories=["health", "identity"])

    assert approved.approved_categories == ["health", "identity"]
    assert approved.pending_categories == []
    assert approved.approved_by == world.user(Role.CASE_MANAGER, org="a")
    event = _last(EventType.AGREEMENT_FLOW_CHANGED)
    assert event.detail["newly_approved"] == ["health", "identity"]
    assert event.detail["sender_id"] == world.agency_a.pk
    before = AuditEvent.objects.count()
    _approve(world, agreement)  # nothing left to approve: no change, no event
    assert AuditEvent.objects.count() == before


def test_the_receiver_cannot_approve_for_the_sender_and_the_attempt_is_audited(
    world: World,
) -> None:
    agreement = _proposed(world)

    with pytest.raises(PermissionDenied):
        _approve(world, agreement, org="b")

    assert _flow(agreement).approved_categories == []
    denied = _last(EventType.ACCESS_DENIED)
    assert denied.detail["organisation_id"] == world.agency_a.pk
    assert denied.actor_id == world.user(Role.CASE_MANAGER, org="b").pk


def test_approval_refuses_a_flow_changed_meanwhile_another_version_or_a_missing_flow(
    world: World,
) -> None:
    agreement = _proposed(world)

    with refused("__all__", "changed this data flow meanwhile"):
        _approve(world, agreement, categories=["identity"])
    with refused("version", "current or the governing version"):
        _approve(world, agreement, version_number=2)
    with refused("__all__", "no such data flow"):
        _approve(world, agreement, receiver=world.agency_c)
    assert _flow(agreement).approved_categories == []


def test_no_flow_of_a_terminated_agreement_is_approved(world: World) -> None:
    agreement = _proposed(world)
    _terminate(world, agreement)

    with refused("__all__", "its flows can no longer change"):
        _approve(world, agreement)


# --- meetings -----------------------------------------------------------------------------------


def _meeting(world: World, agreement: Agreement, days: int = 3) -> Meeting:
    return services.meeting_schedule(
        actor=editor(world),
        agreement=agreement,
        held_on=timezone.localdate() + timedelta(days=days),
        subject="Annual review",
    )


def test_meetings_refuse_a_terminated_agreement_a_blank_subject_or_reason(world: World) -> None:
    agreement = make_agreement(world, sign=True)
    meeting = _meeting(world, agreement)
    day = timezone.localdate()

    with refused("subject", "what the meeting is about"):
        services.meeting_schedule(
            actor=editor(world), agreement=agreement, held_on=day, subject="  "
        )
    with refused("reason", "reason for cancelling"):
        services.meeting_cancel(
            actor=editor(world), agreement=agreement, meeting_id=meeting.pk, reason=" "
        )
    with refused("__all__", "no longer exists"):
        services.meeting_cancel(
            actor=editor(world), agreement=agreement, meeting_id=meeting.pk + 99, reason="Gone"
        )
    _terminate(world, agreement)
    with refused("__all__", "schedule no more meetings"):
        services.meeting_schedule(
            actor=editor(world), agreement=agreement, held_on=day, subject="Late"
        )
    assert list(Meeting.objects.live().filter(agreement=agreement)) == [meeting]


def test_recipients_without_an_address_are_counted_not_mailed(world: World) -> None:
    agreement = make_agreement(world, sign=True)
    _meeting(world, agreement)
    User.objects.filter(pk=world.user(Role.CASE_MANAGER, org="b").pk).update(email="")

    result = services.meeting_reminders_send()

    assert (result.meetings, result.emails, result.no_address) == (1, 3, 1)
    assert len(mail.outbox) == 3


def test_a_meeting_whose_reminders_all_failed_is_tried_again_next_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    agreement = make_agreement(world, sign=True)
    meeting = _meeting(world, agreement)

    def refuse(self: EmailBackend, messages: list[object]) -> int:
        raise OSError("mail server down")

    with monkeypatch.context() as down:
        down.setattr(EmailBackend, "send_messages", refuse)
        result = services.meeting_reminders_send()

    assert (result.meetings, result.emails, result.failed) == (0, 0, 4)
    meeting.refresh_from_db()
    assert meeting.reminded_on is None
    assert _last(EventType.AGREEMENT_MEETING_REMINDERS_SENT).detail == {
        "meetings": 0,
        "emails": 0,
        "failed": 4,
    }
    assert services.meeting_reminders_send().emails == 4
    meeting.refresh_from_db()
    assert meeting.reminded_on == timezone.localdate()


def test_two_overlapping_runs_send_each_reminder_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    agreement = make_agreement(world, sign=True)
    _meeting(world, agreement)
    due = selectors.meetings_due
    second: list[services.MeetingReminderResult] = []

    def overlapping(start: date, end: date) -> list[Meeting]:
        found = list(due(start, end))  # the first run has its list: the second runs now
        monkeypatch.setattr(selectors, "meetings_due", due)
        second.append(services.meeting_reminders_send())
        return found

    monkeypatch.setattr(selectors, "meetings_due", overlapping)
    first = services.meeting_reminders_send()

    assert (first.meetings, first.emails) == (0, 0)
    assert (second[0].meetings, second[0].emails) == (1, 4)
    assert len(mail.outbox) == 4
