"""Bad input gets a message on the field, and nothing is written."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World
from opentrm.agreements import services
from opentrm.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementVersion,
    DataFlow,
    Signature,
)
from opentrm.agreements.tests.factories import editor, flow, make_agreement, sign_as, update_draft
from opentrm.audit.models import AuditEvent


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Agreement, AgreementVersion, AgreementParty, DataFlow, Signature, AuditEvent)
    )


@contextmanager
def refused(field: str, contains: str) -> Iterator[None]:
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        yield
    messages = caught.value.message_dict
    assert field in messages, messages
    assert any(contains in message for message in messages[field]), messages
    assert _counts() == before


@pytest.mark.parametrize(("title", "scope"), [("Backwards", "national"), ("MoU", "bilateral")])
def test_validity_ending_before_it_starts(world: World, title: str, scope: str) -> None:
    today = timezone.localdate()
    with refused("valid_until", "cannot end before it starts"):
        services.agreement_create(
            actor=editor(world),
            title=title,
            type="mou",
            scope=scope,
            content={"valid_from": today, "valid_until": today - timedelta(days=1)},
        )


def test_unknown_type_and_empty_title(world: World) -> None:
    with refused("type", "Pick a type"):
        services.agreement_create(actor=editor(world), title="", type="treaty", scope="national")


def test_a_party_twice(world: World) -> None:
    agreement = make_agreement(world)
    with refused("organisation", "already a party"):
        services.party_add(actor=editor(world), agreement=agreement, organisation=world.agency_b)


@pytest.mark.parametrize(
    ("catalogue", "field"),
    [
        ({"procedures": ["sop1"], "measures": ["sop9.nothing"]}, "measures"),
        ({"procedures": ["no.such.procedure"]}, "procedures"),
    ],
)
def test_unknown_procedure_or_measure(world: World, catalogue: dict[str, Any], field: str) -> None:
    agreement = make_agreement(world)
    with refused(field, "TRM catalogue"):
        services.party_add(
            actor=editor(world), agreement=agreement, organisation=world.agency_c, **catalogue
        )


def test_a_flow_between_non_parties(world: World) -> None:
    agreement = make_agreement(world)
    with refused("receiver", "must be a party"):
        flow(world, agreement, world.agency_c, ["identity"])


def test_a_flow_with_an_unknown_category(world: World) -> None:
    agreement = make_agreement(world)
    with refused("categories", "data categories"):
        flow(world, agreement, world.agency_b, ["bank_details"])


def test_a_signature_for_a_non_party_is_refused(world: World) -> None:
    agreement = make_agreement(world)
    with pytest.raises(PermissionDenied):  # nobody signs for another organisation
        sign_as(world, agreement, organisation=world.agency_c)


def test_a_signature_dated_in_the_future(world: World) -> None:
    agreement = make_agreement(world)
    with refused("signed_on", "future"):
        sign_as(world, agreement, on=timezone.localdate() + timedelta(days=1))


def test_signing_a_superseded_version(world: World) -> None:
    agreement = make_agreement(world, sign=True)
    services.agreement_amend(actor=editor(world), agreement=agreement)
    with refused("version", "superseded by version 2"):
        sign_as(world, agreement)


def test_signing_twice(world: World) -> None:
    agreement = make_agreement(world)
    sign_as(world, agreement)
    with refused("party", "already signed"):
        sign_as(world, agreement)


def test_editing_a_version_that_has_signatures(world: World) -> None:
    agreement = make_agreement(world)
    sign_as(world, agreement)
    with refused("__all__", "has signatures"):
        update_draft(world, agreement, purpose="Changed after signing")
    with refused("__all__", "has signatures"):
        services.party_add(actor=editor(world), agreement=agreement, organisation=world.agency_c)
    with refused("__all__", "has signatures"):
        flow(world, agreement, world.agency_b, ["identity"])


def test_amending_a_draft(world: World) -> None:
    agreement = make_agreement(world)
    with refused("__all__", "not signed by every party"):
        services.agreement_amend(actor=editor(world), agreement=agreement)


def test_terminating_without_reason_or_before_signature(world: World) -> None:
    agreement = make_agreement(world, sign=True)
    with refused("reason", "reason"):
        services.agreement_terminate(
            actor=editor(world),
            agreement=agreement,
            expected_version=agreement.version,
            terminated_on=timezone.localdate(),
            reason=" ",
        )
    with refused("terminated_on", "before it was signed"):
        services.agreement_terminate(
            actor=editor(world),
            agreement=agreement,
            expected_version=agreement.version,
            terminated_on=timezone.localdate() - timedelta(days=30),
            reason="Too early",
        )


def test_designated_officers_must_belong_to_a_party(world: World) -> None:
    from opentrm.directory.models import ContactPoint

    agreement = make_agreement(world)
    outsider = ContactPoint.objects.create(organisation=world.agency_c, position="Duty officer")
    with refused("designated_officers", "contact points of the parties"):
        update_draft(world, agreement, designated_officers=[outsider])
