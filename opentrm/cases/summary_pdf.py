"""The printable case summary (issue 12 §4): what the actor may see of the case on one or two
pages (statuses, the person as far as the role sees identity, consents, measures on the case,
next deadlines), marked confidential on every page. Rendered by ``core.pdf``; the export is
audited (which field groups were printed) before the file is handed out."""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import casefile, selectors, states
from opentrm.cases.models import Case
from opentrm.cases.services.measures import measure_board
from opentrm.core import pdf


def build_context(actor: Actor, case: Case, today: date) -> dict[str, Any]:
    view = selectors.case_view(actor=actor, case=case, is_child=states.is_child_case(case, today))
    summary = casefile.case_summary(actor, case, deadlines_shown=10)
    return {
        "case": case,
        "view": view,
        "summary": summary,
        "reflection_line": casefile.reflection_line(summary),
        "measures": [
            (sop.name, sop.on_case)
            for sop in measure_board(actor=actor, case=case, today=today)
            if sop.on_case
        ],
        **casefile.consents_context(actor, case),
        "generated_at": timezone.localtime(),
        "node_name": settings.OPENTRM_NODE_NAME,
        "printed_by": actor.user.get_full_name() or actor.user.get_username(),
        "organisation": actor.organisation_label,
    }


def case_summary_pdf(*, actor: Actor, case: Case) -> bytes:
    """Render the summary, then audit the export; the file is handed out only once audited.
    The caller has read the case through ``access_case``."""
    require(actor, Action.CASE_VIEW)  # the role; the case itself through access_case
    today = timezone.localdate()
    context = build_context(actor, case, today)
    content = pdf.render("cases/case_summary_pdf.html", context)
    with transaction.atomic():
        record_event(
            event_type=EventType.CASE_SUMMARY_EXPORTED,
            actor=actor,
            target=case,
            detail={
                "case_id": case.pk,
                "groups": sorted(group.value for group in context["view"].groups),
                "format": "pdf",
            },
        )
    return content
