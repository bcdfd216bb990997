"""The full fill on PostgreSQL builds the contributions and the cells in the database
(``stats.services.bulk``): the same contributions as computed case by case in Python, and
the same cells as added up in Python, for cases with every kind of event and breakdown."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import (
    Case,
    CaseCountry,
    CaseExploitation,
    CaseMeasure,
    CaseStatusChange,
    Person,
    PersonCitizenship,
    ReflectionPeriod,
)
from opentrm.cases.services import case_register
from opentrm.stats.models import StatsCaseContribution, StatsCell
from opentrm.stats.services import bulk
from opentrm.stats.services.contributions import CASE_CODES, canonical, contributions, expand
from opentrm.stats.services.tally import Tally
from opentrm.stats.tests.factories import criminal_proceedings

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based full fill: PostgreSQL"
)


def _varied_cases(world: World) -> list[Case]:
    actor = world.actor(Role.CASEWORKER)
    today = timezone.localdate()
    cases = [
        case_register(actor=actor, sex="female", date_of_birth=date(2010, 2, 28)),
        case_register(actor=actor, sex="male", date_of_birth=today.replace(year=today.year - 18)),
        case_register(actor=actor, age_band="under_18", citizenships=["ro", "MD"]),
        case_register(actor=actor, age_band="over_18", citizenships=["AL"]),
        case_register(actor=actor, date_of_birth=date(2020, 3, 1)),
        case_register(actor=actor, sex="female", date_of_birth=date(1950, 1, 1)),
    ]
    first, second, third = cases[:3]
    # opened before the birth (a typing slip): a child of no age band
    Case.objects.filter(pk=cases[4].pk).update(opened_on=date(2019, 6, 1))
    Case.objects.filter(pk=first.pk).update(previously_trafficked=True, referrer_type="ngo")
    PersonCitizenship.objects.create(person_id=second.person_id, country_code="xk")
    Person.objects.filter(pk=third.person_id).update(sex="")  # as older rows may have it
    for case, code, role in [
        (first, "ro", "origin"),
        (first, "MD", "origin"),
        (first, "IT", "exploitation"),
        (second, "AL", "recruitment"),
        (second, "GR", "transit"),
    ]:
        CaseCountry.objects.create(case=case, country_code=code, role=role)
    CaseExploitation.objects.create(case=first, type="ForcedLabour")
    CaseExploitation.objects.create(case=first, type="Other")
    moment = timezone.now() - timedelta(days=70)
    for case, attribute, value in [
        (first, "identification_status", "identified_formally"),
        (first, "identification_status", "identified_formally"),  # twice a month: once
        (first, "assistance_status", "accepted"),
        (second, "return_status", "completed"),
        (second, "assistance_status", "declined"),  # not counted
        (third, "identification_status", "identified_informally"),
    ]:
        CaseStatusChange.objects.create(
            case=case, attribute=attribute, new_value=value, changed_at=moment, source="derived"
        )
    criminal_proceedings(
        world, first, [("AL", True, False), ("RO", True, True), ("MD", False, False)]
    )
    for days in (30, 30, 90):  # two the same: both count
        ReflectionPeriod.objects.create(
            case=second,
            starts_on=today - timedelta(days=days),
            ends_on=today,
            granted_by=world.user(Role.CASEWORKER),
            organisation=world.agency_a,
        )
    for code, started in [
        ("sop2.intake_needs_assessment", today),
        ("sop2.safety_plan", today),  # the same SOP
        ("sop3.shelter", today - timedelta(days=40)),
        ("sop4.not_started", None),
    ]:
        CaseMeasure.objects.create(case=third, code=code, started_on=started)
    Case.objects.filter(pk=cases[-1].pk).soft_delete(by=world.user(Role.CASE_MANAGER), reason="x")
    return cases


def test_the_database_builds_the_contributions_python_computes(world: World) -> None:
    cases = _varied_cases(world)
    StatsCaseContribution.objects.all().delete()

    stored = bulk.store_range(0, bulk.range_end(0, 1000) or 0)

    built = dict(StatsCaseContribution.objects.values_list("case_id", "data"))
    expected = contributions([case.pk for case in cases])
    assert stored == len(cases) - 1  # not the deleted case
    assert {pk: canonical(data) for pk, data in built.items()} == expected
    # every kind of event is in the comparison
    assert {event[0] for data in expected.values() for event in data["e"]} == set(CASE_CODES)


def test_the_database_adds_up_the_cells_python_adds_up(world: World) -> None:
    _varied_cases(world)
    StatsCaseContribution.objects.all().delete()
    bulk.store_range(0, bulk.range_end(0, 1000) or 0)

    written = bulk.replace_case_cells()

    tally = Tally()
    for data in StatsCaseContribution.objects.values_list("data", flat=True):
        expand(tally, data, 1)
    expected = {key: (n, round(t, 6)) for key, n, t in tally.changes()}
    cells = {
        row[:6]: (row[6], round(row[7], 6))
        for row in StatsCell.objects.filter(indicator__in=CASE_CODES).values_list(
            "indicator",
            "period",
            "organisation_id",
            "country_code",
            "dimension",
            "value",
            "count",
            "total",
        )
    }
    assert written == len(expected) > 100
    assert cells == expected
