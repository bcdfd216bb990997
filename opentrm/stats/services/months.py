"""Months: the calendar arithmetic of the fill, and which months a change since the last fill
touches (``opentrm.stats.services.fill``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import TypeVar

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


def changed_case_ids(since: datetime) -> set[int]:
    """The cases whose contribution may differ from what changed after ``since``."""
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


def referral_months(since: datetime, case_ids: set[int]) -> set[date]:
    """The months (sent) of the referrals changed after ``since`` or of the changed cases
    (their first service counts in the referral's figures)."""
    months = {
        month_of(moment)
        for moment in Referral.objects.filter(
            updated_at__gt=since, sent_at__isnull=False
        ).values_list("sent_at", flat=True)
    }
    for batch in chunks(sorted(case_ids)):
        months.update(
            month_of(moment)
            for moment in Referral.objects.filter(
                case_id__in=batch, sent_at__isnull=False
            ).values_list("sent_at", flat=True)
        )
    return months


def referral_first_month() -> date | None:
    first = Referral.objects.aggregate(m=Min("sent_at"))["m"]
    return None if first is None else month_of(first)
