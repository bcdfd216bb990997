"""The agreement's text as a PDF (issue 4 §1): the version that governs, or the latest draft."""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opentrm.accounts.policy import Action, Actor, require
from opentrm.agreements import states
from opentrm.agreements.models import Agreement, AgreementVersion
from opentrm.agreements.presentation import version_view
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core import pdf


def build_context(agreement: Agreement, version: AgreementVersion, today: date) -> dict[str, Any]:
    return {
        "agreement": agreement,
        "summary": states.summary(agreement, today),
        "version": version_view(version),
        "generated_on": today,
        "node_name": settings.OPENTRM_NODE_NAME,
    }


def version_to_print(agreement: Agreement, today: date, number: int | None) -> AgreementVersion:
    versions = states.versions_of(agreement)
    if number is not None:
        chosen = next((v for v in versions if v.number == number), None)
        if chosen is not None:
            return chosen
    return states.governing_version(agreement, today) or versions[-1]


def agreement_pdf(*, actor: Actor, agreement: Agreement, number: int | None = None) -> bytes:
    """Render the text, then audit the export; the file is handed out only once audited."""
    require(actor, Action.AGREEMENT_VIEW)
    today = timezone.localdate()
    version = version_to_print(agreement, today, number)
    content = pdf.render("agreements/agreement_pdf.html", build_context(agreement, version, today))
    with transaction.atomic():
        record_event(
            event_type=EventType.AGREEMENT_EXPORTED,
            actor=actor,
            target=agreement,
            detail={"agreement_id": agreement.pk, "version": version.number, "format": "pdf"},
        )
    return content
