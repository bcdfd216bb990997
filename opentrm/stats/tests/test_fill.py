"""fill_stats: the cells follow the cases, a second run changes nothing, an interrupted run
resumes, and the figures read back through the disclosure control (issue 15 §2, §4)."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import Case, CaseExploitation
from opentrm.cases.services import case_register
from opentrm.cases.services.identification import identification_record
from opentrm.stats import selectors
from opentrm.stats.models import StatsCaseContribution, StatsCell, StatsFill
from opentrm.stats.services.contributions import apply_cases
from opentrm.stats.services.fill import fill
from opentrm.stats.services.months import month_start


def _register(world: World, n: int, sex: str, *, born: date | None = None) -> list[Case]:
    actor = world.actor(Role.CASEWORKER)
    return [
        case_register(actor=actor, sex=sex, date_of_birth=born, citizenships=["RO"])
        for _ in range(n)
    ]


def _cells() -> set[tuple[object, ...]]:
    return set(
        StatsCell.objects.values_list(
            "indicator", "period", "organisation_id", "dimension", "value", "count", "total"
        )
    )


def _table(world: World, code: str, dimension: str) -> selectors.Table:
    actor = world.actor(Role.STATISTICIAN)
    return selectors.table(
        actor, selectors.default_filters(actor, timezone.localdate()), code, dimension
    )


def test_it_counts_the_cases_and_hides_small_counts_and_their_partners(world: World) -> None:
    _register(world, 14, "female", born=date(1990, 5, 1))
    _register(world, 3, "male", born=date(2012, 5, 1))

    fill()
    by_sex = _table(world, "new_cases", "sex")
    by_child = _table(world, "new_cases", "child")

    assert by_sex.total_current == 17
    shown = {row.value: row.current for row in by_sex.rows}
    assert shown == {"female": None, "male": None}  # 3 hidden, and 14 with it (17 - 14 = 3)
    assert {row.value: row.current for row in by_child.rows} == {"adult": None, "child": None}
    citizenship = _table(world, "new_cases", "citizenship")
    assert [(row.value, row.current) for row in citizenship.rows] == [("RO", 17)]


def test_a_second_run_changes_nothing_and_a_full_run_writes_the_same(world: World) -> None:
    _register(world, 12, "female")
    fill()
    first = _cells()

    result = fill()  # the changes of the last minutes are looked at again (OVERLAP)
    assert not result.full
    assert _cells() == first

    assert fill(full=True).full
    assert _cells() == first


def test_an_incremental_run_follows_new_changed_and_deleted_cases(world: World) -> None:
    cases = _register(world, 12, "female")
    fill()
    assert _table(world, "new_cases", "total").total_current == 12

    more = _register(world, 2, "female")
    CaseExploitation.objects.create(case=more[0], type="ForcedLabour")
    Case.objects.filter(pk=more[0].pk).update(updated_at=timezone.now())
    identification_record(
        actor=world.actor(Role.CASEWORKER),
        case=cases[0],
        outcome="identified",
        is_formal=False,
        decided_on=timezone.localdate(),
    )
    result = fill()

    assert result.cases == 3  # the two new ones and the one identified
    assert _table(world, "new_cases", "total").total_current == 14
    types = {row.value: row.current for row in _table(world, "new_cases", "exploitation_type").rows}
    assert types == {"ForcedLabour": None, "unknown": 13}
    assert (
        StatsCell.objects.get(
            indicator="identified_informally",
            dimension="total",
            period=month_start(timezone.localdate()),
        ).count
        == 1
    )
    assert _table(world, "identified_informally", "total").total_current is None  # 1: hidden

    Case.objects.filter(pk=cases[1].pk).soft_delete(by=world.user(Role.CASE_MANAGER), reason="x")
    fill()
    assert _table(world, "new_cases", "total").total_current == 13


def test_an_interrupted_fill_resumes_the_cases_it_left(world: World) -> None:
    _register(world, 12, "female")
    fill()
    more = _register(world, 3, "male")
    # As if a fill had listed the three new cases and stopped before applying them:
    state = StatsFill.objects.get()
    state.pending_cases = [case.pk for case in more]
    state.changes_until = timezone.now() + timedelta(hours=1)
    state.save()

    result = fill(now=timezone.now() + timedelta(hours=2))

    assert result.resumed == 3
    assert StatsFill.objects.get().pending_cases == []
    resumed = _cells()
    fill(full=True)
    assert resumed == _cells()


def test_an_interrupted_full_fill_goes_on_from_the_last_case_it_applied(world: World) -> None:
    cases = _register(world, 12, "female") + _register(world, 12, "male")
    fill(full=True)
    whole = _cells()
    # As if a full fill had stopped after the first twelve cases:
    StatsCell.objects.all().delete()
    StatsCaseContribution.objects.all().delete()
    apply_cases([case.pk for case in cases[:12]])
    StatsFill.objects.update(case_cursor=cases[11].pk, changes_until=timezone.now())

    result = fill()

    assert result.full
    assert _cells() == whole
    assert StatsFill.objects.get().case_cursor is None


def test_a_case_moved_to_another_month_leaves_the_old_one(world: World) -> None:
    cases = _register(world, 12, "female")
    fill()
    earlier = timezone.localdate() - timedelta(days=62)
    Case.objects.filter(pk=cases[0].pk).update(opened_on=earlier, updated_at=timezone.now())

    fill()

    now_month = month_start(timezone.localdate())
    counts = dict(
        StatsCell.objects.filter(indicator="new_cases", dimension="total").values_list(
            "period", "count"
        )
    )
    assert counts == {now_month: 11, month_start(earlier): 1}


def test_the_command_fills_and_says_so(world: World) -> None:
    _register(world, 1, "male")
    out = StringIO()

    call_command("fill_stats", stdout=out)

    assert "Statistics filled (full)" in out.getvalue()
    assert StatsCell.objects.filter(indicator="new_cases").exists()
