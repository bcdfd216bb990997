"""``fill_stats``: write the pre-aggregated cells from the case and referral tables (issue 15 §2).

The unit of work is a month: recomputing a month deletes its cells and writes them again from
the source tables, in one transaction, so running it twice changes nothing (idempotent). A fill
first works out which months changed since the last one (the watermark ``changes_until``) and
stores them as ``pending``; each month done leaves the list, so an interrupted fill resumes
where it stopped. The figures "as of now" (overdue tasks and referrals, directory entries due
for review, exchange packages) are replaced as a whole at the end of every fill.

Only counts and sums leave the source tables here; the cells hold true counts and every figure
shown passes ``opentrm.stats.disclosure.protect``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from opentrm.cases.models import (
    Case,
    CaseCountry,
    CaseExploitation,
    CaseMeasure,
    CaseService,
    CaseStatusChange,
    PersonCitizenship,
    Proceeding,
    ReflectionPeriod,
    Task,
)
from opentrm.cases.models.case import (
    AssistanceStatus,
    CountryRole,
    IdentificationStatus,
    ReturnStatus,
)
from opentrm.directory.models import ContactPoint, Organisation
from opentrm.directory.selectors import review_cutoff
from opentrm.exchange.models import OutboxMessage
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import timelines
from opentrm.stats.indicators import (
    BY_CODE,
    CASE_INDICATORS,
    TOTAL,
    UNKNOWN,
    age_band,
)
from opentrm.stats.models import StatsCaseMonth, StatsCell, StatsFill
from opentrm.stats.services.months import (
    CHUNK,
    aware,
    changed_months,
    chunks,
    first_month,
    month_start,
    months_between,
    next_month,
)

# Changes saved just before a fill but committed after it looked are caught by the next one.
OVERLAP = timedelta(minutes=10)
STATUS_EVENTS: dict[str, tuple[str, str]] = {
    "identified_formally": ("identification_status", IdentificationStatus.IDENTIFIED_FORMALLY),
    "identified_informally": (
        "identification_status",
        IdentificationStatus.IDENTIFIED_INFORMALLY,
    ),
    "assisted": ("assistance_status", AssistanceStatus.ACCEPTED),
    "returned": ("return_status", ReturnStatus.COMPLETED),
}
ACCEPTED = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.RETURN_ARRANGED,
    ReferralStatus.ARRIVAL_CONFIRMED,
)
SNAPSHOT_CODES = tuple(code for code, i in BY_CODE.items() if i.source == "snapshot")
IDENTIFIED: dict[str, str] = {
    IdentificationStatus.IDENTIFIED_FORMALLY: "identified",
    IdentificationStatus.IDENTIFIED_INFORMALLY: "identified",
    IdentificationStatus.PRESUMED: "presumed",
    IdentificationStatus.NOT_A_VICTIM: "not_a_victim",
}

Key = tuple[str, int | None, str, str, str]  # indicator, organisation, country, dimension, value


@dataclass
class FillResult:
    months: int = 0
    cells: int = 0
    resumed: int = 0
    full: bool = False


@dataclass
class Profile:
    """What a case contributes to the breakdowns (no identifier beyond the case id)."""

    organisation_id: int
    country: str
    values: dict[str, list[str]] = field(default_factory=dict)
    retrafficked: bool = False


# --- one month's cells -----------------------------------------------------------------------


def _child(dob: date | None, opened: date, estimate: str) -> tuple[str, str]:
    """(age band, child/adult) at the opening of the case."""
    if dob is not None:
        age = opened.year - dob.year - ((opened.month, opened.day) < (dob.month, dob.day))
        return age_band(age), "child" if age < 18 else "adult"
    if estimate == "under_18":
        return UNKNOWN, "child"
    if estimate == "over_18":
        return UNKNOWN, "adult"
    return UNKNOWN, UNKNOWN


def profiles(case_ids: Iterable[int]) -> dict[int, Profile]:
    """Breakdown values of the live cases among ``case_ids``."""
    found: dict[int, Profile] = {}
    for batch in chunks(sorted(set(case_ids))):
        person_of: dict[int, int] = {}
        rows = Case.objects.live().filter(pk__in=batch)
        for row in rows.values(
            "pk",
            "person_id",
            "owner_organisation_id",
            "owner_organisation__country__code",
            "opened_on",
            "identification_status",
            "referrer_type",
            "previously_trafficked",
            "person__sex",
            "person__date_of_birth",
            "person__age_band",
        ):
            band, child = _child(
                row["person__date_of_birth"], row["opened_on"], row["person__age_band"]
            )
            found[row["pk"]] = Profile(
                organisation_id=row["owner_organisation_id"],
                country=row["owner_organisation__country__code"] or "",
                retrafficked=bool(row["previously_trafficked"]),
                values={
                    "sex": [row["person__sex"] or UNKNOWN],
                    "age_band": [band],
                    "child": [child],
                    "referrer_type": [row["referrer_type"] or UNKNOWN],
                    "identification": [IDENTIFIED.get(row["identification_status"], "other")],
                    "citizenship": [],
                    "origin": [],
                    "exploitation_country": [],
                    "recruitment_country": [],
                    "exploitation_type": [],
                },
            )
            person_of[row["person_id"]] = row["pk"]
        for person_id, code in PersonCitizenship.objects.filter(
            person_id__in=list(person_of)
        ).values_list("person_id", "country_code"):
            found[person_of[person_id]].values["citizenship"].append(code.upper())
        roles: dict[str, str] = {
            CountryRole.ORIGIN: "origin",
            CountryRole.EXPLOITATION: "exploitation_country",
            CountryRole.RECRUITMENT: "recruitment_country",
        }
        for case_id, code, role in CaseCountry.objects.filter(
            case_id__in=batch, role__in=list(roles)
        ).values_list("case_id", "country_code", "role"):
            if case_id in found:
                found[case_id].values[roles[role]].append(code.upper())
        for case_id, kind in CaseExploitation.objects.filter(case_id__in=batch).values_list(
            "case_id", "type"
        ):
            if case_id in found:
                found[case_id].values["exploitation_type"].append(kind)
    for profile in found.values():
        for values in profile.values.values():
            if not values:
                values.append(UNKNOWN)
    return found


class Tally:
    """Counts and sums by cell key."""

    def __init__(self) -> None:
        self.count: Counter[Key] = Counter()
        self.total: defaultdict[Key, float] = defaultdict(float)

    def add(
        self,
        code: str,
        organisation_id: int | None,
        country: str,
        breakdown: dict[str, list[str]],
        amount: float | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Count ``times`` events (each of ``amount``, for a duration) under every breakdown
        of the indicator ``code``."""
        for dimension in BY_CODE[code].dimensions:
            values = (
                [""] if dimension == TOTAL else sorted(set(breakdown.get(dimension, [UNKNOWN])))
            )
            for value in values:
                key = (code, organisation_id, country, dimension, value)
                self.count[key] += times
                if amount is not None:
                    self.total[key] += amount * times

    def cells(self, period: date) -> list[StatsCell]:
        return [
            StatsCell(
                indicator=code,
                period=period,
                organisation_id=organisation_id,
                country_code=country,
                dimension=dimension,
                value=value[:64],
                count=count,
                total=self.total.get((code, organisation_id, country, dimension, value), 0.0),
            )
            for (code, organisation_id, country, dimension, value), count in self.count.items()
        ]


def _case_events(start: date, end: date) -> dict[str, set[int]]:
    """Case ids per case indicator for the month [start, end)."""
    since, until = aware(start), aware(end)
    opened = set(
        Case.objects.live()
        .filter(opened_on__gte=start, opened_on__lt=end)
        .values_list("pk", flat=True)
    )
    events: dict[str, set[int]] = {"new_cases": opened}
    for code, (attribute, new_value) in STATUS_EVENTS.items():
        events[code] = set(
            CaseStatusChange.objects.filter(
                attribute=attribute,
                new_value=new_value,
                changed_at__gte=since,
                changed_at__lt=until,
            ).values_list("case_id", flat=True)
        )
    cohort: dict[str, set[int]] = {"in_proceedings": set(), "compensation_obtained": set()}
    for batch in chunks(sorted(opened)):
        proceedings = Proceeding.objects.filter(case_id__in=batch)
        cohort["in_proceedings"].update(
            proceedings.filter(initiated=True).values_list("case_id", flat=True)
        )
        cohort["compensation_obtained"].update(
            proceedings.filter(compensation_obtained=True).values_list("case_id", flat=True)
        )
    events.update(cohort)
    return events


def _case_cells(tally: Tally, start: date, end: date) -> set[int]:
    events = _case_events(start, end)
    reflections = list(
        ReflectionPeriod.objects.filter(starts_on__gte=start, starts_on__lt=end).values_list(
            "case_id", "starts_on", "ends_on"
        )
    )
    measures = list(
        CaseMeasure.objects.filter(started_on__gte=start, started_on__lt=end).values_list(
            "case_id", "code"
        )
    )
    ids = set().union(*events.values(), (r[0] for r in reflections), (m[0] for m in measures))
    known = profiles(ids)
    for indicator in CASE_INDICATORS:
        if indicator.code == "retrafficked":
            continue
        for case_id in events[indicator.code]:
            profile = known.get(case_id)
            if profile is not None:
                tally.add(indicator.code, profile.organisation_id, profile.country, profile.values)
    for case_id in events["new_cases"]:
        profile = known.get(case_id)
        if profile is not None and profile.retrafficked:
            tally.add("retrafficked", profile.organisation_id, profile.country, profile.values)
    for case_id, starts_on, ends_on in reflections:
        profile = known.get(case_id)
        if profile is not None:
            days = float((ends_on - starts_on).days + 1)
            tally.add(
                "reflection_periods",
                profile.organisation_id,
                profile.country,
                profile.values,
                amount=days,
            )
    for case_id, code in measures:
        profile = known.get(case_id)
        if profile is not None:
            breakdown = {"sop": [code.split(".", 1)[0]], "measure": [code]}
            tally.add("measures_started", profile.organisation_id, profile.country, breakdown)
    return events["new_cases"]


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


def recompute_month(period: date) -> int:
    """Replace the cells of one month (every indicator except the snapshots); the number
    written. One transaction: a month is either the old figures or the new ones."""
    end = next_month(period)
    tally = Tally()
    with transaction.atomic():
        opened = _case_cells(tally, period, end)
        _referral_cells(tally, period, end)
        StatsCell.objects.filter(period=period).exclude(indicator__in=SNAPSHOT_CODES).delete()
        written = StatsCell.objects.bulk_create(tally.cells(period), batch_size=CHUNK)
        StatsCaseMonth.objects.filter(period=period).exclude(case_id__in=opened).delete()
        StatsCaseMonth.objects.bulk_create(
            [StatsCaseMonth(case_id=pk, period=period) for pk in opened],
            batch_size=CHUNK,
            update_conflicts=True,
            unique_fields=["case_id"],
            update_fields=["period"],
        )
    return len(written)


# --- figures as of now ---------------------------------------------------------------------


def _organisation_countries() -> dict[int, str]:
    return dict(Organisation.objects.values_list("pk", "country__code"))


def snapshot_cells(today: date) -> list[StatsCell]:
    tally = Tally()
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
    return tally.cells(month_start(today))


# --- the fill ---------------------------------------------------------------------------------


def _state() -> StatsFill:
    state = StatsFill.objects.select_for_update().order_by("pk").first()
    return state if state is not None else StatsFill.objects.create()


def fill(
    *,
    full: bool = False,
    now: datetime | None = None,
    overlap: timedelta = OVERLAP,
    progress: Callable[[str], None] | None = None,
) -> FillResult:
    """Bring the cells up to date: every month with ``full`` (or on the first fill), else the
    months changed since the last fill and those an interrupted fill left pending.

    ``overlap``: how far before the last fill's start changes are looked at again (saved
    before it, committed after it looked)."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    result = FillResult()
    with transaction.atomic():
        state = _state()
        resumed = {date.fromisoformat(day) for day in state.pending}
        result.resumed = len(resumed)
        if full or state.changes_until is None:
            result.full = True
            first = first_month()
            months = set(months_between(first, today)) if first else set()
            StatsCell.objects.exclude(period__in=months).delete()
            StatsCaseMonth.objects.exclude(period__in=months).delete()
        else:
            months = changed_months(state.changes_until - overlap)
        months |= resumed
        state.pending = sorted(day.isoformat() for day in months)
        state.started_at = moment
        state.save()
    for period in sorted(months):
        result.cells += recompute_month(period)
        result.months += 1
        with transaction.atomic():
            state = _state()
            state.pending = [day for day in state.pending if day != period.isoformat()]
            state.save(update_fields=["pending"])
        if progress is not None:
            progress(f"{period:%Y-%m}")
    with transaction.atomic():
        StatsCell.objects.filter(indicator__in=SNAPSHOT_CODES).delete()
        result.cells += len(StatsCell.objects.bulk_create(snapshot_cells(today), batch_size=CHUNK))
        state = _state()
        state.changes_until = moment
        state.finished_at = timezone.now()
        state.snapshot_on = today
        state.save()
    return result
