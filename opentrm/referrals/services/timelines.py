"""When a referral must be acknowledged and answered (issue 4 §8).

Each country sets a time per kind (``ReferralTimeLimit``) in hours or working days of its
``WorkingCalendar``; without a setting the defaults below apply.
"""

from datetime import datetime, timedelta

from opentrm.referrals.models import ReferralKind, TimeUnit

# kind -> (acknowledge within, unit, answer within, unit)
DEFAULTS: dict[str, tuple[int, str, int, str]] = {
    ReferralKind.IMMEDIATE_DANGER: (2, TimeUnit.HOURS, 24, TimeUnit.HOURS),
}
DEFAULT = (2, TimeUnit.WORKING_DAYS, 10, TimeUnit.WORKING_DAYS)


def due_dates(*, kind: str, receiver_country: str, sent_at: datetime) -> tuple[datetime, datetime]:
    """(acknowledge by, answer by) for a referral of ``kind`` sent at ``sent_at``.

    To be completed with the country's settings and working-day calendar."""
    ack, ack_unit, answer, answer_unit = DEFAULTS.get(kind, DEFAULT)
    return _add(sent_at, ack, ack_unit), _add(sent_at, answer, answer_unit)


def _add(start: datetime, amount: int, unit: str) -> datetime:
    if unit == TimeUnit.HOURS:
        return start + timedelta(hours=amount)
    day = start
    added = 0
    while added < amount:
        day += timedelta(days=1)
        if day.isoweekday() < 6:
            added += 1
    return day
