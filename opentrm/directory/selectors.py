"""Reads of the directory, always starting from ``visible_to(actor)``."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from opentrm.accounts.policy import Actor
from opentrm.directory.models import (
    ContactPoint,
    Country,
    Function,
    Organisation,
    Responsibility,
)


def review_cutoff(today: date | None = None) -> date:
    """Entries verified before this date are flagged for review."""
    return (today or timezone.localdate()) - timedelta(days=settings.DIRECTORY_REVIEW_AGE_DAYS)


def country_list(*, actor: Actor) -> QuerySet[Country]:
    """Countries with the number of visible organisations in each."""
    visible = Organisation.objects.visible_to(actor)
    return Country.objects.annotate(
        organisation_count=Count("organisations", filter=Q(organisations__in=visible))
    ).order_by("code")


@dataclass
class ContactListRow:
    """One row of a country's contact list: a procedure or function and who answers for it."""

    function: Function
    label: str
    responsibilities: list[Responsibility] = field(default_factory=list)


def contact_list(
    *, actor: Actor, country: Country, functions: list[Function] | None = None
) -> list[ContactListRow]:
    """A country's contact list, by procedure then national function (as in Annex II).

    Every procedure has a row even when nobody is listed, so a gap is visible.
    """
    wanted = functions or list(Function)
    responsibilities = (
        Responsibility.objects.visible_to(actor)
        .filter(country=country, function__in=[f.value for f in wanted])
        .with_details()
        .order_by("function", "order", "id")
    )
    by_function: dict[str, list[Responsibility]] = {}
    for responsibility in responsibilities:
        by_function.setdefault(responsibility.function, []).append(responsibility)
    rows = []
    for function in wanted:
        entries = by_function.get(function.value, [])
        if not entries and function not in Function.procedures():
            continue
        custom = next((r.label for r in entries if r.label), "")
        rows.append(
            ContactListRow(
                function=function, label=custom or str(function.label), responsibilities=entries
            )
        )
    return rows


def organisation_list(
    *,
    actor: Actor,
    text: str = "",
    country_code: str = "",
    organisation_type: str = "",
    city: str = "",
    language: str = "",
    function: str = "",
) -> QuerySet[Organisation]:
    """Search organisations by name, type, city, the languages their contacts speak, function."""
    organisations = Organisation.objects.visible_to(actor).search(text)
    if country_code:
        organisations = organisations.filter(country__code=country_code.upper())
    if organisation_type:
        organisations = organisations.filter(type=organisation_type)
    if city:
        organisations = organisations.filter(city__iexact=city.strip())
    if language:
        organisations = organisations.filter(
            contact_points__languages__code=language, contact_points__is_active=True
        )
    if function:
        organisations = organisations.filter(responsibilities__function=function)
    if language or function:
        organisations = organisations.distinct()
    return organisations.select_related("country", "parent").order_by("name", "id")


def contact_point_list(*, actor: Actor, organisation: Organisation) -> QuerySet[ContactPoint]:
    return (
        ContactPoint.objects.visible_to(actor)
        .filter(organisation=organisation)
        .with_details()
        .order_by("-is_active", "position", "id")
    )


def stale_organisations(*, actor: Actor, cutoff: date | None = None) -> QuerySet[Organisation]:
    return (
        Organisation.objects.visible_to(actor)
        .stale(cutoff or review_cutoff())
        .select_related("country")
        .order_by("last_verified_at", "name")
    )


def stale_contact_points(*, actor: Actor, cutoff: date | None = None) -> QuerySet[ContactPoint]:
    return (
        ContactPoint.objects.visible_to(actor)
        .stale(cutoff or review_cutoff())
        .select_related("organisation", "organisation__country")
        .order_by("last_verified_at", "organisation__name")
    )


def national_focal_point(*, country: Country) -> Responsibility | None:
    """The body (and contact) that receives requests from abroad, if the country set one."""
    return (
        Responsibility.objects.filter(
            country=country,
            function=Function.NATIONAL_FOCAL_POINT,
            organisation__is_active=True,
        )
        .select_related("organisation", "contact_point")
        .order_by("order", "id")
        .first()
    )


def first_points_of_notification(*, country: Country) -> list[Organisation]:
    """The organisations that hold the country's First Point of Notification function (ACT-31):
    new registrations are routed to them for the nomination of a case manager."""
    return list(
        Organisation.objects.filter(
            country=country,
            is_active=True,
            responsibilities__function=Function.FIRST_POINT_OF_NOTIFICATION,
        )
        .distinct()
        .order_by("pk")
    )


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def organisation_by_name(*, name: str, country_code: str) -> Organisation | None:
    """The directory's organisation of that name (case and spacing aside) in that country.

    For referrals that arrive from outside (another node, a file): the sender names itself, and
    who may act on the referral is decided afterwards, so this lookup is not limited to what an
    actor may see (it returns the row, never shows it).
    """
    wanted = _normal(name)
    candidates = Organisation.objects.filter(
        country__code=country_code, name__iexact=name.strip()
    ).select_related("country")
    found = next((o for o in candidates if _normal(o.name) == wanted), None)
    if found is not None:
        return found
    # spacing differs: compare in Python among the country's organisations of similar names
    first = wanted.split(" ")[0] if wanted else ""
    for organisation in Organisation.objects.filter(
        country__code=country_code, name__icontains=first
    ).select_related("country")[:200]:
        if _normal(organisation.name) == wanted:
            return organisation
    return None


def same_name(first: str, second: str) -> bool:
    """Whether two organisation names are the same, case and spacing aside."""
    return _normal(first) == _normal(second)
