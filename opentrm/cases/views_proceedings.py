"""Proceedings, the no-contact list, interviews and hearings (issue 3 §9)."""

from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.cases.models import Case


def proceedings_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's section (to be built)."""
    return {}
