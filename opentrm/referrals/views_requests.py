"""The referral page's requests section (issue 4)."""

from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.referrals.models import Referral


def request_context(actor: Actor, referral: Referral) -> dict[str, Any]:
    """To be built."""
    return {}
