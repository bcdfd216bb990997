"""The case page's panel of the person's data-protection rights (issue 17 §5): the leaflet of
what is stored and who may see it, and, for the controller, the subject-access report, each in
every language the node offers."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases.models import Case


def rights_panel(actor: Actor, case: Case) -> Mapping[str, Any] | None:
    """Offered to those who answer the person as the controller (``SUBJECT_ACCESS`` on the
    case); nothing for anyone else."""
    if not can(actor, Action.SUBJECT_ACCESS, case):
        return None
    return {"case": case, "languages": settings.LANGUAGES}
