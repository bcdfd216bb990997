"""Progressive delays after failed log-ins, per user name and real client address.

The first ``OPENTRM_LOGIN_FAILURE_LIMIT`` failures cost nothing. After that, each further attempt
from the same address for the same user name must wait: ``OPENTRM_LOGIN_DELAY_SECONDS`` after the
limit is reached, doubling with every further failure, at most ``OPENTRM_LOGIN_LOCKOUT_MINUTES``.
An attempt during the wait is answered "try again in N seconds" without the password being
checked (so guessing gains nothing), and nothing sleeps in the request. Because the key is the
pair, an attacker elsewhere cannot slow an officer down by typing her name.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from opentrm.accounts.models import LoginThrottle, User
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event

USERNAME_MAX = 150
# The same delays guard the other doors a guesser knocks at, each under a name no user can
# have ('#' is not allowed in user names): API tokens (accounts/api_auth.py) and the node's
# exchange inbox (exchange/views_inbox.py), per client address.
API_TOKEN_DOOR = "#api-token"  # noqa: S105 (a name, not a secret)
EXCHANGE_INBOX_DOOR = "#exchange-inbox"
# Each door's free failures before the delays start (settings named here).
_LIMIT_SETTING = {
    API_TOKEN_DOOR: "OPENTRM_API_TOKEN_FAILURE_LIMIT",
    EXCHANGE_INBOX_DOOR: "OPENTRM_EXCHANGE_FAILURE_LIMIT",
}


def _limit(key: str) -> int:
    return int(getattr(settings, _LIMIT_SETTING.get(key, "OPENTRM_LOGIN_FAILURE_LIMIT")))


def _key(username: str) -> str:
    return (username or "").strip().casefold()[:USERNAME_MAX]


def delay_after(failures: int, limit: int | None = None) -> timedelta:
    """How long an address must wait after ``failures`` failures in a row for one user name
    (``limit`` free failures first; by default OPENTRM_LOGIN_FAILURE_LIMIT)."""
    if limit is None:
        limit = settings.OPENTRM_LOGIN_FAILURE_LIMIT
    if failures < limit:
        return timedelta(0)
    cap = settings.OPENTRM_LOGIN_LOCKOUT_MINUTES * 60
    exponent = min(failures - limit, 32)
    return timedelta(seconds=min(settings.OPENTRM_LOGIN_DELAY_SECONDS * 2**exponent, cap))


def _forgotten(row: LoginThrottle) -> bool:
    forget = timedelta(hours=settings.OPENTRM_LOGIN_FORGET_HOURS)
    return row.last_failure_at + forget <= timezone.now()


def login_wait_seconds(*, username: str, address: str) -> int:
    """Seconds this address must still wait before it may try this user name again (0: now)."""
    return login_wait(username=username, address=address)[0]


def login_wait(*, username: str, address: str) -> tuple[int, bool]:
    """``login_wait_seconds``, and whether failures are on record (a success then clears them;
    without any, a success has nothing to write)."""
    row = LoginThrottle.objects.filter(username=_key(username), address=address).first()
    if row is None:
        return 0, False
    if _forgotten(row):
        return 0, True
    remaining = (
        row.last_failure_at + delay_after(row.failures, _limit(row.username)) - timezone.now()
    )
    return max(0, math.ceil(remaining.total_seconds())), True


@transaction.atomic
def login_failure_record(*, username: str, address: str) -> int:
    """Count a failed log-in; audit the moment a delay starts. Returns the failures in a row."""
    key = _key(username)
    now = timezone.now()
    # Forgotten rows go, so that names sprayed from many addresses do not pile up.
    forget = timedelta(hours=settings.OPENTRM_LOGIN_FORGET_HOURS)
    LoginThrottle.objects.filter(last_failure_at__lt=now - forget).delete()
    row = LoginThrottle.objects.select_for_update().filter(username=key, address=address).first()
    if row is None:
        try:
            with transaction.atomic():
                row = LoginThrottle.objects.create(
                    username=key, address=address, failures=1, last_failure_at=now
                )
        except IntegrityError:  # a concurrent first failure made the row
            row = LoginThrottle.objects.select_for_update().get(username=key, address=address)
            LoginThrottle.objects.filter(pk=row.pk).update(
                failures=F("failures") + 1, last_failure_at=now
            )
            row.refresh_from_db()
    elif _forgotten(row):
        row.failures = 1
        row.last_failure_at = now
        row.save(update_fields=["failures", "last_failure_at"])
    else:
        LoginThrottle.objects.filter(pk=row.pk).update(
            failures=F("failures") + 1, last_failure_at=now
        )
        row.refresh_from_db()
    if row.failures >= _limit(key):
        # The targeted account (if the name exists) is the event's target; the actor is unknown.
        # The client address is not recorded in the audit trail (it is personal data).
        user = User.objects.filter(username__iexact=key).only("pk").first()
        record_event(
            event_type=EventType.USER_LOCKED_OUT,
            actor=None,
            target=user,
            detail={
                "failures": row.failures,
                "delay_seconds": int(delay_after(row.failures, _limit(key)).total_seconds()),
                "known_user": user is not None,
            },
        )
    return row.failures


def login_success_record(*, username: str, address: str) -> None:
    LoginThrottle.objects.filter(username=_key(username), address=address).delete()
