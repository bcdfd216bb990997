"""Services offered, accepted, delivered or refused (issue 3 §8)."""

from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.cases.models import Case


def services_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's section (to be built)."""
    return {}
