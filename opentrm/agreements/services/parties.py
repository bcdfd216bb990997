"""Parties to a version and the data flows between them (each flow approved by its sender)."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor
from opentrm.agreements import states
from opentrm.agreements.models import Agreement, AgreementParty, DataFlow
from opentrm.agreements.services._common import (
    CATEGORY_VALUES,
    _countries,
    _deny,
    _editable_draft,
    _fresh,
    _refuse,
    _require_editor,
    _scope_error,
    _validate_responsibilities,
    audit,
)
from opentrm.audit.events import EventType
from opentrm.directory.models import Organisation


@transaction.atomic
def party_add(
    *,
    actor: Actor,
    agreement: Agreement,
    organisation: Organisation,
    procedures: Sequence[str] = (),
    measures: Sequence[str] = (),
    responsibilities: str = "",
) -> AgreementParty:
    """Name another organisation as a party of the unsigned latest version."""
    agreement, draft = _editable_draft(actor, agreement)
    if not organisation.is_active:
        raise _refuse(_("Pick an active organisation from the directory."), "organisation")
    if organisation.pk in {party.organisation_id for party in draft.parties.all()}:
        raise _refuse(_("This organisation is already a party."), "organisation")
    problem = _scope_error(
        agreement.scope, _countries(draft) | {organisation.country_id}, complete=False
    )
    if problem:
        raise _refuse(problem, "organisation")
    _validate_responsibilities(procedures, measures)
    party = AgreementParty(
        version=draft,
        organisation=organisation,
        procedures=sorted(set(procedures)),
        measures=sorted(set(measures)),
        responsibilities=responsibilities.strip(),
    )
    party.save()  # no race: _fresh holds the agreement's row lock (the constraint stays)
    audit(
        EventType.AGREEMENT_PARTY_ADDED,
        actor=actor,
        agreement=agreement,
        version=draft.number,
        organisation_id=organisation.pk,
    )
    return party


@transaction.atomic
def party_update(
    *,
    actor: Actor,
    agreement: Agreement,
    party_id: int,
    procedures: Sequence[str],
    measures: Sequence[str],
    responsibilities: str,
) -> AgreementParty:
    """Change a party's responsibilities in the unsigned latest version."""
    agreement, draft = _editable_draft(actor, agreement)
    party = next((p for p in draft.parties.all() if p.pk == party_id), None)
    if party is None:
        raise _refuse(_("This organisation is not a party to the current version."))
    _validate_responsibilities(procedures, measures)
    new = {
        "procedures": sorted(set(procedures)),
        "measures": sorted(set(measures)),
        "responsibilities": responsibilities.strip(),
    }
    changed = [name for name, value in new.items() if getattr(party, name) != value]
    if not changed:
        return party
    for name in changed:
        setattr(party, name, new[name])
    party.save(update_fields=[*changed, "updated_at"])
    audit(
        EventType.AGREEMENT_PARTY_CHANGED,
        actor=actor,
        agreement=agreement,
        changed_fields=changed,
        version=draft.number,
        organisation_id=party.organisation_id,
    )
    return party


@transaction.atomic
def flow_set(
    *,
    actor: Actor,
    agreement: Agreement,
    sender_id: int,
    receiver_id: int,
    categories: Iterable[str],
) -> DataFlow:
    """Set the data categories the sender organisation may pass to the receiver under the
    unsigned latest version (an empty list allows nothing).

    Only the sender decides what leaves it (issue 9): set by a coordinator or case manager of
    the sender, the categories are approved at once; set by anyone else, they are a proposal
    that opens nothing until the sender approves it (``flow_approve``). Narrowing keeps the
    approval of what remains; widening never carries an approval over."""
    agreement, draft = _editable_draft(actor, agreement)
    parties = {party.organisation_id: party for party in draft.parties.all()}
    wanted = sorted(set(categories))
    errors: dict[str, str] = {}
    if sender_id not in parties:
        errors["sender"] = _("The sender must be a party to the agreement.")
    if receiver_id not in parties:
        errors["receiver"] = _("The receiver must be a party to the agreement.")
    if not errors and sender_id == receiver_id:
        errors["receiver"] = _("Pick a receiver other than the sender.")
    if set(wanted) - set(CATEGORY_VALUES):
        errors["categories"] = _("Pick data categories from the list.")
    if errors:
        raise ValidationError(errors)
    sender, receiver = parties[sender_id], parties[receiver_id]
    flow = next(
        (f for f in draft.flows.all() if f.sender_id == sender.pk and f.receiver_id == receiver.pk),
        None,
    )
    before = sorted(flow.categories) if flow else []
    approved_before = sorted(flow.approved_categories) if flow else []
    by_sender = actor.may_approve_flows_from(sender_id)
    approved = wanted if by_sender else [c for c in approved_before if c in wanted]
    if flow is None:
        flow = DataFlow(version=draft, sender=sender, receiver=receiver)
    if before == wanted and approved_before == approved and flow.pk is not None:
        return flow
    flow.categories = wanted
    flow.approved_categories = approved
    if by_sender and wanted:
        flow.approved_by, flow.approved_at = actor.user, timezone.now()
    elif not approved:
        flow.approved_by, flow.approved_at = None, None
    flow.save()
    audit(
        EventType.AGREEMENT_FLOW_CHANGED,
        actor=actor,
        agreement=agreement,
        version=draft.number,
        sender_id=sender_id,
        receiver_id=receiver_id,
        categories=wanted,
        before=before,
        approved=approved,
        pending=flow.pending_categories,
    )
    return flow


def flow_approve(
    *,
    actor: Actor,
    agreement: Agreement,
    version_number: int,
    sender_id: int,
    receiver_id: int,
    categories: Iterable[str] | None = None,
) -> DataFlow:
    """The sender organisation approves a flow out of it as it stands: from now on (once the
    version governs) those categories flow. Nobody approves for another organisation: the
    attempt is audited and refused (403). Approving does not change the signed text, so it is
    possible on the latest version and on the one that governs today. ``categories`` is what
    the approver saw: if the flow changed meanwhile, nothing is approved."""
    _require_editor(actor, agreement)
    if not actor.may_approve_flows_from(sender_id):
        _deny(actor, agreement, Action.AGREEMENT_SIGN, sender_id)
    return _flow_approve(
        actor=actor,
        agreement=agreement,
        version_number=version_number,
        sender_id=sender_id,
        receiver_id=receiver_id,
        seen=None if categories is None else sorted(set(categories)),
    )


@transaction.atomic
def _flow_approve(
    *,
    actor: Actor,
    agreement: Agreement,
    version_number: int,
    sender_id: int,
    receiver_id: int,
    seen: list[str] | None,
) -> DataFlow:
    agreement = _fresh(agreement)
    today = timezone.localdate()
    if agreement.terminated_on is not None:
        raise _refuse(_("This agreement has been terminated; its flows can no longer change."))
    governing = states.governing_version(agreement, today)
    candidates = [states.latest_version(agreement), *([governing] if governing else [])]
    version = next((v for v in candidates if v.number == version_number), None)
    if version is None:
        raise _refuse(_("Approve flows of the current or the governing version."), "version")
    flow = next(
        (
            f
            for f in version.flows.all()
            if f.sender.organisation_id == sender_id and f.receiver.organisation_id == receiver_id
        ),
        None,
    )
    if flow is None:
        raise _refuse(_("There is no such data flow in this version."))
    if seen is not None and seen != sorted(flow.categories):
        raise _refuse(
            _("Somebody changed this data flow meanwhile. Reload the page and check it again.")
        )
    if not flow.pending_categories:
        return flow
    pending = flow.pending_categories
    flow.approved_categories = sorted(flow.categories)
    flow.approved_by, flow.approved_at = actor.user, timezone.now()
    flow.save(update_fields=["approved_categories", "approved_by", "approved_at", "updated_at"])
    audit(
        EventType.AGREEMENT_FLOW_CHANGED,
        actor=actor,
        agreement=agreement,
        version=version.number,
        sender_id=sender_id,
        receiver_id=receiver_id,
        categories=sorted(flow.categories),
        approved=sorted(flow.categories),
        newly_approved=sorted(pending),
        pending=[],
    )
    return flow
