"""Assessments and the health record on the case file (issue 3 §7)."""

from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.cases.models import Case


def assessments_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's section (to be built)."""
    return {}
