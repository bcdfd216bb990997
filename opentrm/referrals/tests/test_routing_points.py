"""``routing.focal_points``: the country's child authority and national focal point in one query,
the same two that ``focal_point(child=True)`` and ``focal_point()`` find one by one (the
exchange's inbox asks for both with every referral it receives)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from opentrm.directory.models import Function, Organisation, Responsibility
from opentrm.referrals.services.routing import focal_point, focal_points


def _responsible(world: World, name: str, function: str, *, active: bool = True) -> Organisation:
    organisation = Organisation.objects.create(
        country=world.country_b, name=name, type="ngo", is_active=active
    )
    Responsibility.objects.create(
        country=world.country_b, function=function, organisation=organisation
    )
    return organisation


def _both_ways() -> tuple[Organisation | None, Organisation | None]:
    with CaptureQueriesContext(connection) as queries:
        points = focal_points("RO")
    assert len(queries) == 1
    assert points == (focal_point("RO", child=True), focal_point("RO"))
    return points


def test_a_country_without_either_has_neither(world: World) -> None:
    assert _both_ways() == (None, None)


def test_without_a_child_authority_a_child_goes_to_the_focal_point(world: World) -> None:
    point = _responsible(world, "Fictional RO focal point", Function.NATIONAL_FOCAL_POINT)
    assert _both_ways() == (point, point)


def test_the_child_authority_is_for_children_only(world: World) -> None:
    _responsible(world, "Fictional RO closed authority", Function.CHILD_AUTHORITY, active=False)
    child = _responsible(world, "Fictional RO child authority", Function.CHILD_AUTHORITY)
    point = _responsible(world, "Fictional RO focal point", Function.NATIONAL_FOCAL_POINT)
    _responsible(world, "Fictional RO second focal point", Function.NATIONAL_FOCAL_POINT)
    assert _both_ways() == (child, point)


def test_a_child_authority_alone_is_no_national_focal_point(world: World) -> None:
    child = _responsible(world, "Fictional RO child authority", Function.CHILD_AUTHORITY)
    assert _both_ways() == (child, None)
