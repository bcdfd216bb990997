"""Refusals of the transnational referral: each leaves the referral and its template unchanged
and writes no audit event; the user gets the message saying why."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import (
    FollowUpReport,
    Referral,
    ReferralKind,
    ReferralStatus,
    TemplateInstance,
)
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.tests.test_template import (
    create,
    instance,
    receiver,
    send,
    sender,
    setup,
    step,
)


def outsider(world: World) -> Actor:
    membership = make_member(world.agency_c, Role.CASE_MANAGER, "c_outsider")
    return Actor(user=membership.user, membership=membership)


def events() -> int:
    return AuditEvent.objects.count()


def test_an_unknown_urgency_or_a_foreign_intended_organisation_is_refused(world: World) -> None:
    s = setup(world)
    before = events()
    with pytest.raises(ValidationError) as error:
        tn.transnational_create(
            actor=sender(world), case=s.case, country_code="RO", urgency="whenever"
        )
    assert error.value.message_dict == {"urgency": ["Unknown urgency."]}
    with pytest.raises(ValidationError) as error:
        tn.transnational_create(
            actor=sender(world), case=s.case, country_code="RO", intended=world.agency_c
        )
    assert error.value.message_dict == {
        "intended": ["The organisation asked for is not in the receiving country."]
    }
    assert not Referral.objects.exists()
    assert events() == before


def test_an_organisation_outside_the_referral_may_not_edit_send_or_step(world: World) -> None:
    s = setup(world)
    referral = create(s)
    row = instance(referral)
    other = outsider(world)
    before = events()
    with pytest.raises(PermissionDenied):
        tn.template_update(
            actor=other,
            referral=referral,
            expected_version=row.version,
            values={"s1_1.place_of_birth": "Fictograd"},
        )
    assert tn.available_steps(other, referral) == []
    # the receiver may not send the sender's draft
    with pytest.raises(PermissionDenied):
        tn.transnational_send(
            actor=receiver(world), referral=referral, expected_version=referral.version
        )
    assert instance(referral).data == row.data
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT
    assert events() == before


def test_a_field_the_template_does_not_have_is_refused_and_nothing_is_written(
    world: World,
) -> None:
    s = setup(world)
    referral = create(s)
    row = instance(referral)
    before = events()
    with pytest.raises(ValidationError) as error:
        tn.template_update(
            actor=sender(world),
            referral=referral,
            expected_version=row.version,
            values={"s99.invented": "x", "s1_1.place_of_birth": "Fictograd"},
        )
    assert error.value.message_dict == {"s99.invented": ["The template has no such field."]}
    assert instance(referral).data == row.data
    assert events() == before


def test_a_referral_without_its_template_is_refused(world: World) -> None:
    s = setup(world)
    referral = create(s)
    TemplateInstance.objects.filter(referral=referral).delete()
    before = events()
    with pytest.raises(ValidationError) as error:
        tn.template_update(
            actor=sender(world),
            referral=referral,
            expected_version=1,
            values={"s1_1.place_of_birth": "Fictograd"},
        )
    assert error.value.messages == ["This referral has no template."]
    assert events() == before


def test_sending_a_referral_of_another_kind_as_transnational_is_refused(world: World) -> None:
    s = setup(world)
    referral = create(s)
    Referral.objects.filter(pk=referral.pk).update(kind=ReferralKind.NATIONAL)
    before = events()
    with pytest.raises(ValidationError) as error:
        send(s, referral)
    assert error.value.messages == ["This referral has no template."]
    with pytest.raises(PermissionDenied):
        step(world, referral, "accept")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT
    assert events() == before


def test_sending_to_an_organisation_no_longer_active_is_refused(world: World) -> None:
    s = setup(world)
    referral = create(s)
    world.agency_b.is_active = False
    world.agency_b.save(update_fields=["is_active"])
    before = events()
    with pytest.raises(ValidationError) as error:
        send(s, referral)
    assert error.value.messages == ["The receiving organisation is no longer active."]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT
    assert events() == before


def test_an_unknown_step_and_a_decline_without_reason_are_refused(world: World) -> None:
    s = setup(world)
    referral = send(s, create(s))
    before = events()
    with pytest.raises(ValidationError) as error:
        step(world, referral, "teleport")
    assert error.value.messages == ["Unknown step."]
    with pytest.raises(ValidationError) as error:
        step(world, referral, "decline", reason="   ")
    assert error.value.message_dict["reason"] == ["Give the reason."]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert events() == before


def _report(world: World, referral: Referral, actor: Actor | None = None, **kwargs: object) -> None:
    referral.refresh_from_db()
    arguments: dict[str, object] = {
        "reported_on": timezone.localdate(),
        "values": {},
        "summary": "",
        **kwargs,
    }
    tn.follow_up_add(actor=actor or receiver(world), referral=referral, **arguments)  # type: ignore[arg-type]


def test_follow_up_reports_are_refused_until_accepted_and_to_the_sender(world: World) -> None:
    s = setup(world)
    referral = send(s, create(s))
    before = events()
    with pytest.raises(ValidationError) as error:
        _report(world, referral, summary="Early.")
    assert error.value.messages == ["Follow-up reports are added once the referral is accepted."]
    step(world, referral, "accept")
    before = events()
    with pytest.raises(PermissionDenied):
        _report(world, referral, actor=sender(world), summary="Not mine to report.")
    assert not FollowUpReport.objects.filter(referral=referral).exists()
    assert events() == before


def test_a_bad_follow_up_report_is_refused_field_by_field(world: World) -> None:
    s = setup(world)
    referral = send(s, create(s))
    step(world, referral, "accept")
    before = events()
    row = instance(referral)
    with pytest.raises(ValidationError) as error:
        _report(
            world,
            referral,
            reported_on=timezone.localdate() + timedelta(days=1),
            values={
                "s1_1.place_of_birth": "Not a follow-up field",
                "s6_2.job_placement": {"offered": "perhaps"},
            },
        )
    errors = error.value.message_dict
    assert errors["reported_on"] == ["The date is in the future."]
    assert errors["s1_1.place_of_birth"] == ["You may not report this field."]
    assert "s6_2.job_placement" in errors
    with pytest.raises(ValidationError) as error:
        _report(world, referral, values={"s7_2.case_initiated": ""}, summary="  ")
    assert error.value.message_dict == {"__all__": ["The report is empty."]}
    assert instance(referral).data == row.data
    assert events() == before
