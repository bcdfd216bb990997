"""Where a request to another country goes (issue 4 §4): by default to that country's national
focal point from the directory (a child's case to the single child authority when the country
has one); directly to the organisation only where the sending country allows direct routes."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from opentrm.directory.models import Function, Organisation, Responsibility
from opentrm.referrals.models import Routing, WorkingCalendar


@dataclass(frozen=True)
class Route:
    receiver: Organisation
    routing: str
    intended: Organisation | None


def focal_point(country_code: str, *, child: bool = False) -> Organisation | None:
    """The country's single child authority (for a child) or national focal point."""
    functions = [Function.CHILD_AUTHORITY] if child else []
    functions.append(Function.NATIONAL_FOCAL_POINT)
    for function in functions:
        organisation = (
            Organisation.objects.filter(
                country__code=country_code,
                is_active=True,
                responsibilities__function=function,
            )
            .select_related("country")
            .order_by("pk")
            .first()
        )
        if organisation is not None:
            return organisation
    return None


def focal_points(country_code: str) -> tuple[Organisation | None, Organisation | None]:
    """``(focal_point(child=True), focal_point())`` in one query (the exchange's inbox asks
    for both with every referral it receives)."""
    wanted = (Function.CHILD_AUTHORITY, Function.NATIONAL_FOCAL_POINT)
    responsibilities = (
        Responsibility.objects.filter(
            organisation__country__code=country_code,
            organisation__is_active=True,
            function__in=wanted,
        )
        .select_related("organisation__country")
        .order_by("organisation_id")
    )
    first: dict[str, Organisation] = {}
    for responsibility in responsibilities:
        first.setdefault(responsibility.function, responsibility.organisation)
    national = first.get(Function.NATIONAL_FOCAL_POINT)
    return first.get(Function.CHILD_AUTHORITY, national), national


def direct_routes_allowed(sender: Organisation) -> bool:
    calendar = WorkingCalendar.objects.filter(country_id=sender.country_id).first()
    return bool(calendar and calendar.allow_direct_routes)


def route(
    *,
    sender: Organisation,
    country_code: str,
    intended: Organisation | None = None,
    child: bool = False,
) -> Route:
    """The receiver of a request from ``sender`` to ``country_code``. Refused (ValidationError
    on ``receiver_country``) when the country has no focal point in the directory and no direct
    route applies."""
    if intended is not None and direct_routes_allowed(sender):
        return Route(receiver=intended, routing=Routing.DIRECT, intended=None)
    point = focal_point(country_code, child=child)
    if point is None:
        if intended is not None and intended.country.code == country_code:
            raise ValidationError(
                {
                    "receiver_country": _(
                        "This country has no national focal point in the directory, and your "
                        "country does not allow direct requests abroad."
                    )
                }
            )
        raise ValidationError(
            {"receiver_country": _("This country has no national focal point in the directory.")}
        )
    return Route(receiver=point, routing=Routing.FOCAL_POINT, intended=intended)
