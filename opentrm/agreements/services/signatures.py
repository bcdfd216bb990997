"""Signatures (each party signs for itself), amendments and termination."""

from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor
from opentrm.agreements import selectors, states
from opentrm.agreements.clearance import uncleared_parties
from opentrm.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementVersion,
    DataFlow,
    Signature,
    SignatureKind,
)
from opentrm.agreements.services._common import (
    CONTENT_FIELDS,
    _countries,
    _deny,
    _fresh,
    _refuse,
    _require_editor,
    _scope_error,
    audit,
)
from opentrm.audit.events import EventType
from opentrm.catalogue import guards
from opentrm.core.concurrency import save_if_unchanged


def signature_record(
    *,
    actor: Actor,
    agreement: Agreement,
    version_number: int,
    organisation_id: int,
    signed_on: date,
    signed_by: str,
    kind: str = SignatureKind.SIGNATURE,
) -> Signature:
    """Record that a party signed (or, for an amendment, acknowledged) a version. The
    agreement (or the amendment) enters into force when the last party has signed.

    Each party records its own signature (issue 9): a coordinator or case manager of that very
    organisation. Recording another organisation's signature is audited and refused (403)."""
    _require_editor(actor, agreement)
    if not actor.may_sign_for(organisation_id):
        _deny(actor, agreement, Action.AGREEMENT_SIGN, organisation_id)
    _check_clearance(actor, agreement, signed_on)
    return _signature_record(
        actor=actor,
        agreement=agreement,
        version_number=version_number,
        organisation_id=organisation_id,
        signed_on=signed_on,
        signed_by=signed_by,
        kind=kind,
    )


def _check_clearance(actor: Actor, agreement: Agreement, signed_on: date) -> None:
    """SOP-P12: refuse, audited in a transaction of its own, a signature of a version where law
    enforcement is a party and a support organisation has no valid security clearance."""
    latest = states.latest_version(selectors.agreement_detail(agreement.pk))
    missing = uncleared_parties((p.organisation for p in latest.parties.all()), signed_on)
    if not missing:
        return
    with transaction.atomic(durable=True):
        audit(
            EventType.GUARD_BLOCKED,
            actor=actor,
            agreement=agreement,
            guard="SOP-P12",
            version=latest.number,
            organisation_ids=sorted(org.pk for org in missing),
        )
    names = ", ".join(sorted(org.name for org in missing))
    raise _refuse(guards.refusal("SOP-P12", organisations=names))


@transaction.atomic
def _signature_record(
    *,
    actor: Actor,
    agreement: Agreement,
    version_number: int,
    organisation_id: int,
    signed_on: date,
    signed_by: str,
    kind: str,
) -> Signature:
    agreement = _fresh(agreement)
    today = timezone.localdate()
    if agreement.terminated_on is not None:
        raise _refuse(_("This agreement has been terminated; it can no longer be signed."))
    latest = states.latest_version(agreement)
    if version_number != latest.number:
        raise _refuse(
            _(
                "Version %(number)d has been superseded by version %(latest)d; record "
                "signatures of the current version."
            )
            % {"number": version_number, "latest": latest.number},
            "version",
        )
    # The signer's organisation is a party of the latest version: only an organisation that is
    # a party may edit (access.py), and no version drops a party (an amendment copies them all).
    party = next(p for p in latest.parties.all() if p.organisation_id == organisation_id)
    errors: dict[str, str] = {}
    if states.signature_of(party) is not None:
        errors["party"] = _("This party has already signed this version.")
    if len(list(latest.parties.all())) < states.MIN_PARTIES:
        errors[NON_FIELD_ERRORS] = _("Name at least two parties before recording signatures.")
    elif problem := _scope_error(agreement.scope, _countries(latest), complete=True):
        errors[NON_FIELD_ERRORS] = problem
    if signed_on > today:
        errors["signed_on"] = _("The date is in the future.")
    if not signed_by.strip():
        errors["signed_by"] = _("Write who signed: name and position.")
    if kind not in SignatureKind.values:
        errors["kind"] = _("Pick signature or acknowledgement.")
    if errors:
        raise ValidationError(errors)
    signature = Signature(
        party=party,
        kind=kind,
        signed_on=signed_on,
        signed_by=signed_by.strip(),
        recorded_by=actor.user,
    )
    signature.full_clean()
    signature.save()  # no race: _fresh holds the agreement's row lock (the constraint stays)
    refreshed = selectors.agreement_detail(agreement.pk)
    complete = states.signed_on(states.latest_version(refreshed)) is not None
    audit(
        EventType.AGREEMENT_SIGNED,
        actor=actor,
        agreement=agreement,
        version=latest.number,
        organisation_id=organisation_id,
        kind=kind,
        all_parties_signed=complete,
    )
    return signature


@transaction.atomic
def agreement_amend(*, actor: Actor, agreement: Agreement, note: str = "") -> AgreementVersion:
    """Draft the next version as a copy of the signed latest one (text, parties, flows,
    officers). The signed version keeps governing until every party has signed the new one."""
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    if agreement.terminated_on is not None:
        raise _refuse(_("This agreement has been terminated; it can no longer be amended."))
    latest = states.latest_version(agreement)
    if states.signed_on(latest) is None:
        raise _refuse(
            _(
                "Version %(number)d is not signed by every party yet: change that draft instead "
                "of amending it."
            )
            % {"number": latest.number}
        )
    new = AgreementVersion(
        agreement=agreement,
        number=latest.number + 1,
        created_by=actor.user,
        updated_by=actor.user,
        **{name: getattr(latest, name) for name in CONTENT_FIELDS},
    )
    new.amendment_note = note.strip()
    new.save()  # no race: _fresh holds the agreement's row lock (the constraint stays)
    new.designated_officers.set(list(latest.designated_officers.all()))
    copies: dict[int, AgreementParty] = {}
    for party in latest.parties.all():
        copies[party.pk] = AgreementParty.objects.create(
            version=new,
            organisation_id=party.organisation_id,
            procedures=party.procedures,
            measures=party.measures,
            responsibilities=party.responsibilities,
        )
    DataFlow.objects.bulk_create(
        DataFlow(
            version=new,
            sender=copies[flow.sender_id],
            receiver=copies[flow.receiver_id],
            categories=flow.categories,
            # The same text: what the sender approved stays approved.
            approved_categories=flow.approved_categories,
            approved_by_id=flow.approved_by_id,
            approved_at=flow.approved_at,
        )
        for flow in latest.flows.all()
    )
    audit(EventType.AGREEMENT_AMENDED, actor=actor, agreement=agreement, version=new.number)
    return new


@transaction.atomic
def agreement_terminate(
    *, actor: Actor, agreement: Agreement, expected_version: int, terminated_on: date, reason: str
) -> Agreement:
    """Record that the agreement ends (or, for a draft, is abandoned) on ``terminated_on``."""
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    errors: dict[str, str] = {}
    if agreement.terminated_on is not None:
        raise _refuse(_("This agreement has already been terminated."))
    first_signed = next(
        (day for day in map(states.signed_on, states.versions_of(agreement)) if day), None
    )
    if first_signed is not None and terminated_on < first_signed:
        errors["terminated_on"] = _("The agreement cannot end before it was signed.")
    if not reason.strip():
        errors["reason"] = _("Give the reason for the termination.")
    if errors:
        raise ValidationError(errors)
    agreement.terminated_on = terminated_on
    agreement.termination_reason = reason.strip()
    agreement.terminated_by = actor.user
    save_if_unchanged(
        agreement,
        expected_version=expected_version,
        fields=["terminated_on", "termination_reason", "terminated_by"],
        actor=actor.user,
    )
    audit(
        EventType.AGREEMENT_TERMINATED,
        actor=actor,
        agreement=agreement,
        terminated_on=terminated_on.isoformat(),
    )
    return agreement
