"""Months: the calendar arithmetic of the fill, and which months a change since the last fill
touches (``opentrm.stats.services.fill``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.db.models import Min, Q
from django.utils import timezone

from opentrm.cases.models import (
    Case,
    CaseMeasure,
    CaseService,
    CaseStatusChange,
    Person,
    Proceeding,
    ReflectionPeriod,
)
from opentrm.referrals.models import Referral
from opentrm.stats.models import StatsCaseMonth

CHUNK = 5000
T = TypeVar("T")


# --- helpers ------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    months = []
    current = month_start(first)
    while current <= last:
        months.append(current)
        current = next_month(current)
    return months


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def month_of(moment: datetime | date | None) -> date:
    assert moment is not None  # the callers filter the empty dates out
    if isinstance(moment, datetime):
        return month_start(timezone.localdate(moment))
    return month_start(moment)


# --- which months changed ------------------------------------------------------------------


def first_month() -> date | None:
    candidates = [
        Case.objects.aggregate(m=Min("opened_on"))["m"],
        Referral.objects.aggregate(m=Min("sent_at"))["m"],
        CaseStatusChange.objects.aggregate(m=Min("changed_at"))["m"],
        ReflectionPeriod.objects.aggregate(m=Min("starts_on"))["m"],
        CaseMeasure.objects.aggregate(m=Min("started_on"))["m"],
    ]
    months = [month_of(c) for c in candidates if c is not None]
    return min(months) if months else None


def _changed_case_ids(since: datetime) -> set[int]:
    ids: set[int] = set(
        Case.objects.filter(Q(updated_at__gt=since) | Q(deleted_at__gt=since)).values_list(
            "pk", flat=True
        )
    )
    persons = Person.objects.filter(updated_at__gt=since).values("pk")
    ids.update(Case.objects.filter(person__in=persons).values_list("pk", flat=True))
    for model, moment in (
        (CaseStatusChange, "changed_at"),
        (Proceeding, "updated_at"),
        (ReflectionPeriod, "updated_at"),
        (CaseMeasure, "updated_at"),
        (CaseService, "updated_at"),
    ):
        ids.update(
            model.objects.filter(**{f"{moment}__gt": since}).values_list("case_id", flat=True)
        )
    return ids


def _months_of_cases(case_ids: set[int]) -> set[date]:
    months: set[date] = set()
    for batch in chunks(sorted(case_ids)):
        sources: list[Iterable[Any]] = [
            Case.objects.filter(pk__in=batch).values_list("opened_on", flat=True),
            StatsCaseMonth.objects.filter(case_id__in=batch).values_list("period", flat=True),
            CaseStatusChange.objects.filter(case_id__in=batch).values_list("changed_at", flat=True),
            ReflectionPeriod.objects.filter(case_id__in=batch).values_list("starts_on", flat=True),
            CaseMeasure.objects.filter(case_id__in=batch, started_on__isnull=False).values_list(
                "started_on", flat=True
            ),
            Referral.objects.filter(case_id__in=batch, sent_at__isnull=False).values_list(
                "sent_at", flat=True
            ),
        ]
        for source in sources:
            months.update(month_of(moment) for moment in source)
    return months


def changed_months(since: datetime) -> set[date]:
    """The months whose cells may differ from what changed after ``since``."""
    months = _months_of_cases(_changed_case_ids(since))
    months.update(
        month_of(moment)
        for moment in Referral.objects.filter(
            updated_at__gt=since, sent_at__isnull=False
        ).values_list("sent_at", flat=True)
    )
    return months
