"""Documents, notes, the timeline and the organisations on a case (issue 3 §12)."""

from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.cases.models import Case


def documents_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's section (to be built)."""
    return {}


def notes_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's section (to be built)."""
    return {}


def participants_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's section (to be built)."""
    return {}
