"""The data migration that puts existing rows under the issue-9 rules (0003): signatures
recorded by someone outside the signing organisation are voided; a flow counts only where its
sender set it."""

import importlib
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements import selectors, services, states
from opentrm.agreements.models import DataFlow, Signature
from opentrm.agreements.tests.factories import editor, make_agreement

migration = importlib.import_module(
    "opentrm.agreements.migrations.0003_void_foreign_signatures_and_unapproved_flows"
)


def test_it_voids_foreign_signatures_and_leaves_flows_set_by_others_pending(
    world: World,
) -> None:
    a, b = world.agency_a, world.agency_b
    agreement = make_agreement(world)
    for sender, receiver in ((a, b), (b, a)):  # both set by A's case manager, as before
        services.flow_set(
            actor=editor(world),
            agreement=agreement,
            sender_id=sender.pk,
            receiver_id=receiver.pk,
            categories=[FieldGroup.IDENTITY.value],
        )
    DataFlow.objects.update(approved_categories=[], approved_by=None, approved_at=None)
    yesterday = timezone.localdate() - timedelta(days=1)
    version = selectors.agreement_detail(agreement.pk).versions.get()
    for party in version.parties.all():  # both recorded by A's manager, as the old code let
        Signature.objects.create(
            party=party,
            signed_on=yesterday,
            signed_by="Director",
            recorded_by=world.user(Role.CASE_MANAGER),
        )
    today = timezone.localdate()
    assert states.is_in_force(selectors.agreement_detail(agreement.pk), today)

    migration.void_foreign_signatures(apps, None)
    migration.approve_flows_set_by_their_sender(apps, None)

    voided = Signature.objects.exclude(voided_at=None).get()
    assert voided.party.organisation == b
    assert voided.void_reason
    assert Signature.objects.get(voided_at=None).party.organisation == a
    assert states.status(selectors.agreement_detail(agreement.pk), today) == states.Status.DRAFT
    a_to_b = DataFlow.objects.get(sender__organisation=a)
    b_to_a = DataFlow.objects.get(sender__organisation=b)
    assert a_to_b.approved_categories == ["identity"]
    assert a_to_b.approved_by == world.user(Role.CASE_MANAGER)
    assert (b_to_a.approved_categories, b_to_a.pending_categories) == ([], ["identity"])

    # B records its own signature again: in force, and only A's own flow counts.
    services.signature_record(
        actor=editor(world, "b"),
        agreement=agreement,
        version_number=1,
        organisation_id=b.pk,
        signed_on=yesterday,
        signed_by="Director B",
    )
    assert selectors.allowed_categories(a.pk, b.pk, today) == {FieldGroup.IDENTITY}
    assert selectors.allowed_categories(b.pk, a.pk, today) == frozenset()
