"""The consent register's writes.

Only the owner organisation of the case, or an organisation the owner named as consent-taker
for it, records, corrects and withdraws the person's decisions (``Action.CONSENT_RECORD``);
anyone else is refused with an audited ACCESS_DENIED before anything is written. The register
is append-only: a correction is a new record that supersedes the old one, and a withdrawal
only adds when, by whom and for which organisation.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import require_widening
from opentrm.cases.models import Case, ConsentDecision, ConsentPurpose, ConsentRecord
from opentrm.cases.services.tasks import sync_generated_tasks
from opentrm.cases.signals import consent_withdrawn
from opentrm.directory.models import Organisation
from opentrm.directory.reference import country_name
from opentrm.directory.validation import validate_country_code, validate_language_code


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
    supersedes: ConsentRecord | None = None,
) -> ConsentRecord:
    """Record what the person decided. The newest decision for a purpose and recipient counts.

    ``supersedes``: the earlier record this one corrects (same case, purpose and recipient);
    the earlier record stays as it was and stops counting."""
    require(actor, Action.CONSENT_RECORD)
    require_widening(can(actor, Action.CONSENT_RECORD, case), actor, case, action="consent.record")
    # The gate above stands outside the transaction: a refusal's audit row stays.
    with transaction.atomic():
        assert actor.membership is not None
        validate_decision(
            purpose=purpose,
            decided_on=decided_on,
            expires_on=expires_on,
            recipient_organisation=recipient_organisation,
            recipient_country=recipient_country,
            information_given=information_given,
        )
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
            supersedes=supersedes,
        )
        if supersedes is not None:
            ConsentRecord.objects.select_for_update().filter(pk=supersedes.pk).first()
            _check_correction(case, consent, supersedes)
        consent.full_clean()
        consent.save()
        detail: dict[str, object] = {
            "case_id": case.pk,
            "purpose": purpose,
            "decision": decision,
            "recorded_for": consent.taken_for_id,
        }
        if supersedes is not None:
            detail["supersedes"] = supersedes.pk
        record_event(
            event_type=EventType.CONSENT_CORRECTED if supersedes else EventType.CONSENT_RECORDED,
            actor=actor,
            target=consent,
            detail=detail,
        )
        sync_generated_tasks(case, actor=actor)  # a task before the consent expires
        return consent


def validate_decision(
    *,
    purpose: str,
    decided_on: date,
    expires_on: date | None,
    recipient_organisation: Organisation | None,
    recipient_country: str,
    information_given: str,
) -> None:
    """Refuse a decision that cannot be right, naming every field at once."""
    errors: dict[str, str] = {}
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("The date is in the future.")
    if expires_on is not None and expires_on < decided_on:
        errors["expires_on"] = _("A consent cannot expire before it was given.")
    if purpose == ConsentPurpose.SHARE_DATA and not (recipient_organisation or recipient_country):
        errors["recipient_organisation"] = _(
            "Name the organisation or the country the data may be shared with."
        )
    if (
        recipient_organisation is not None
        and recipient_country
        and recipient_organisation.country.code != recipient_country.strip().upper()
    ):
        errors["recipient_organisation"] = _(
            "%(organisation)s is in %(its_country)s, not in %(country)s: pick an "
            "organisation of the country the person agreed to, or leave the country empty."
        ) % {
            "organisation": recipient_organisation.name,
            "its_country": country_name(recipient_organisation.country.code),
            "country": country_name(recipient_country.strip().upper()),
        }
    if not information_given.strip():
        errors["information_given"] = _("Record what the person was told.")
    if errors:
        raise ValidationError(errors)


def _check_correction(case: Case, consent: ConsentRecord, supersedes: ConsentRecord) -> None:
    if (
        supersedes.case_id != case.pk
        or supersedes.purpose != consent.purpose
        or supersedes.recipient_organisation_id != consent.recipient_organisation_id
        or supersedes.recipient_country != consent.recipient_country
    ):
        raise ValidationError(
            {
                "supersedes": _(
                    "A correction replaces a record of the same case, purpose and recipient."
                )
            }
        )
    if ConsentRecord.objects.filter(supersedes=supersedes).exists():
        raise ValidationError({"supersedes": _("This record has already been corrected.")})


def consent_withdraw(*, actor: Actor, consent: ConsentRecord) -> ConsentRecord:
    """The person withdraws a consent: it stops counting at once, for every organisation.

    Idempotent, also under concurrency: of several withdrawals of one consent at the same
    moment, one records it (a conditional UPDATE on ``withdrawn_at IS NULL``, which the
    database serialises) and writes the one audit event; the others return the record as
    withdrawn, writing nothing."""
    require(actor, Action.CONSENT_RECORD)
    case = consent.case
    require_widening(
        can(actor, Action.CONSENT_RECORD, case), actor, case, action="consent.withdraw"
    )
    return _withdraw(actor=actor, consent=consent)


@transaction.atomic
def _withdraw(*, actor: Actor, consent: ConsentRecord) -> ConsentRecord:
    if consent.decision != ConsentDecision.GIVEN:
        raise ValidationError(_("Only a consent that was given can be withdrawn."))
    updated = ConsentRecord.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(),
        withdrawn_by=actor.user,
        withdrawn_for_id=actor.organisation_id,
        updated_at=timezone.now(),
    )
    consent.refresh_from_db(fields=["withdrawn_at", "withdrawn_by", "withdrawn_for"])
    if not updated:
        return consent  # withdrawn already (perhaps a moment ago, by a concurrent request)
    record_event(
        event_type=EventType.CONSENT_WITHDRAWN,
        actor=actor,
        target=consent,
        detail={
            "case_id": consent.case_id,
            "purpose": consent.purpose,
            "withdrawn_for": actor.organisation_id,
        },
    )
    sync_generated_tasks(consent.case, actor=actor)  # its expiry task is no longer needed
    consent_withdrawn.send(sender=ConsentRecord, consent=consent, actor=actor)
    return consent
