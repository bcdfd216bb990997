"""Writes to the agreements register. Each service re-checks the actor, validates, writes and
audits in one transaction; audit rows hold ids, codes and field names only.

Only the latest version is ever changed, and only while nobody has signed it: a signature
freezes the text the parties agreed to. To change a signed text, draft an amendment.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Action, Actor, FieldGroup, can, require
from opentrm.accounts.roles import Role
from opentrm.agreements import selectors, states
from opentrm.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementScope,
    AgreementType,
    AgreementVersion,
    DataFlow,
    Meeting,
    Signature,
    SignatureKind,
)
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.catalogue.loader import load_catalogue
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.errors import ConflictError
from opentrm.directory.models import ContactPoint, Organisation

# The text of a version, as forms and the API send it.
CONTENT_FIELDS = (
    "is_binding",
    "purpose",
    "principles",
    "target_group",
    "data_protection",
    "exchange_channel",
    "exchanges_personal_data",
    "exchanges_thematic",
    "confidentiality_measures",
    "dispute_resolution",
    "valid_from",
    "valid_until",
    "amendment_note",
)
_TEXT_FIELDS = frozenset(
    {
        "purpose",
        "principles",
        "target_group",
        "data_protection",
        "exchange_channel",
        "confidentiality_measures",
        "dispute_resolution",
        "amendment_note",
    }
)
HEADER_FIELDS = ("title", "type", "scope")
CATEGORY_VALUES = tuple(group.value for group in FieldGroup)
# Who hears of a meeting: the people who run the cooperation in each party.
MEETING_ROLES = (Role.NATIONAL_COORDINATOR, Role.CASE_MANAGER)


# --- helpers -------------------------------------------------------------------------------------


def procedure_codes() -> tuple[str, ...]:
    return tuple(sop.code for sop in load_catalogue().sops)


def measure_codes() -> tuple[str, ...]:
    return tuple(measure.code for measure in load_catalogue().measures)


def _require_editor(actor: Actor, agreement: Agreement) -> None:
    require(actor, Action.AGREEMENT_EDIT)
    if not can(actor, Action.AGREEMENT_EDIT, agreement):
        raise PermissionDenied


def _fresh(agreement: Agreement) -> Agreement:
    """Lock the agreement's row and read it again with all it needs: the checks that follow
    see what concurrent writers committed, and no second writer passes them meanwhile."""
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
    return selectors.agreement_detail(agreement.pk)


def _refuse(message: str, field: str = NON_FIELD_ERRORS) -> ValidationError:
    return ValidationError({field: message})


def _deny(actor: Actor, agreement: Agreement, action: Action, organisation_id: int) -> None:
    """Audit an attempt to decide for another organisation, then refuse it (403). Called
    before the service's transaction opens, so the refusal's audit row stays."""
    record_event(
        event_type=EventType.ACCESS_DENIED,
        actor=actor,
        target=agreement,
        detail={
            "action": action.value,
            "agreement_id": agreement.pk,
            "organisation_id": organisation_id,
        },
    )
    raise PermissionDenied


def _scope_error(scope: str, country_ids: set[int], *, complete: bool) -> str | None:
    """Why the parties' countries do not fit the scope, or None. While the draft is being
    assembled (``complete=False``) only what can no longer be put right is refused; before a
    signature the countries must match exactly."""
    count = len(country_ids)
    if scope == AgreementScope.NATIONAL and count > 1:
        return _("The parties of a national agreement are all in one country.")
    if scope == AgreementScope.BILATERAL and (count > 2 or (complete and count != 2)):
        return _("The parties of a bilateral agreement are in exactly two countries.")
    if scope == AgreementScope.MULTILATERAL and complete and count < 3:
        return _("The parties of a multilateral agreement are in more than two countries.")
    return None


def _countries(version: AgreementVersion) -> set[int]:
    return {party.organisation.country_id for party in version.parties.all()}


def _open_draft(agreement: Agreement, today: date) -> AgreementVersion:
    """The latest version, if it may still change; otherwise a message that says why not."""
    if states.is_terminated(agreement, today) or agreement.terminated_on is not None:
        raise _refuse(_("This agreement has been terminated; it can no longer change."))
    latest = states.latest_version(agreement)
    if states.has_signatures(latest):
        raise _refuse(
            _(
                "Version %(number)d has signatures, so its text can no longer change. Draft an "
                "amendment to change it."
            )
            % {"number": latest.number}
        )
    return latest


def _validate_content(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    start, end = values.get("valid_from"), values.get("valid_until")
    if start is not None and end is not None and end < start:
        errors["valid_until"] = _("The agreement cannot end before it starts.")
    return errors


def _validate_header(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not str(values.get("title", "")).strip():
        errors["title"] = _("Give the agreement a title.")
    if values.get("type") not in AgreementType.values:
        errors["type"] = _("Pick a type from the list.")
    if values.get("scope") not in AgreementScope.values:
        errors["scope"] = _("Pick a scope from the list.")
    return errors


def _validate_officers(version: AgreementVersion, officers: Iterable[ContactPoint]) -> None:
    party_orgs = {party.organisation_id for party in version.parties.all()}
    for officer in officers:
        if officer.organisation_id not in party_orgs or not officer.is_active:
            raise ValidationError(
                {
                    "designated_officers": _(
                        "Designated officers must be active contact points of the parties."
                    )
                }
            )


def _validate_responsibilities(procedures: Sequence[str], measures: Sequence[str]) -> None:
    errors: dict[str, str] = {}
    if set(procedures) - set(procedure_codes()):
        errors["procedures"] = _("Pick procedures from the TRM catalogue.")
    if set(measures) - set(measure_codes()):
        errors["measures"] = _("Pick measures from the TRM catalogue.")
    if errors:
        raise ValidationError(errors)


def _clean_content(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(CONTENT_FIELDS) - set(HEADER_FIELDS) - {"designated_officers"}
    if unknown:
        raise ValueError(f"not an agreement field: {sorted(unknown)}")
    return {
        name: value.strip() if name in _TEXT_FIELDS or name == "title" else value
        for name, value in changes.items()
    }


# --- the agreement and its text ------------------------------------------------------------------


@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    title: str,
    type: str,
    scope: str,
    content: Mapping[str, Any] | None = None,
) -> Agreement:
    """Register a draft agreement: version 1, with the actor's organisation as first party."""
    require(actor, Action.AGREEMENT_EDIT)
    assert actor.membership is not None
    values = _clean_content(dict(content or {}))
    officers = values.pop("designated_officers", None)
    header = {"title": title.strip(), "type": type, "scope": scope}
    errors = _validate_header(header) | _validate_content(values)
    if officers:
        errors["designated_officers"] = _(
            "Add the parties first, then pick their designated officers."
        )
    if errors:
        raise ValidationError(errors)
    agreement = Agreement(registered_by=actor.membership.organisation, updated_by=actor.user)
    for name, value in header.items():
        setattr(agreement, name, value)
    agreement.full_clean()
    agreement.save()
    version = AgreementVersion(agreement=agreement, number=1, created_by=actor.user, **values)
    version.updated_by = actor.user
    version.full_clean()
    version.save()
    AgreementParty.objects.create(version=version, organisation=actor.membership.organisation)
    record_event(
        event_type=EventType.AGREEMENT_CREATED,
        actor=actor,
        target=agreement,
        detail={
            "agreement_id": agreement.pk,
            "type": agreement.type,
            "scope": agreement.scope,
            "party_ids": [actor.membership.organisation_id],
        },
    )
    return agreement


@transaction.atomic
def agreement_update(
    *, actor: Actor, agreement: Agreement, expected_version: int, changes: Mapping[str, Any]
) -> AgreementVersion:
    """Change the text of the unsigned latest version; in the first draft also the title,
    type and scope. ``expected_version`` is the version row's lock number from the form."""
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    today = timezone.localdate()
    draft = _open_draft(agreement, today)
    values = _clean_content(changes)
    officers = values.pop("designated_officers", None)
    header_changes = {
        name: values.pop(name)
        for name in HEADER_FIELDS
        if name in values and values[name] != getattr(agreement, name)
    }
    errors: dict[str, str] = {}
    if header_changes and draft.number > 1:
        for name in header_changes:
            errors[name] = _("The title, type and scope are fixed once the agreement is signed.")
    merged_header = {name: getattr(agreement, name) for name in HEADER_FIELDS} | header_changes
    errors |= _validate_header(merged_header) if header_changes else {}
    merged = {name: getattr(draft, name) for name in CONTENT_FIELDS} | values
    errors |= _validate_content(merged)
    if "scope" in header_changes and "scope" not in errors:
        problem = _scope_error(header_changes["scope"], _countries(draft), complete=False)
        if problem:
            errors["scope"] = problem
    if errors:
        raise ValidationError(errors)
    if officers is not None:
        _validate_officers(draft, officers)
    changed = [name for name in CONTENT_FIELDS if merged[name] != getattr(draft, name)]
    old_officers = {officer.pk for officer in draft.designated_officers.all()}
    new_officers = {officer.pk for officer in officers} if officers is not None else old_officers
    if new_officers != old_officers:
        changed.append("designated_officers")
    changed.extend(header_changes)
    if expected_version != draft.version:
        save_if_unchanged(draft, expected_version=expected_version, fields=[], actor=actor.user)
    if not changed:
        return draft
    for name in CONTENT_FIELDS:
        setattr(draft, name, merged[name])
    draft.full_clean(exclude=["agreement", "number", "created_by"])
    save_if_unchanged(
        draft,
        expected_version=expected_version,
        fields=[name for name in changed if name in CONTENT_FIELDS],
        actor=actor.user,
    )
    if officers is not None and new_officers != old_officers:
        draft.designated_officers.set(officers)
    if header_changes:
        for name, value in header_changes.items():
            setattr(agreement, name, value)
        agreement.full_clean()
        agreement.updated_by = actor.user
        agreement.save(update_fields=[*header_changes, "updated_by", "updated_at"])
    record_event(
        event_type=EventType.AGREEMENT_CHANGED,
        actor=actor,
        target=agreement,
        changed_fields=changed,
        detail={"agreement_id": agreement.pk, "version": draft.number},
    )
    return draft


# --- parties and flows ---------------------------------------------------------------------------


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
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    draft = _open_draft(agreement, timezone.localdate())
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
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError:
        raise _refuse(_("This organisation is already a party."), "organisation") from None
    record_event(
        event_type=EventType.AGREEMENT_PARTY_ADDED,
        actor=actor,
        target=agreement,
        detail={
            "agreement_id": agreement.pk,
            "version": draft.number,
            "organisation_id": organisation.pk,
        },
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
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    draft = _open_draft(agreement, timezone.localdate())
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
    record_event(
        event_type=EventType.AGREEMENT_PARTY_CHANGED,
        actor=actor,
        target=agreement,
        changed_fields=changed,
        detail={
            "agreement_id": agreement.pk,
            "version": draft.number,
            "organisation_id": party.organisation_id,
        },
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
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    draft = _open_draft(agreement, timezone.localdate())
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
    _audit_flow_change(
        actor,
        agreement,
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
    _audit_flow_change(
        actor,
        agreement,
        version=version.number,
        sender_id=sender_id,
        receiver_id=receiver_id,
        categories=sorted(flow.categories),
        approved=sorted(flow.categories),
        newly_approved=sorted(pending),
        pending=[],
    )
    return flow


def _audit_flow_change(
    actor: Actor,
    agreement: Agreement,
    *,
    version: int,
    sender_id: int,
    receiver_id: int,
    categories: list[str],
    **changes: object,
) -> None:
    """One AGREEMENT_FLOW_CHANGED event: the flow, and what was approved or left pending."""
    record_event(
        event_type=EventType.AGREEMENT_FLOW_CHANGED,
        actor=actor,
        target=agreement,
        detail={
            "agreement_id": agreement.pk,
            "version": version,
            "sender_id": sender_id,
            "receiver_id": receiver_id,
            "categories": categories,
            **changes,
        },
    )


# --- signatures, amendments, termination ---------------------------------------------------------


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
    return _signature_record(
        actor=actor,
        agreement=agreement,
        version_number=version_number,
        organisation_id=organisation_id,
        signed_on=signed_on,
        signed_by=signed_by,
        kind=kind,
    )


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
    party = next((p for p in latest.parties.all() if p.organisation_id == organisation_id), None)
    errors: dict[str, str] = {}
    if party is None:
        errors["party"] = _("Only a party to the agreement can sign it.")
    elif states.signature_of(party) is not None:
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
    assert party is not None
    signature = Signature(
        party=party,
        kind=kind,
        signed_on=signed_on,
        signed_by=signed_by.strip(),
        recorded_by=actor.user,
    )
    signature.full_clean()
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError:
        raise _refuse(_("This party has already signed this version."), "party") from None
    refreshed = selectors.agreement_detail(agreement.pk)
    complete = states.signed_on(states.latest_version(refreshed)) is not None
    record_event(
        event_type=EventType.AGREEMENT_SIGNED,
        actor=actor,
        target=agreement,
        detail={
            "agreement_id": agreement.pk,
            "version": latest.number,
            "organisation_id": organisation_id,
            "kind": kind,
            "all_parties_signed": complete,
        },
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
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError:
        raise ConflictError(_("Someone drafted an amendment meanwhile. Reload the page.")) from None
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
    record_event(
        event_type=EventType.AGREEMENT_AMENDED,
        actor=actor,
        target=agreement,
        detail={"agreement_id": agreement.pk, "version": new.number},
    )
    return new


@transaction.atomic
def agreement_terminate(
    *,
    actor: Actor,
    agreement: Agreement,
    expected_version: int,
    terminated_on: date,
    reason: str,
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
    record_event(
        event_type=EventType.AGREEMENT_TERMINATED,
        actor=actor,
        target=agreement,
        detail={"agreement_id": agreement.pk, "terminated_on": terminated_on.isoformat()},
    )
    return agreement


# --- meetings ------------------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(*, actor: Actor, agreement: Agreement, held_on: date, subject: str) -> Meeting:
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    if agreement.terminated_on is not None:
        raise _refuse(_("This agreement has been terminated; schedule no more meetings."))
    if not subject.strip():
        raise _refuse(_("Write what the meeting is about."), "subject")
    meeting = Meeting.objects.create(
        agreement=agreement, held_on=held_on, subject=subject.strip(), created_by=actor.user
    )
    record_event(
        event_type=EventType.AGREEMENT_MEETING_SCHEDULED,
        actor=actor,
        target=meeting,
        detail={"agreement_id": agreement.pk, "held_on": held_on.isoformat()},
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Actor, agreement: Agreement, meeting_id: int, reason: str) -> Meeting:
    """Cancel a meeting (a soft delete with a reason)."""
    _require_editor(actor, agreement)
    meeting = (
        Meeting.objects.select_for_update()
        .filter(pk=meeting_id, agreement=agreement, deleted_at__isnull=True)
        .first()
    )
    if meeting is None:
        raise _refuse(_("This meeting no longer exists. Reload the page."))
    if not reason.strip():
        raise _refuse(_("Give the reason for cancelling the meeting."), "reason")
    meeting.deleted_at = timezone.now()
    meeting.deleted_by = actor.user
    meeting.deletion_reason = reason.strip()
    meeting.save(update_fields=["deleted_at", "deleted_by", "deletion_reason", "updated_at"])
    record_event(
        event_type=EventType.AGREEMENT_MEETING_CANCELLED,
        actor=actor,
        target=meeting,
        detail={"agreement_id": agreement.pk},
    )
    return meeting


@dataclass(frozen=True)
class MeetingReminderResult:
    meetings: int = 0
    emails: int = 0
    no_address: int = 0
    failed: int = 0


def _recipients(agreement: Agreement) -> list[User]:
    latest = states.latest_version(agreement)
    org_ids = [party.organisation_id for party in latest.parties.all()]
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.filter(
                is_active=True,
                organisation_id__in=org_ids,
                organisation__is_active=True,
                role__in=MEETING_ROLES,
            ),
        )
        .distinct()
        .order_by("pk")
    )


def _reminder(user: User, meeting: Meeting, agreement: Agreement) -> EmailMessage:
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = _("OpenTRM: meeting on %(date)s under “%(title)s”") % {
            "date": meeting.held_on.isoformat(),
            "title": agreement.title,
        }
        body = render_to_string(
            "agreements/meeting_reminder_email.txt",
            {"meeting": meeting, "agreement": agreement, "node": settings.OPENTRM_NODE_NAME},
        )
    return EmailMessage(subject=subject, body=body, to=[user.email])


def _claim(meeting_id: int, today: date) -> bool:
    with transaction.atomic():
        return (
            Meeting.objects.filter(
                pk=meeting_id, reminded_on__isnull=True, deleted_at__isnull=True
            ).update(reminded_on=today)
            == 1
        )


def meeting_reminders_send(
    today: date | None = None, *, days: int | None = None
) -> MeetingReminderResult:
    """E-mail the coordinators and case managers of every party of an agreement about its
    meetings within ``days`` (default ``OPENTRM_MEETING_REMINDER_DAYS``), once per meeting.

    A meeting whose e-mails all failed is tried again on the next run.
    """
    day = today or timezone.localdate()
    horizon = settings.OPENTRM_MEETING_REMINDER_DAYS if days is None else max(days, 0)
    meetings = emails = no_address = failed = 0
    for meeting in selectors.meetings_due(day, day + timedelta(days=horizon)):
        agreement = selectors.agreement_detail(meeting.agreement_id)
        if states.is_terminated(agreement, day):
            continue
        if not _claim(meeting.pk, day):
            continue
        sent = attempted = 0
        for user in _recipients(agreement):
            if not user.email:
                no_address += 1
                continue
            attempted += 1
            try:
                _reminder(user, meeting, agreement).send()
            except Exception:  # any transport error: go on with the others
                failed += 1
                continue
            sent += 1
        if attempted and not sent:
            Meeting.objects.filter(pk=meeting.pk).update(reminded_on=None)
            continue
        meetings += 1
        emails += sent
    result = MeetingReminderResult(
        meetings=meetings, emails=emails, no_address=no_address, failed=failed
    )
    if emails or failed:
        record_event(
            event_type=EventType.AGREEMENT_MEETING_REMINDERS_SENT,
            actor=None,
            detail={"meetings": meetings, "emails": emails, "failed": failed},
        )
    return result
