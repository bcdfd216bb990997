"""What the agreements services share: the fields of a version, validation, refusals."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, FieldGroup, can, require
from opentrm.accounts.roles import Role
from opentrm.agreements import selectors, states
from opentrm.agreements.models import Agreement, AgreementScope, AgreementType, AgreementVersion
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.catalogue.loader import load_catalogue
from opentrm.core.input import require_known_fields
from opentrm.directory.models import ContactPoint

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
    audit(
        EventType.ACCESS_DENIED,
        actor=actor,
        agreement=agreement,
        action=action.value,
        organisation_id=organisation_id,
    )
    raise PermissionDenied


def audit(
    event_type: EventType,
    *,
    actor: Actor,
    agreement: Agreement,
    target: models.Model | None = None,
    changed_fields: Iterable[str] = (),
    **detail: Any,
) -> None:
    """Audit a write on ``agreement`` (or on ``target``, one of its parts): the event's detail
    always names the agreement, then ids and codes only."""
    record_event(
        event_type=event_type,
        actor=actor,
        target=agreement if target is None else target,
        changed_fields=changed_fields,
        detail={"agreement_id": agreement.pk, **detail},
    )


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


def _open_draft(agreement: Agreement) -> AgreementVersion:
    """The latest version, if it may still change; otherwise a message that says why not."""
    if agreement.terminated_on is not None:  # from its date on, or a date still to come
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


def _editable_draft(actor: Actor, agreement: Agreement) -> tuple[Agreement, AgreementVersion]:
    """For an editor of the agreement: the agreement locked and read again (``_fresh``) and its
    latest version, if it may still change (``_open_draft``)."""
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    return agreement, _open_draft(agreement)


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
    require_known_fields(
        changes, {*CONTENT_FIELDS, *HEADER_FIELDS, "designated_officers"}, "an agreement"
    )
    return {
        name: value.strip() if name in _TEXT_FIELDS or name == "title" else value
        for name, value in changes.items()
    }
