"""``fill_stats``: write the pre-aggregated cells from the case and referral tables (issue 15 §2).

Case figures are kept by **contribution** (``contributions``): each case's share of the cells
is stored; a fill takes a changed case's old share out and puts its new one in, so an
incremental fill costs the changed cases, whatever months they touch. A full fill applies
every live case the same way onto empty cells, in batches of case ids (``case_cursor``).
Referral figures (timeliness per sending organisation) are recomputed by month, the months of
the referrals changed. Each batch of cases and each month is one transaction, and what is left
to do is stored first (``pending_cases``, ``pending``, ``case_cursor``), so a second run changes
nothing and an interrupted fill resumes where it stopped. The figures "as of now" (overdue
tasks and referrals, directory entries due for review, exchange packages) are replaced as a
whole at the end of every fill.

Only counts and sums leave the source tables here; the cells hold true counts and every figure
shown passes ``opentrm.stats.disclosure.protect``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from opentrm.cases.models import Case, CaseService, Task
from opentrm.directory.models import ContactPoint, Organisation
from opentrm.directory.selectors import review_cutoff
from opentrm.exchange.models import OutboxMessage
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import timelines
from opentrm.stats.indicators import BY_CODE
from opentrm.stats.models import StatsCaseContribution, StatsCell, StatsFill
from opentrm.stats.services import bulk
from opentrm.stats.services.contributions import (
    apply_cases,
    replace_case_cells,
    store_batch,
    stored_tally,
)
from opentrm.stats.services.months import (
    CHUNK,
    aware,
    changed_case_ids,
    chunks,
    month_start,
    months_between,
    next_month,
    referral_first_month,
    referral_months,
)
from opentrm.stats.services.tally import Tally

# Changes saved just before a fill but committed after it looked are caught by the next one.
OVERLAP = timedelta(minutes=10)
# A full fill on PostgreSQL stores the contributions of this many cases per statement.
BULK_CASES = 100_000
ACCEPTED = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.RETURN_ARRANGED,
    ReferralStatus.ARRIVAL_CONFIRMED,
)
SNAPSHOT_CODES = tuple(code for code, i in BY_CODE.items() if i.source == "snapshot")
REFERRAL_CODES = tuple(code for code, i in BY_CODE.items() if i.source == "referral")


@dataclass
class FillResult:
    months: int = 0  # referral months recomputed
    cases: int = 0  # cases whose contribution changed
    cells: int = 0  # referral and snapshot cells written
    resumed: int = 0
    full: bool = False


def _hours(later: datetime | None, earlier: datetime | None) -> float | None:
    return (
        None
        if later is None or earlier is None
        else max((later - earlier).total_seconds() / 3600, 0.0)
    )


def _referral_cells(tally: Tally, start: date, end: date) -> None:
    """Per sending organisation, kind and partner (receiving) country, by the month sent.

    The counts on time come from ``referrals.services.timelines.timeliness`` (the limits the
    referrals themselves carry); the durations from the same dates."""
    since, until = aware(start), aware(end)
    sent = Referral.objects.filter(sent_at__gte=since, sent_at__lt=until)
    senders = dict(
        sent.order_by()
        .values_list("sender_organisation_id", "sender_organisation__country__code")
        .distinct()
    )
    for organisation_id, country in senders.items():
        rows = timelines.timeliness(
            since=since,
            until=until,
            referrals=Referral.objects.filter(sender_organisation_id=organisation_id),
        )
        for row in rows:
            breakdown = {"kind": [row.kind], "partner_country": [row.receiver_country.upper()]}
            for code, n in (
                ("referrals_sent", row.sent),
                ("acknowledged_in_time", row.acknowledged_on_time),
                ("answered_in_time", row.answered_on_time),
            ):
                if n:
                    tally.add(code, organisation_id, country or "", breakdown, times=n)
    referrals = list(
        sent.values(
            "case_id",
            "kind",
            "receiver_country",
            "receiver_organisation_id",
            "sender_organisation_id",
            "sender_organisation__country__code",
            "sent_at",
            "acknowledged_at",
            "answered_at",
            "status",
        )
    )
    first_service: dict[tuple[int, int], date] = {}
    case_ids = sorted({r["case_id"] for r in referrals if r["case_id"]})
    for batch in chunks(case_ids):
        for case_id, provider_id, first in (
            CaseService.objects.filter(case_id__in=batch, provider_id__isnull=False)
            .values_list("case_id", "provider_id")
            .annotate(first=Min("offered_on"))
        ):
            first_service[(case_id, provider_id)] = first
    for r in referrals:
        breakdown = {"kind": [r["kind"]], "partner_country": [r["receiver_country"].upper()]}
        who = (r["sender_organisation_id"], r["sender_organisation__country__code"] or "")
        hours = _hours(r["acknowledged_at"], r["sent_at"])
        if hours is not None:
            tally.add("hours_to_acknowledgement", *who, breakdown, amount=hours)
        if r["status"] in ACCEPTED and r["answered_at"] is not None:
            tally.add(
                "hours_to_acceptance",
                *who,
                breakdown,
                amount=_hours(r["answered_at"], r["sent_at"]) or 0.0,
            )
        served = first_service.get((r["case_id"], r["receiver_organisation_id"]))
        sent_on = timezone.localdate(r["sent_at"])
        if served is not None and served >= sent_on:
            tally.add(
                "days_to_first_service", *who, breakdown, amount=float((served - sent_on).days)
            )


def recompute_referral_month(period: date) -> int:
    """Replace the referral figures of one month; the number of cells written. One
    transaction: a month is either the old figures or the new ones."""
    tally = Tally(period)
    with transaction.atomic():
        _referral_cells(tally, period, next_month(period))
        StatsCell.objects.filter(period=period, indicator__in=REFERRAL_CODES).delete()
        written = StatsCell.objects.bulk_create(tally.cells(), batch_size=CHUNK)
    return len(written)


# --- figures as of now ---------------------------------------------------------------------


def _organisation_countries() -> dict[int, str]:
    return dict(Organisation.objects.values_list("pk", "country__code"))


def snapshot_cells(today: date) -> list[StatsCell]:
    tally = Tally(month_start(today))
    countries = _organisation_countries()
    overdue_tasks = (
        Task.objects.filter(done_at__isnull=True, due_on__lt=today, case__deleted_at__isnull=True)
        .order_by()
        .values_list("organisation_id", flat=True)
    )
    for organisation_id, n in Counter(overdue_tasks).items():
        tally.add("tasks_overdue", organisation_id, countries.get(organisation_id, ""), {}, times=n)
    moment = timezone.now()
    late = Referral.objects.filter(timelines.overdue_q(moment)).values_list(
        "sender_organisation_id", "kind", "receiver_country"
    )
    for organisation_id, kind, partner in late:
        tally.add(
            "referrals_overdue",
            organisation_id,
            countries.get(organisation_id, ""),
            {"kind": [kind], "partner_country": [partner.upper()]},
        )
    cutoff = review_cutoff(today)
    for entry, rows in (
        ("organisation", Organisation.objects.filter(is_active=True).stale(cutoff)),
        (
            "contact_point",
            ContactPoint.objects.filter(is_active=True, organisation__is_active=True).stale(cutoff),
        ),
    ):
        country_field = (
            "country__code" if entry == "organisation" else "organisation__country__code"
        )
        for country in rows.values_list(country_field, flat=True):
            tally.add("directory_overdue", None, country or "", {"entry": [entry]})
    for status in OutboxMessage.objects.values_list("status", flat=True):
        tally.add("exchange_packages", None, "", {"status": [status]})
    return tally.cells()


# --- the fill ---------------------------------------------------------------------------------


def _state() -> StatsFill:
    state = StatsFill.objects.select_for_update().order_by("pk").first()
    return state if state is not None else StatsFill.objects.create()


def _start(full: bool, moment: datetime, overlap: timedelta, result: FillResult) -> list[date]:
    """Store what this fill has to do (resumable); the referral months, in order."""
    today = timezone.localdate(moment)
    with transaction.atomic():
        state = _state()
        resumed = {date.fromisoformat(day) for day in state.pending}
        result.resumed = len(resumed) + len(state.pending_cases)
        if full or state.changes_until is None:
            result.full = True
            first = referral_first_month()
            months = set(months_between(first, today)) if first else set()
            # The case cells stay until the full fill swaps them (``replace_case_cells``).
            StatsCell.objects.filter(indicator__in=REFERRAL_CODES).delete()
            StatsCaseContribution.objects.all().delete()
            state.case_cursor, state.pending_cases = 0, []
        else:
            since = state.changes_until - overlap
            changed = changed_case_ids(since)
            months = referral_months(since, changed)
            state.pending_cases = sorted(set(state.pending_cases) | changed)
        months |= resumed
        state.pending = sorted(day.isoformat() for day in months)
        state.started_at = moment
        state.save()
    result.full = result.full or state.case_cursor is not None
    return sorted(months)


def _apply_all_cases(result: FillResult, progress: Callable[[str], None] | None) -> None:
    """A full fill's cases, in batches of ids after ``case_cursor``: each batch's
    contributions stored in its own transaction, their sum kept in memory (a resumed fill
    adds up what was stored), the case cells swapped for it at the end. On PostgreSQL the
    database does both (``bulk``)."""
    with transaction.atomic():
        cursor = _state().case_cursor
    if cursor is None:
        return
    if connection.vendor == "postgresql":
        _apply_all_cases_in_database(cursor, result, progress)
        return
    tally = stored_tally(cursor) if cursor else Tally()
    while True:
        batch = list(
            Case.objects.live()
            .filter(pk__gt=cursor)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not batch:
            break
        with transaction.atomic():
            result.cases += store_batch(batch, tally)
            cursor = batch[-1]
            StatsFill.objects.filter(pk=_state().pk).update(case_cursor=cursor)
        if progress is not None:
            progress(f"cases up to {cursor}")
    with transaction.atomic():
        replace_case_cells(tally)
        StatsFill.objects.filter(pk=_state().pk).update(case_cursor=None)


def _apply_all_cases_in_database(
    cursor: int, result: FillResult, progress: Callable[[str], None] | None
) -> None:
    """``_apply_all_cases`` set-based: the contributions stored by ranges of ``BULK_CASES``
    cases, one transaction each (resumable at ``case_cursor``), then the case cells
    written from all of them by one ``GROUP BY``."""
    while (high := bulk.range_end(cursor, BULK_CASES)) is not None:
        with transaction.atomic():
            result.cases += bulk.store_range(cursor, high)
            StatsFill.objects.filter(pk=_state().pk).update(case_cursor=high)
        cursor = high
        if progress is not None:
            progress(f"cases up to {cursor}")
    with transaction.atomic():
        bulk.replace_case_cells()
        StatsFill.objects.filter(pk=_state().pk).update(case_cursor=None)


def _apply_pending_cases(result: FillResult) -> None:
    while True:
        with transaction.atomic():
            state = _state()
            batch = list(state.pending_cases[:CHUNK])
            if not batch:
                return
            result.cases += apply_cases(batch)
            state.pending_cases = state.pending_cases[CHUNK:]
            state.save(update_fields=["pending_cases"])


def fill(
    *,
    full: bool = False,
    now: datetime | None = None,
    overlap: timedelta = OVERLAP,
    progress: Callable[[str], None] | None = None,
) -> FillResult:
    """Bring the cells up to date: every case and month with ``full`` (or on the first fill),
    else the cases and referral months changed since the last fill and what an interrupted
    fill left.

    ``overlap``: how far before the last fill's start changes are looked at again (saved
    before it, committed after it looked)."""
    moment = now or timezone.now()
    result = FillResult()
    months = _start(full, moment, overlap, result)
    _apply_all_cases(result, progress)
    _apply_pending_cases(result)
    for period in months:
        result.cells += recompute_referral_month(period)
        result.months += 1
        with transaction.atomic():
            state = _state()
            state.pending = [day for day in state.pending if day != period.isoformat()]
            state.save(update_fields=["pending"])
        if progress is not None:
            progress(f"referrals {period:%Y-%m}")
    today = timezone.localdate(moment)
    with transaction.atomic():
        StatsCell.objects.filter(indicator__in=SNAPSHOT_CODES).delete()
        result.cells += len(StatsCell.objects.bulk_create(snapshot_cells(today), batch_size=CHUNK))
        state = _state()
        state.changes_until = moment
        state.finished_at = timezone.now()
        state.snapshot_on = today
        state.save()
    return result
