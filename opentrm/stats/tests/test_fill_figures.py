"""The figures a fill writes beyond the count of new cases (issue 15 §1, §2): the referral
figures of each sender by the month sent (on time, hours and days), the figures "as of now"
(overdue tasks and referrals, exchange packages), what a case's proceedings, measures and
earlier trafficking add, and what the command says while it works."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import (
    Case,
    CaseCountry,
    CaseExploitation,
    CaseMeasure,
    CaseService,
    Person,
    Task,
)
from opentrm.cases.services import case_register
from opentrm.exchange.models import OutboxMessage
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Referral
from opentrm.stats.models import StatsCell
from opentrm.stats.services.fill import fill
from opentrm.stats.services.months import chunks, month_start
from opentrm.stats.tests.factories import criminal_proceedings

HOUR = timedelta(hours=1)


def _last_month() -> date:
    return month_start(month_start(timezone.localdate()) - timedelta(days=1))


def _figures(code: str, period: date | None = None) -> dict[tuple[int | None, str, str, str], int]:
    """The counts a fill wrote for ``code`` by (organisation, country, breakdown, value)."""
    cells = StatsCell.objects.filter(indicator=code)
    if period is not None:
        cells = cells.filter(period=period)
    return {
        (organisation, country, dimension, value): count
        for organisation, country, dimension, value, count in cells.values_list(
            "organisation_id", "country_code", "dimension", "value", "count"
        )
    }


def _totals(code: str, period: date) -> tuple[int, float]:
    """(count, sum) of the ``total`` breakdown of ``code`` in ``period``, all senders."""
    cells = StatsCell.objects.filter(indicator=code, period=period, dimension="total")
    return (
        sum(cells.values_list("count", flat=True)),
        sum(cells.values_list("total", flat=True)),
    )


@dataclass
class Sent:
    """Four referrals of agency A to agency B (Romania), sent on the 10th of last month."""

    at: datetime
    accepted: Referral  # acknowledged after 2 h, accepted after 10 h, first service 3 days on
    late: Referral  # acknowledged after 30 h (a day allowed), never answered: overdue
    silent: Referral  # an identity verification, no case, never acknowledged: overdue
    declined: Referral  # acknowledged after 1 h, declined after 5 h; served before it was sent


def _referral(world: World, n: int, sent_at: datetime, **fields: object) -> Referral:
    values: dict[str, object] = {
        "reference": f"TEST-STATS-{n}",
        "kind": "family_check",
        "sender_organisation": world.agency_a,
        "receiver_country": "RO",
        "receiver_organisation": world.agency_b,
        "status": "sent",
        "sent_at": sent_at,
        "acknowledge_due_at": sent_at + 24 * HOUR,
        "answer_due_at": sent_at + 72 * HOUR,
    }
    values.update(fields)
    return Referral.objects.create(**values)


def _service(world: World, case: Case, offered_on: date) -> None:
    CaseService.objects.create(
        case=case,
        organisation=world.agency_b,
        provider=world.agency_b,
        service_type="shelter",
        category="first_assistance",
        offered_on=offered_on,
    )


def _sent(world: World) -> Sent:
    actor = world.actor(Role.CASEWORKER)
    first, second, third = (case_register(actor=actor, sex="female") for _ in range(3))
    # in UTC: the hours between the dates are elapsed hours whatever the node's time zone
    at = datetime.combine(_last_month().replace(day=10), time(9), tzinfo=UTC)
    sent = Sent(
        at=at,
        accepted=_referral(
            world,
            1,
            at,
            case=first,
            status="accepted",
            acknowledged_at=at + 2 * HOUR,
            answered_at=at + 10 * HOUR,
        ),
        late=_referral(
            world, 2, at, case=second, status="acknowledged", acknowledged_at=at + 30 * HOUR
        ),
        silent=_referral(world, 3, at, kind="identity_verification"),
        declined=_referral(
            world,
            4,
            at,
            case=third,
            status="declined",
            acknowledged_at=at + HOUR,
            answered_at=at + 5 * HOUR,
        ),
    )
    _service(world, first, at.date() + timedelta(days=3))
    _service(world, first, at.date() + timedelta(days=8))  # the first one counts
    _service(world, third, at.date() - timedelta(days=1))  # before the referral: not counted
    return sent


def test_the_referral_figures_count_each_sender_by_the_month_sent(world: World) -> None:
    _sent(world)

    fill()

    a = world.agency_a.pk
    assert _figures("referrals_sent", _last_month()) == {
        (a, "AL", "total", ""): 4,
        (a, "AL", "kind", "family_check"): 3,
        (a, "AL", "kind", "identity_verification"): 1,
        (a, "AL", "partner_country", "RO"): 4,
    }
    # on time: the accepted and the declined ones; the identity verification has no cell
    on_time = {
        (a, "AL", "total", ""): 2,
        (a, "AL", "kind", "family_check"): 2,
        (a, "AL", "partner_country", "RO"): 2,
    }
    assert _figures("acknowledged_in_time", _last_month()) == on_time
    assert _figures("answered_in_time", _last_month()) == on_time
    # the means the dashboard shows: (2 + 30 + 1) / 3 hours, 10 hours, 3 days
    assert _totals("hours_to_acknowledgement", _last_month()) == (3, 33.0)
    assert _totals("hours_to_acceptance", _last_month()) == (1, 10.0)
    assert _totals("days_to_first_service", _last_month()) == (1, 3.0)
    # nothing was sent this month
    assert _totals("referrals_sent", month_start(timezone.localdate())) == (0, 0)
    # as of now: the one never acknowledged and the one never answered are overdue
    assert _figures("referrals_overdue") == {
        (a, "AL", "total", ""): 2,
        (a, "AL", "kind", "family_check"): 1,
        (a, "AL", "kind", "identity_verification"): 1,
        (a, "AL", "partner_country", "RO"): 2,
    }


def test_an_answer_after_a_fill_shows_in_the_next_incremental_one(world: World) -> None:
    sent = _sent(world)
    fill()

    # the receiver acknowledges the silent one, late, and answers it within the limit
    Referral.objects.filter(pk=sent.silent.pk).update(
        status="answered",
        acknowledged_at=sent.at + 48 * HOUR,
        answered_at=sent.at + 50 * HOUR,
        updated_at=timezone.now(),
    )
    result = fill()

    assert not result.full
    assert result.months == 1  # last month's referrals, recomputed
    assert _totals("acknowledged_in_time", _last_month()) == (2, 0.0)
    assert _totals("answered_in_time", _last_month()) == (3, 0.0)
    assert _totals("hours_to_acknowledgement", _last_month()) == (4, 81.0)
    # as of now: only the one never answered is still overdue
    assert _totals("referrals_overdue", month_start(timezone.localdate())) == (1, 0.0)


def test_the_figures_as_of_now_count_overdue_tasks_and_exchange_packages(world: World) -> None:
    actor = world.actor(Role.CASEWORKER)
    case, gone = (case_register(actor=actor, sex="male") for _ in range(2))
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    for organisation, due, done in [
        (world.agency_a, yesterday, None),  # overdue
        (world.agency_a, yesterday - timedelta(days=30), None),  # overdue
        (world.agency_a, yesterday, timezone.now()),  # done: not overdue
        (world.agency_a, today, None),  # due today: not yet
        (world.agency_b, yesterday, None),  # overdue, at agency B
    ]:
        Task.objects.create(
            case=case, organisation=organisation, title="Call", due_on=due, done_at=done
        )
    Task.objects.create(case=gone, organisation=world.agency_a, title="Call", due_on=yesterday)
    Case.objects.filter(pk=gone.pk).soft_delete(by=world.user(Role.CASE_MANAGER), reason="x")
    ro = peer("RO")
    for status in ("queued", "queued", "dead"):
        OutboxMessage.objects.create(peer=ro, type="ping", body={}, status=status)

    fill()

    assert _figures("tasks_overdue") == {
        (world.agency_a.pk, "AL", "total", ""): 2,
        (world.agency_b.pk, "RO", "total", ""): 1,
    }
    assert _figures("exchange_packages") == {
        (None, "", "total", ""): 3,
        (None, "", "status", "queued"): 2,
        (None, "", "status", "dead"): 1,
    }


def test_the_command_says_what_it_filled_when_asked(world: World) -> None:
    _sent(world)
    out = StringIO()

    call_command("fill_stats", "--full", verbosity=2, stdout=out)

    lines = out.getvalue().splitlines()
    last_case = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert f"cases up to {last_case}" in lines
    this_month = month_start(timezone.localdate())
    assert f"referrals {_last_month():%Y-%m}" in lines
    assert f"referrals {this_month:%Y-%m}" in lines  # every month since the first referral
    assert lines[-1].startswith("Statistics filled (full): 3 cases applied, 2 months")


def test_a_case_counts_its_proceedings_measures_and_earlier_trafficking(world: World) -> None:
    actor = world.actor(Role.CASEWORKER)
    case = case_register(actor=actor, sex="female")
    Case.objects.filter(pk=case.pk).update(previously_trafficked=True)
    criminal_proceedings(world, case, [("AL", True, False), ("IT", True, True)])
    today = timezone.localdate()
    for code, started in [
        ("sop2.intake_needs_assessment", today),
        ("sop2.safety_plan", today),
        ("sop3.shelter", None),  # planned, not started: not counted
    ]:
        CaseMeasure.objects.create(case=case, code=code, started_on=started)

    fill()

    month = month_start(case.opened_on)
    a = (world.agency_a.pk, "AL")
    for code in ("retrafficked", "in_proceedings", "compensation_obtained"):
        assert _totals(code, month) == (1, 0.0), code  # two proceedings: the case counts once
        assert _figures(code)[(*a, "sex", "female")] == 1
    assert _figures("measures_started", month_start(today)) == {
        (*a, "total", ""): 2,
        (*a, "sop", "sop2"): 2,
        (*a, "measure", "sop2.intake_needs_assessment"): 1,
        (*a, "measure", "sop2.safety_plan"): 1,
    }


def _case_cells() -> set[tuple[object, ...]]:
    return set(
        StatsCell.objects.filter(indicator="new_cases").values_list(
            "period", "organisation_id", "dimension", "value", "count"
        )
    )


def test_two_corrections_that_cancel_out_leave_the_figures_as_they_were(world: World) -> None:
    actor = world.actor(Role.CASEWORKER)
    woman, man = case_register(actor=actor, sex="female"), case_register(actor=actor, sex="male")
    fill()
    before = _case_cells()

    # a data-entry slip corrected: the two persons' sexes had been swapped
    now = timezone.now()
    Person.objects.filter(pk=woman.person_id).update(sex="male", updated_at=now)
    Person.objects.filter(pk=man.person_id).update(sex="female", updated_at=now)
    result = fill()

    assert result.cases == 2  # both contributions replaced
    assert _case_cells() == before
    fill(full=True)
    assert _case_cells() == before


def test_a_deleted_case_takes_its_countries_and_exploitation_out(world: World) -> None:
    actor = world.actor(Role.CASEWORKER)
    kept, deleted = case_register(actor=actor, sex="male"), case_register(actor=actor, sex="male")
    for case, country in ((kept, "GR"), (deleted, "IT")):
        CaseCountry.objects.create(case=case, country_code=country, role="exploitation")
    CaseExploitation.objects.create(case=deleted, type="ForcedLabour")
    fill()
    assert {value for (_o, _c, _d, value) in _figures("new_cases")} >= {"GR", "IT", "ForcedLabour"}

    Case.objects.filter(pk=deleted.pk).soft_delete(by=world.user(Role.CASE_MANAGER), reason="x")
    fill()

    figures = _figures("new_cases")
    a = (world.agency_a.pk, "AL")
    assert figures[(*a, "exploitation_country", "GR")] == 1
    assert figures[(*a, "exploitation_type", "unknown")] == 1
    assert figures[(*a, "total", "")] == 1
    assert not {"IT", "ForcedLabour"} & {value for (_o, _c, _d, value) in figures}


def test_batches_hold_every_item_once_in_order() -> None:
    assert list(chunks(range(7), size=3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks(range(6), size=3)) == [[0, 1, 2], [3, 4, 5]]  # no empty batch at the end
    assert list(chunks([], size=3)) == []
