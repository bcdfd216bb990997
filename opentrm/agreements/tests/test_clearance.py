"""SOP-P12 / DP-60: law enforcement enters cooperation agreements only with organisations that
have a valid security clearance (issue 14)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from opentrm.agreements import selectors, states
from opentrm.agreements.models import Signature
from opentrm.agreements.tests.factories import make_agreement, sign_all
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import ClearanceLevel, Organisation, OrganisationType

REFUSAL = "Law enforcement enters cooperation agreements only with organisations that"


def _police(world: World) -> Organisation:
    return Organisation.objects.create(
        country=world.country_a,
        name="Fictional anti-trafficking police unit",
        type=OrganisationType.ANTI_TRAFFICKING_POLICE,
    )


def _ngo(world: World, **clearance: object) -> Organisation:
    return Organisation.objects.create(
        country=world.country_a,
        name="Fictional NGO Helping Hands",
        type=OrganisationType.NGO,
        **clearance,
    )


def test_an_agreement_of_the_police_with_an_uncleared_ngo_is_not_signed(world: World) -> None:
    ngo = _ngo(world)
    agreement = make_agreement(world, others=[_police(world), ngo])
    with pytest.raises(ValidationError) as refused:
        sign_all(world, agreement)
    message = " ".join(refused.value.messages)
    assert REFUSAL in message
    assert "Fictional NGO Helping Hands" in message
    assert not Signature.objects.exists()
    event = AuditEvent.objects.get(event_type=EventType.GUARD_BLOCKED)
    assert event.detail["guard"] == "SOP-P12"
    assert event.detail["organisation_ids"] == [ngo.pk]
    assert event.detail["agreement_id"] == agreement.pk


def test_an_expired_clearance_counts_as_none(world: World) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    ngo = _ngo(world, clearance_level=ClearanceLevel.RESTRICTED, clearance_expires_on=yesterday)
    agreement = make_agreement(world, others=[_police(world), ngo])
    with pytest.raises(ValidationError):
        sign_all(world, agreement, on=timezone.localdate())


def test_a_cleared_ngo_signs_with_the_police(world: World) -> None:
    ngo = _ngo(world, clearance_level=ClearanceLevel.CONFIDENTIAL)
    agreement = make_agreement(world, others=[_police(world), ngo])
    sign_all(world, agreement)
    latest = states.latest_version(selectors.agreement_detail(agreement.pk))
    assert states.signed_on(latest) is not None
    assert not AuditEvent.objects.filter(event_type=EventType.GUARD_BLOCKED).exists()


def test_an_agreement_without_law_enforcement_needs_no_clearance(world: World) -> None:
    agreement = make_agreement(world, others=[_ngo(world)])
    sign_all(world, agreement)
    latest = states.latest_version(selectors.agreement_detail(agreement.pk))
    assert states.signed_on(latest) is not None
