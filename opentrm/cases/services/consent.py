"""The consent register's writes."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case, ConsentDecision, ConsentPurpose, ConsentRecord
from opentrm.cases.services.tasks import sync_generated_tasks
from opentrm.cases.signals import consent_withdrawn
from opentrm.directory.models import Organisation
from opentrm.directory.validation import validate_country_code, validate_language_code


@transaction.atomic
def consent_record(
    *,
    actor: Actor,
    case: Case,
    purpose: str,
    decision: str,
    decided_on: date,
    explained_in: str,
    information_given: str,
    recipient_organisation: Organisation | None = None,
    recipient_country: str = "",
    expires_on: date | None = None,
    interpreter: str = "",
) -> ConsentRecord:
    """Record what the person decided. The newest decision for a purpose and recipient counts."""
    require(actor, Action.CONSENT_RECORD)
    assert actor.membership is not None
    errors: dict[str, str] = {}
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("The date is in the future.")
    if expires_on is not None and expires_on < decided_on:
        errors["expires_on"] = _("A consent cannot expire before it was given.")
    if purpose == ConsentPurpose.SHARE_DATA and not (recipient_organisation or recipient_country):
        errors["recipient_organisation"] = _(
            "Name the organisation or the country the data may be shared with."
        )
    if not information_given.strip():
        errors["information_given"] = _("Record what the person was told.")
    if errors:
        raise ValidationError(errors)
    consent = ConsentRecord(
        case=case,
        purpose=purpose,
        decision=decision,
        decided_on=decided_on,
        expires_on=expires_on,
        explained_in=validate_language_code(explained_in),
        interpreter=interpreter.strip(),
        information_given=information_given.strip(),
        recipient_organisation=recipient_organisation,
        recipient_country=validate_country_code(recipient_country) if recipient_country else "",
        taken_by=actor.user,
        taken_for=actor.membership.organisation,
    )
    consent.full_clean()
    consent.save()
    record_event(
        event_type=EventType.CONSENT_RECORDED,
        actor=actor,
        target=consent,
        detail={"case_id": case.pk, "purpose": purpose, "decision": decision},
    )
    sync_generated_tasks(case, actor=actor)  # a task before the consent expires
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Actor, consent: ConsentRecord) -> ConsentRecord:
    """The person withdraws a consent: it stops counting at once, for every organisation."""
    require(actor, Action.CONSENT_RECORD)
    if consent.decision != ConsentDecision.GIVEN:
        raise ValidationError(_("Only a consent that was given can be withdrawn."))
    if consent.withdrawn_at is not None:
        return consent
    ConsentRecord.objects.filter(pk=consent.pk).update(
        withdrawn_at=timezone.now(), withdrawn_by=actor.user
    )
    consent.refresh_from_db(fields=["withdrawn_at", "withdrawn_by"])
    record_event(
        event_type=EventType.CONSENT_WITHDRAWN,
        actor=actor,
        target=consent,
        detail={"case_id": consent.case_id, "purpose": consent.purpose},
    )
    sync_generated_tasks(consent.case, actor=actor)  # its expiry task is no longer needed
    consent_withdrawn.send(sender=ConsentRecord, consent=consent, actor=actor)
    return consent
