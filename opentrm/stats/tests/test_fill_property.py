"""The incremental fill keeps the cells a full fill would write, after any changes (issue 15
§2): Hypothesis draws cases and changes to them, with fills in between."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import Case, CaseExploitation, Person, ReflectionPeriod
from opentrm.cases.services import case_register
from opentrm.cases.services.identification import identification_record
from opentrm.stats.models import StatsCell
from opentrm.stats.services.fill import fill

SEXES = ["female", "male", "unknown"]
OPERATIONS = st.one_of(
    st.tuples(st.just("register"), st.sampled_from(SEXES), st.sampled_from(["RO", "MD", ""])),
    st.tuples(st.just("identify"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(-14, 0)),
    st.tuples(st.just("exploit"), st.integers(0, 50), st.sampled_from(["ForcedLabour", "Other"])),
    st.tuples(st.just("sex"), st.integers(0, 50), st.sampled_from(SEXES)),
    st.tuples(st.just("reflect"), st.integers(0, 50), st.integers(1, 90)),
    st.tuples(st.just("fill")),
)


def _cells() -> dict[tuple[Any, ...], tuple[int, float]]:
    return {
        row[:6]: (row[6], round(row[7], 6))
        for row in StatsCell.objects.values_list(
            "indicator",
            "period",
            "organisation_id",
            "dimension",
            "value",
            "country_code",
            "count",
            "total",
        )
    }


def _months_ago(months: int) -> date:
    day = timezone.localdate().replace(day=15)
    for _n in range(-months):
        day = (day.replace(day=1) - timedelta(days=1)).replace(day=15)
    return day


def _apply(world: World, operation: tuple[Any, ...], cases: list[Case]) -> None:
    kind, *args = operation
    actor = world.actor(Role.CASEWORKER)
    if kind == "register":
        sex, citizenship = args
        cases.append(
            case_register(actor=actor, sex=sex, citizenships=[citizenship] if citizenship else [])
        )
        return
    if kind == "fill":
        fill(overlap=timedelta(0))
        return
    live = [case for case in cases if Case.objects.live().filter(pk=case.pk).exists()]
    if not live:
        return
    case = live[args[0] % len(live)]
    now = timezone.now()
    if kind == "identify":
        identification_record(
            actor=actor,
            case=Case.objects.get(pk=case.pk),
            outcome="identified" if args[1] else "not_a_victim",
            is_formal=False,
            decided_on=timezone.localdate(),
        )
    elif kind == "delete":
        Case.objects.filter(pk=case.pk).soft_delete(by=world.user(Role.CASE_MANAGER), reason="x")
    elif kind == "move":
        Case.objects.filter(pk=case.pk).update(opened_on=_months_ago(args[1]), updated_at=now)
    elif kind == "exploit":
        CaseExploitation.objects.get_or_create(case=case, type=args[1])
        Case.objects.filter(pk=case.pk).update(updated_at=now)
    elif kind == "sex":
        Person.objects.filter(pk=case.person_id).update(sex=args[1], updated_at=now)
    elif kind == "reflect":
        start = timezone.localdate() - timedelta(days=args[1])
        ReflectionPeriod.objects.create(
            case=case,
            starts_on=start,
            ends_on=start + timedelta(30),
            granted_by=world.user(Role.CASEWORKER),
            organisation=world.agency_a,
        )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=14))
def test_after_any_changes_the_incremental_fill_equals_a_full_fill(
    world: World, operations: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        cases: list[Case] = []
        fill()
        for operation in operations:
            _apply(world, operation, cases)
        fill(overlap=timedelta(0))
        incremental = _cells()
        again = fill(overlap=timedelta(0))
        assert again.cases == 0  # nothing changed since: nothing to apply
        assert _cells() == incremental
        fill(full=True)
        assert _cells() == incremental
        transaction.set_rollback(True)
