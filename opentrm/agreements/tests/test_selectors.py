"""The agreement half of the data gate: allowed_categories / agreement_in_force_between."""

from datetime import timedelta

from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.agreements import services
from opentrm.agreements.selectors import agreement_in_force_between, allowed_categories
from opentrm.agreements.tests.factories import editor, flow, make_agreement, sign_all, sign_as

G = FieldGroup


def test_a_signed_agreement_allows_its_flows_in_one_direction(world: World) -> None:
    a, b = world.agency_a, world.agency_b
    agreement = make_agreement(
        world, sign=True, flows={(a, b): [G.IDENTITY, G.HEALTH], (b, a): [G.TRAVEL]}
    )
    today = timezone.localdate()
    assert allowed_categories(a.pk, b.pk, today) == {G.IDENTITY, G.HEALTH}
    assert allowed_categories(b.pk, a.pk, today) == {G.TRAVEL}
    [governing] = agreement_in_force_between(a.pk, b.pk, today)
    assert governing.agreement.pk == agreement.pk
    assert governing.version.number == 1


def test_nothing_while_a_party_has_not_signed(world: World) -> None:
    a, b = world.agency_a, world.agency_b
    agreement = make_agreement(world, flows={(a, b): [G.IDENTITY]})
    sign_as(world, agreement, by="Director A")
    assert allowed_categories(a.pk, b.pk, timezone.localdate()) == frozenset()
    assert agreement_in_force_between(a.pk, b.pk, timezone.localdate()) == []


def test_nothing_before_the_signature_date(world: World) -> None:
    a, b = world.agency_a, world.agency_b
    today = timezone.localdate()
    make_agreement(world, sign=True, signed_on=today, flows={(a, b): [G.IDENTITY]})
    assert allowed_categories(a.pk, b.pk, today - timedelta(days=1)) == frozenset()
    assert allowed_categories(a.pk, b.pk, today) == {G.IDENTITY}


def test_nothing_once_expired(world: World) -> None:
    a, b = world.agency_a, world.agency_b
    today = timezone.localdate()
    make_agreement(
        world,
        sign=True,
        signed_on=today - timedelta(days=20),
        valid_until=today - timedelta(days=1),
        flows={(a, b): [G.IDENTITY]},
    )
    assert allowed_categories(a.pk, b.pk, today) == frozenset()
    assert allowed_categories(a.pk, b.pk, today - timedelta(days=1)) == {G.IDENTITY}


def test_the_old_version_counts_while_an_amendment_is_pending(world: World) -> None:
    a, b = world.agency_a, world.agency_b
    agreement = make_agreement(world, sign=True, flows={(a, b): [G.IDENTITY]})
    services.agreement_amend(actor=editor(world), agreement=agreement)
    flow(world, agreement, b, [G.IDENTITY, G.HEALTH])
    today = timezone.localdate()
    assert allowed_categories(a.pk, b.pk, today) == {G.IDENTITY}

    sign_all(world, agreement, on=today)
    assert allowed_categories(a.pk, b.pk, today) == {G.IDENTITY, G.HEALTH}


def test_a_party_added_by_a_pending_amendment_gets_nothing_yet(world: World) -> None:
    a, b, c = world.agency_a, world.agency_b, world.agency_c
    agreement = make_agreement(world, sign=True)
    services.agreement_amend(actor=editor(world), agreement=agreement)
    services.party_add(actor=editor(world), agreement=agreement, organisation=c)
    flow(world, agreement, c, [G.IDENTITY])
    today = timezone.localdate()
    assert allowed_categories(a.pk, c.pk, today) == frozenset()
    sign_all(world, agreement, on=today)
    assert allowed_categories(a.pk, c.pk, today) == {G.IDENTITY}
    assert allowed_categories(a.pk, b.pk, today) == frozenset()


def test_nothing_once_terminated(world: World) -> None:
    a, b = world.agency_a, world.agency_b
    today = timezone.localdate()
    agreement = make_agreement(
        world, sign=True, signed_on=today - timedelta(days=5), flows={(a, b): [G.IDENTITY]}
    )
    services.agreement_terminate(
        actor=editor(world),
        agreement=agreement,
        expected_version=agreement.version,
        terminated_on=today,
        reason="Ended by mutual consent",
    )
    assert allowed_categories(a.pk, b.pk, today) == frozenset()
    assert allowed_categories(a.pk, b.pk, today - timedelta(days=1)) == {G.IDENTITY}


def test_the_union_over_agreements_in_force(world: World) -> None:
    a, b = world.agency_a, world.agency_b
    make_agreement(world, sign=True, flows={(a, b): [G.IDENTITY]})
    make_agreement(world, sign=True, flows={(a, b): [G.CONTACT]}, title="Second protocol")
    today = timezone.localdate()
    assert allowed_categories(a.pk, b.pk, today) == {G.IDENTITY, G.CONTACT}
    assert len(agreement_in_force_between(a.pk, b.pk, today)) == 2


def test_nothing_for_organisations_that_are_not_both_parties(world: World) -> None:
    a, b, c = world.agency_a, world.agency_b, world.agency_c
    make_agreement(world, sign=True, flows={(a, b): [G.IDENTITY]})
    today = timezone.localdate()
    assert allowed_categories(a.pk, c.pk, today) == frozenset()
    assert allowed_categories(c.pk, b.pk, today) == frozenset()
    assert allowed_categories(a.pk, a.pk, today) == frozenset()


def test_a_bounded_number_of_queries(world: World, django_assert_max_num_queries: object) -> None:
    a, b = world.agency_a, world.agency_b
    for index in range(4):
        make_agreement(world, sign=True, flows={(a, b): [G.IDENTITY]}, title=f"MoU {index}")
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        allowed_categories(a.pk, b.pk, timezone.localdate())
