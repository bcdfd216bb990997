from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.agreements import selectors, services, states
from opentrm.agreements.models import AgreementVersion
from opentrm.agreements.states import Status
from opentrm.agreements.tests.factories import editor, make_agreement, sign_all, sign_as
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent


def status_of(agreement_id: int, days: int = 0) -> Status:
    agreement = selectors.agreement_detail(agreement_id)
    return states.status(agreement, timezone.localdate() + timedelta(days=days))


def test_it_is_a_draft_until_every_party_has_signed(world: World) -> None:
    agreement = make_agreement(world)
    assert status_of(agreement.pk) == Status.DRAFT
    sign_as(world, agreement, by="Director A")
    assert status_of(agreement.pk) == Status.DRAFT

    sign_as(world, agreement, "b", by="Director B")
    assert status_of(agreement.pk) == Status.IN_FORCE
    event = (
        AuditEvent.objects.filter(event_type=EventType.AGREEMENT_SIGNED).order_by("sequence").last()
    )
    assert event is not None
    assert event.detail["all_parties_signed"] is True


def test_the_creating_organisation_is_the_first_party_and_the_mou_is_not_binding(
    world: World,
) -> None:
    agreement = make_agreement(world)
    version = AgreementVersion.objects.get(agreement=agreement)
    assert [p.organisation_id for p in version.parties.order_by("id")] == [
        world.agency_a.pk,
        world.agency_b.pk,
    ]
    assert version.is_binding is False


def test_it_is_not_yet_valid_before_valid_from_and_expires_after_valid_until(
    world: World,
) -> None:
    today = timezone.localdate()
    agreement = make_agreement(
        world,
        sign=True,
        valid_from=today + timedelta(days=3),
        valid_until=today + timedelta(days=10),
    )
    assert status_of(agreement.pk) == Status.NOT_YET_VALID
    assert status_of(agreement.pk, days=3) == Status.IN_FORCE
    assert status_of(agreement.pk, days=10) == Status.IN_FORCE
    assert status_of(agreement.pk, days=11) == Status.EXPIRED


def test_an_amendment_needs_every_party_again_while_the_old_version_governs(
    world: World,
) -> None:
    agreement = make_agreement(world, sign=True)
    new = services.agreement_amend(actor=editor(world), agreement=agreement, note="Adds health")
    assert new.number == 2
    fresh = selectors.agreement_detail(agreement.pk)
    summary = states.summary(fresh, timezone.localdate())
    assert summary.status == Status.AMENDMENT_PENDING
    assert summary.governing is not None
    assert summary.governing.number == 1
    assert summary.party_count == 2
    assert summary.signed_count == 0

    services.agreement_update(
        actor=editor(world),
        agreement=agreement,
        expected_version=new.version,
        changes={"purpose": "Amended purpose."},
    )
    sign_all(world, agreement, on=timezone.localdate())
    fresh = selectors.agreement_detail(agreement.pk)
    governing = states.governing_version(fresh, timezone.localdate())
    assert governing is not None
    assert governing.number == 2
    assert governing.purpose == "Amended purpose."
    assert states.status(fresh, timezone.localdate()) == Status.IN_FORCE
    assert AuditEvent.objects.filter(event_type=EventType.AGREEMENT_AMENDED).count() == 1


def test_the_amendment_copies_parties_flows_and_officers(world: World) -> None:
    agreement = make_agreement(
        world, sign=True, flows={(world.agency_a, world.agency_b): [FieldGroup.IDENTITY]}
    )
    new = services.agreement_amend(actor=editor(world), agreement=agreement)
    assert new.parties.count() == 2
    [flow] = new.flows.all()
    assert flow.categories == ["identity"]
    assert flow.sender.version_id == new.pk


def test_termination_ends_it_from_its_date(world: World) -> None:
    agreement = make_agreement(world, sign=True)
    today = timezone.localdate()
    services.agreement_terminate(
        actor=editor(world),
        agreement=agreement,
        expected_version=agreement.version,
        terminated_on=today + timedelta(days=2),
        reason="Replaced by a national protocol.",
    )
    assert status_of(agreement.pk) == Status.IN_FORCE
    assert status_of(agreement.pk, days=2) == Status.TERMINATED
    [event] = AuditEvent.objects.filter(event_type=EventType.AGREEMENT_TERMINATED)
    assert "Replaced" not in str(event.detail)


def test_a_stale_termination_form_is_refused(world: World) -> None:
    from opentrm.core.errors import ConflictError

    agreement = make_agreement(world, sign=True)
    with pytest.raises(ConflictError):
        services.agreement_terminate(
            actor=editor(world),
            agreement=agreement,
            expected_version=agreement.version + 5,
            terminated_on=timezone.localdate(),
            reason="Stale form.",
        )


def test_a_stale_draft_form_is_refused(world: World) -> None:
    from opentrm.core.errors import ConflictError

    agreement = make_agreement(world)
    draft = AgreementVersion.objects.get(agreement=agreement)
    services.agreement_update(
        actor=editor(world),
        agreement=agreement,
        expected_version=draft.version,
        changes={"principles": "First editor."},
    )
    with pytest.raises(ConflictError):
        services.agreement_update(
            actor=editor(world, "b"),
            agreement=agreement,
            expected_version=draft.version,
            changes={"principles": "Second editor."},
        )
    draft.refresh_from_db()
    assert draft.principles == "First editor."


def test_audit_events_hold_no_text_of_the_agreement_nor_the_signers_name(world: World) -> None:
    make_agreement(
        world, sign=True, flows={(world.agency_a, world.agency_b): [FieldGroup.IDENTITY]}
    )
    events = AuditEvent.objects.filter(event_type__startswith="AGREEMENT_")
    assert {e.event_type for e in events} >= {
        EventType.AGREEMENT_CREATED,
        EventType.AGREEMENT_PARTY_ADDED,
        EventType.AGREEMENT_FLOW_CHANGED,
        EventType.AGREEMENT_SIGNED,
    }
    for event in events:
        text = str(event.detail)
        assert "Director" not in text
        assert "Cooperate" not in text
