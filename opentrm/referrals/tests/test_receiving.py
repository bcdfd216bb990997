"""The one receive service: what a received referral is made of, and the origin's identity
that refuses a second copy (in the service, and in the database when two arrive at once)."""

import os
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.referrals.event_notes import RECEIVED_FROM_NODE, Note
from opentrm.referrals.models import (
    Delivery,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    Routing,
    TemplateInstance,
    Urgency,
)
from opentrm.referrals.services import core, receiving
from opentrm.referrals.services.receiving import AlreadyReceivedError, Incoming, referral_receive


def incoming(world: World, **changes: Any) -> Incoming:
    base = Incoming(
        kind=ReferralKind.TRANSNATIONAL,
        sender=world.agency_a,
        receiver=world.agency_b,
        origin_node="node-al",
        origin_reference="AL-2026-000001",
        delivery=Delivery.NODE_EXCHANGE,
        routing=Routing.FOCAL_POINT,
        urgency=Urgency.ROUTINE,
        sent_at=timezone.now(),
        shared_groups=["identity", "assistance"],
        data={"imported": {"reference": "AL-2026-000001"}},
        sender_language="sq",
        event_organisation=world.agency_a,
        note=Note(RECEIVED_FROM_NODE, {"node": "node-al", "reference": "AL-2026-000001"}),
        needs=["shelter"],
        audit={"exchange": True, "message_id": "m-1"},
    )
    return replace(base, **changes)


def receive(world: World, **changes: Any) -> Referral:
    with transaction.atomic():
        return referral_receive(
            actor=world.actor(Role.CASE_MANAGER, org="b"), incoming=incoming(world, **changes)
        )


def test_it_stores_a_sent_referral_with_its_origin_template_first_step_and_audit(
    world: World,
) -> None:
    referral = receive(world)
    assert referral.status == ReferralStatus.SENT
    assert referral.case_id is None
    assert referral.receiver_country == world.agency_b.country.code
    assert referral.reference != "AL-2026-000001"  # a reference of this node
    assert (referral.origin_node, referral.origin_reference) == ("node-al", "AL-2026-000001")
    assert referral.shared_groups == ["assistance", "identity"]
    assert referral.needs == ["shelter"]
    instance = TemplateInstance.objects.get(referral=referral)
    assert instance.data == {"imported": {"reference": "AL-2026-000001"}}
    assert instance.sender_language == "sq"
    (event,) = ReferralEvent.objects.filter(referral=referral)
    assert event.status == ReferralStatus.SENT
    assert event.organisation == world.agency_a
    audit = AuditEvent.objects.get(
        event_type=EventType.REFERRAL_CREATED, target_id=str(referral.pk)
    )
    assert audit.detail["source_reference"] == "AL-2026-000001"
    assert audit.detail["sender_id"] == world.agency_a.pk
    assert audit.detail["exchange"] is True
    assert audit.detail["groups"] == ["assistance", "identity"]


def test_it_refuses_a_second_copy_of_the_same_node_referral(world: World) -> None:
    first = receive(world)
    with pytest.raises(AlreadyReceivedError) as again:
        receive(world, sender=world.agency_c)
    assert again.value.existing == first
    # another node's referral of the same reference is another referral
    assert receive(world, origin_node="node-md").pk != first.pk


def test_a_file_referral_is_the_same_only_for_the_same_sender_and_receiver(world: World) -> None:
    file = {"delivery": Delivery.ON_NODE, "origin_node": ""}
    first = receive(world, **file)
    with pytest.raises(AlreadyReceivedError):
        receive(world, **file)
    assert receive(world, sender=world.agency_c, **file).pk != first.pk
    # a referral with no origin reference is never a copy of another
    assert receive(world, origin_reference="", **file).pk != first.pk
    assert receive(world, origin_reference="", **file).origin_reference == ""


def test_two_copies_at_once_the_database_decides(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = receive(world)
    real: Callable[[Incoming], Referral | None] = receiving.origin_match
    calls: list[int] = []

    def raced(item: Incoming) -> Referral | None:
        calls.append(1)
        return None if len(calls) == 1 else real(item)  # the check ran before the other's commit

    monkeypatch.setattr(receiving, "origin_match", raced)
    with pytest.raises(AlreadyReceivedError) as again:
        receive(world)
    assert again.value.existing == first
    assert Referral.objects.filter(origin_reference="AL-2026-000001").count() == 1


def test_any_other_integrity_error_is_not_taken_for_a_copy(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = receive(world)
    monkeypatch.setattr(core, "next_reference", lambda country: first.reference)
    with pytest.raises(IntegrityError):
        receive(world, origin_reference="AL-2026-000002")


def test_the_migration_fills_the_origin_from_the_json_and_skips_a_repeated_origin(
    world: World,
) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("opentrm.referrals.migrations.0003_referral_origin")
    remote = {"remote": {"node_id": "node-al", "reference": "AL-1", "public_id": None}}
    exchange = receive(world, data=remote)
    repeated = receive(world, data=remote, origin_node="node-md")
    file = receive(
        world,
        delivery=Delivery.ON_NODE,
        data={"imported": {"reference": "FILE-7", "node": ""}},
        origin_reference="x",
    )
    local = receive(world, delivery=Delivery.ON_NODE, data={}, origin_reference="y")
    Referral.objects.update(origin_node="", origin_reference="")  # as before the migration
    migration.fill_origin(apps, None)
    found = {
        r.pk: (r.origin_node, r.origin_reference)
        for r in Referral.objects.filter(pk__in=[exchange.pk, repeated.pk, file.pk, local.pk])
    }
    assert found == {
        exchange.pk: ("node-al", "AL-1"),
        repeated.pk: ("", ""),  # the same origin twice: the first keeps it
        file.pk: ("", "FILE-7"),
        local.pk: ("", ""),
    }


@pytest.mark.django_db(transaction=True)
def test_it_stores_one_referral_when_the_same_origin_arrives_four_times_at_once(
    world: World,
) -> None:
    """On PostgreSQL the four transactions really overlap: the constraint keeps one."""
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite serialises every writer")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def arrive() -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                receive(world)
            outcomes.append("stored")
        except AlreadyReceivedError:
            outcomes.append("refused")
        except BaseException as error:  # reported below
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    assert Referral.objects.filter(origin_reference="AL-2026-000001").count() == 1
