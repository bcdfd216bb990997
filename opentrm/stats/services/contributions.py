"""What each case contributes to the cells, stored, so that a changed case is taken out with
its old contribution and put back with its new one (issue 15 §2: an incremental fill costs
the changed cases, not the months they touch).

A contribution is the case's breakdown values (organisation, country, sex, age band, ...) and
its events: ``[indicator, month, amount or None, breakdown or None]`` (a measure has its own
breakdown, SOP and measure code). Expanded by ``Tally.add`` it gives exactly the counts and
sums the case adds to the cells; the full fill writes the cells the same way, so an
incremental fill after any changes leaves the cells a full fill would write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from opentrm.cases.models import CaseMeasure, CaseStatusChange, Proceeding, ReflectionPeriod
from opentrm.cases.models.case import AssistanceStatus, IdentificationStatus, ReturnStatus
from opentrm.stats.indicators import BY_CODE, CASE_DIMENSIONS
from opentrm.stats.models import StatsCaseContribution, StatsCell
from opentrm.stats.services.months import CHUNK, month_of
from opentrm.stats.services.tally import Key, Profile, Tally, profiles

CASE_SOURCES = ("case", "reflection", "measure")
STATUS_EVENTS: dict[tuple[str, str], str] = {
    ("identification_status", IdentificationStatus.IDENTIFIED_FORMALLY): "identified_formally",
    ("identification_status", IdentificationStatus.IDENTIFIED_INFORMALLY): (
        "identified_informally"
    ),
    ("assistance_status", AssistanceStatus.ACCEPTED): "assisted",
    ("return_status", ReturnStatus.COMPLETED): "returned",
}
Event = list[Any]  # [indicator, "YYYY-MM-01", amount or None, breakdown or None]
# The indicators counted from contributions (the rest: referrals by month, snapshots).
CASE_CODES = tuple(code for code, i in BY_CODE.items() if i.source in CASE_SOURCES)


def _events(profile: Profile) -> list[Event]:
    opened = month_of(profile.opened).isoformat()
    events: list[Event] = [["new_cases", opened, None, None]]
    if profile.retrafficked:
        events.append(["retrafficked", opened, None, None])
    return events


def contributions(case_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The contribution of each live case among ``case_ids`` (a deleted case has none)."""
    known = profiles(case_ids)
    events: dict[int, list[Event]] = {pk: _events(p) for pk, p in known.items()}
    status_months: set[tuple[int, str, str]] = set()  # a case counts once a month
    for case_id, attribute, value, moment in CaseStatusChange.objects.filter(
        case_id__in=list(known)
    ).values_list("case_id", "attribute", "new_value", "changed_at"):
        code = STATUS_EVENTS.get((attribute, value))
        if code is not None:
            status_months.add((case_id, code, month_of(moment).isoformat()))
    for case_id, code, month in sorted(status_months):
        events[case_id].append([code, month, None, None])
    for case_id, initiated, compensated in Proceeding.objects.filter(
        case_id__in=list(known)
    ).values_list("case_id", "initiated", "compensation_obtained"):
        for code, flag in (("in_proceedings", initiated), ("compensation_obtained", compensated)):
            entry = [code, month_of(known[case_id].opened).isoformat(), None, None]
            if flag and entry not in events[case_id]:
                events[case_id].append(entry)
    for case_id, starts_on, ends_on in ReflectionPeriod.objects.filter(
        case_id__in=list(known)
    ).values_list("case_id", "starts_on", "ends_on"):
        days = float((ends_on - starts_on).days + 1)
        events[case_id].append(["reflection_periods", month_of(starts_on).isoformat(), days, None])
    for case_id, started_on, code in CaseMeasure.objects.filter(
        case_id__in=list(known), started_on__isnull=False
    ).values_list("case_id", "started_on", "code"):
        breakdown = {"sop": [code.split(".", 1)[0]], "measure": [code]}
        events[case_id].append(
            ["measures_started", month_of(started_on).isoformat(), None, breakdown]
        )
    return {
        pk: {
            "o": p.organisation_id,
            "c": p.country,
            # the values in CASE_DIMENSIONS order: ~40 % smaller than by name (a million rows)
            "v": [sorted(set(p.values[dimension])) for dimension in CASE_DIMENSIONS],
            "e": sorted(events[pk], key=_event_order),
        }
        for pk, p in known.items()
    }


def _event_order(event: Event) -> tuple[str, str, float, str]:
    code, month, amount, breakdown = event
    return (
        code,
        month,
        -1.0 if amount is None else float(amount),
        json.dumps(breakdown, sort_keys=True),
    )


def canonical(contribution: dict[str, Any] | None) -> dict[str, Any] | None:
    """``contribution`` in one order (its lists sorted): a contribution the database built
    (``bulk.store_range``) compares equal to the same one built here."""
    if contribution is None:
        return None
    return {
        **contribution,
        "v": [sorted(set(values)) for values in contribution["v"]],
        "e": sorted(contribution["e"], key=_event_order),
    }


def expand(tally: Tally, contribution: dict[str, Any], times: int) -> None:
    """Add (``times`` 1) or take away (-1) what ``contribution`` counts."""
    values = dict(zip(CASE_DIMENSIONS, contribution["v"], strict=True))
    for code, month, amount, breakdown in contribution["e"]:
        tally.add(
            code,
            contribution["o"],
            contribution["c"],
            breakdown or values,
            amount,
            times=times,
            period=date.fromisoformat(month),
        )


def add_to_cells(changes: Iterable[tuple[Key, int, float]]) -> None:
    """Add counts and sums to the cells (creating the missing ones); cells left at zero go."""
    rows = list(changes)
    if connection.vendor == "postgresql":
        _upsert_postgresql(rows)
    else:
        for (code, period, organisation_id, country, dimension, value), n, t in rows:
            key = {
                "indicator": code,
                "period": period,
                "organisation_id": organisation_id,
                "country_code": country,
                "dimension": dimension,
                "value": value,
            }
            if not StatsCell.objects.filter(**key).update(
                count=F("count") + n, total=F("total") + t
            ):
                StatsCell.objects.create(**key, count=n, total=t)
    periods = sorted({key[1] for key, _n, _t in rows})
    if periods:
        StatsCell.objects.filter(period__in=periods, count=0).delete()


# The unique constraint ``stats_cell_unique`` (NULLS NOT DISTINCT on PostgreSQL) is the
# conflict target: an existing cell gets the change added, a missing one is created.
_UPSERT = (
    "INSERT INTO stats_statscell (indicator, period, organisation_id, country_code, dimension, "
    "value, count, total) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (indicator, "
    "period, organisation_id, country_code, dimension, value) DO UPDATE SET "
    "count = stats_statscell.count + EXCLUDED.count, total = stats_statscell.total + EXCLUDED.total"
)


def _upsert_postgresql(rows: list[tuple[Key, int, float]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(_UPSERT, [(*key, n, t) for key, n, t in rows])


def _store(contributions: dict[int, dict[str, Any]]) -> None:
    StatsCaseContribution.objects.bulk_create(
        [StatsCaseContribution(case_id=pk, data=data) for pk, data in contributions.items()],
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["case_id"],
        update_fields=["data"],
    )


def store_batch(case_ids: list[int], tally: Tally) -> int:
    """A full fill's batch: store the cases' contributions and add them to ``tally`` (the
    cells are written once, at the end: ``replace_case_cells``); the cases stored.

    The full fill on SQLite only: on PostgreSQL the database builds the contributions itself
    (``bulk.store_range``)."""
    found = contributions(case_ids)
    for data in found.values():
        expand(tally, data, 1)
    _store(found)
    return len(found)


def stored_tally(up_to: int) -> Tally:
    """What the contributions stored so far add up to (a full fill resumed after case
    ``up_to``)."""
    tally = Tally()
    rows = StatsCaseContribution.objects.filter(case_id__lte=up_to).values_list("data", flat=True)
    for data in rows.iterator(chunk_size=CHUNK):
        expand(tally, data, 1)
    return tally


def replace_case_cells(tally: Tally) -> int:
    """The full fill's swap: the case cells replaced by ``tally``'s, in the caller's
    transaction (a reader sees the old figures or the new ones)."""
    StatsCell.objects.filter(indicator__in=CASE_CODES).delete()
    return len(StatsCell.objects.bulk_create(tally.cells(), batch_size=CHUNK))


def apply_cases(case_ids: list[int]) -> int:
    """Take the stored contribution of each case out of the cells and put its present one in,
    in one transaction (run twice, the second changes nothing); the cases changed."""
    with transaction.atomic():
        old = dict(
            StatsCaseContribution.objects.select_for_update()
            .filter(case_id__in=case_ids)
            .values_list("case_id", "data")
        )
        new = contributions(case_ids)
        changed = [pk for pk in case_ids if canonical(old.get(pk)) != new.get(pk)]
        if not changed:
            return 0
        tally = Tally()
        for pk in changed:
            if pk in old:
                expand(tally, old[pk], -1)
            if pk in new:
                expand(tally, new[pk], 1)
        add_to_cells(tally.changes())
        StatsCaseContribution.objects.filter(
            case_id__in=[pk for pk in changed if pk not in new]
        ).delete()
        _store({pk: new[pk] for pk in changed if pk in new})
    return len(changed)
