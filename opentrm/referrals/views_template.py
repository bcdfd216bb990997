"""The referral page's template section (issue 4)."""

from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.referrals.models import Referral


def template_context(actor: Actor, referral: Referral) -> dict[str, Any]:
    """To be built."""
    return {}
