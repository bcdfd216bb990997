"""What every kind of referral shares: its number. Its steps: ``services.transitions`` and
the state machine in ``opentrm.referrals.states``."""

from django.db import connection, transaction
from django.utils import timezone

from opentrm.referrals.models import ReferralNumberSequence


def _taken(year: int) -> int | None:
    """The year's next number, counted and locked in one statement (``UPDATE ... RETURNING``,
    PostgreSQL and SQLite 3.35+): the row stays locked to the end of the caller's transaction,
    as with ``SELECT ... FOR UPDATE`` and an update, in one round trip instead of two. None
    when the year has no row yet."""
    table, last, year_column = (
        connection.ops.quote_name(name)
        for name in (ReferralNumberSequence._meta.db_table, "last", "year")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_column} = %s "  # noqa: S608
            f"RETURNING {last}",
            [year],
        )
        row = cursor.fetchone()
    return int(row[0]) if row is not None else None


def next_reference(country_code: str) -> str:
    """``REF-AL-2026-000001``: per node and year, gapless, taken under a row lock."""
    year = timezone.localdate().year
    # No savepoint of its own inside the caller's transaction: a failure fails the caller's.
    with transaction.atomic(savepoint=False):
        number = _taken(year)
        if number is None:  # the first referral of the year
            ReferralNumberSequence.objects.get_or_create(year=year)
            number = _taken(year)
        assert number is not None
    return f"REF-{country_code}-{year}-{number:06d}"
