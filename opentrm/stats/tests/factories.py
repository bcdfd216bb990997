"""Case data the statistics count, written straight to the tables (the services' own rules are
tested in their apps)."""

from collections.abc import Iterable

from conftest import World
from opentrm.cases.models import Case, Proceeding


def criminal_proceedings(
    world: World, case: Case, outcomes: Iterable[tuple[str, bool, bool]]
) -> None:
    """Agency A's criminal proceedings of ``case``: one per (country, initiated, compensation
    obtained)."""
    for country, initiated, compensated in outcomes:
        Proceeding.objects.create(
            case=case,
            country_code=country,
            kind="criminal",
            organisation=world.agency_a,
            initiated=initiated,
            compensation_obtained=compensated,
        )
