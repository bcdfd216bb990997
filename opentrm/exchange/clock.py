"""The exchange's time source.

Every timestamp the exchange signs or checks (``iat`` of a package, ``received_at`` of a
receipt, the age and skew checks, the retry schedule) comes from :func:`now`, so the tests can
give one node a clock that runs ahead or behind the other's: ``OPENTRM_TEST_CLOCK_OFFSET_SECONDS``
(seconds, may be negative) shifts this node's exchange clock. It is a test hook: a production
node (``OPENTRM_ENV=production``) ignores it.
"""

import os
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

OFFSET_VARIABLE = "OPENTRM_TEST_CLOCK_OFFSET_SECONDS"


def offset() -> timedelta:
    """The test offset of this node's clock (zero in production and by default)."""
    if getattr(settings, "PRODUCTION", False):
        return timedelta(0)
    value = os.environ.get(OFFSET_VARIABLE, "").strip()
    return timedelta(seconds=float(value)) if value else timedelta(0)


def now() -> datetime:
    """The current time (aware, UTC) as this node's exchange sees it."""
    return timezone.now() + offset()
