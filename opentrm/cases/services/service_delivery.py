"""Services for the person (issue 3 §8, template §2, §6.2, §6.3): offered, then accepted,
delivered or refused, with provider, dates, cost and funding source.

One rule decides whether a record is possible (``_validate``): the recording of an offer, the
moves (accept, deliver, refuse) and the corrections all go through it, so no path leaves a
service in an impossible state (delivered before it was offered, refused and delivered, a cost
without a currency, a date in the future).
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pycountry
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import (
    SERVICE_CATEGORY,
    Case,
    CaseService,
    PlanActivity,
    ServiceStatus,
    ServiceType,
)
from opentrm.cases.services.statuses import statuses_refresh
from opentrm.core.concurrency import save_if_unchanged, soft_delete_if_unchanged
from opentrm.core.errors import ConflictError
from opentrm.core.input import require_known_fields, required_reason
from opentrm.directory.models import Organisation

# What a user may set on a service; ``category`` follows from the type, never from the user.
SERVICE_FIELDS = (
    "service_type",
    "description",
    "provider",
    "provider_name",
    "offered_on",
    "cost",
    "currency",
    "funding_source",
    "comments",
    "plan_activity",
    "status",
    "accepted_on",
    "started_on",
    "ended_on",
    "refused_on",
)
OFFER_FIELDS = SERVICE_FIELDS[:10]
_TEXT_FIELDS = ("description", "provider_name", "currency", "funding_source", "comments")
_STATUS_DATES = ("accepted_on", "started_on", "ended_on", "refused_on")

# Which of the status dates a record with that status must have, and which it may have.
_REQUIRED_DATE = {
    ServiceStatus.OFFERED: None,
    ServiceStatus.ACCEPTED: "accepted_on",
    ServiceStatus.DELIVERED: "started_on",
    ServiceStatus.REFUSED: "refused_on",
}
_ALLOWED_DATES = {
    ServiceStatus.OFFERED: frozenset(),
    ServiceStatus.ACCEPTED: frozenset({"accepted_on"}),
    ServiceStatus.DELIVERED: frozenset({"accepted_on", "started_on", "ended_on"}),
    ServiceStatus.REFUSED: frozenset({"accepted_on", "refused_on"}),
}


def _require_edit(actor: Actor, case: Case) -> None:
    require(actor, Action.CASE_VIEW)
    if not can(actor, Action.ASSISTANCE_EDIT, case):
        raise PermissionDenied


def provider_candidates() -> models.QuerySet[Organisation]:
    """Providers are picked from the active organisations of the directory, in any country."""
    return (
        Organisation.objects.filter(is_active=True)
        .select_related("country")
        .order_by("country__code", "name")
    )


def plan_activity_candidates(case_id: int) -> models.QuerySet[PlanActivity]:
    return PlanActivity.objects.filter(plan__case_id=case_id).select_related("plan")


def currency_is_known(code: str) -> bool:
    return len(code) == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None


# --- The one rule -------------------------------------------------------------------------------


def _validate(case_id: int, values: Mapping[str, Any], today: date) -> dict[str, str]:
    """The errors of a service record with ``values``, by field (empty: the record is possible)."""
    errors: dict[str, str] = {}
    _check_service(case_id, values, errors)
    _check_dates(values, today, errors)
    return errors


def _check_service(case_id: int, values: Mapping[str, Any], errors: dict[str, str]) -> None:
    """What the service is, who provides it, what it cost and which plan activity it serves."""
    service_type = values["service_type"]
    if service_type not in ServiceType.values:
        errors["service_type"] = _("Pick a service from the list.")
    elif service_type == ServiceType.OTHER and not values["description"]:
        errors["description"] = _("Describe the service: its type is “Other”.")
    provider = values["provider"]
    if provider is not None and values["provider_name"]:
        errors["provider_name"] = _(
            "Pick the provider from the directory or write its name, not both."
        )
    elif provider is not None and not provider.is_active:
        errors["provider"] = _("Pick an active organisation from the directory.")
    cost: Decimal | None = values["cost"]
    currency: str = values["currency"]
    if cost is not None and cost < 0:
        errors["cost"] = _("The cost cannot be negative.")
    if cost is not None and not currency:
        errors["currency"] = _("Give the currency of the cost (ISO 4217 code, e.g. EUR).")
    elif currency and not currency_is_known(currency):
        errors["currency"] = _("“%(code)s” is not a known currency code (ISO 4217).") % {
            "code": currency
        }
    elif currency and cost is None:
        errors["cost"] = _("Enter the cost, or leave the currency empty.")
    activity = values["plan_activity"]
    if (
        activity is not None
        and not plan_activity_candidates(case_id).filter(pk=activity.pk).exists()
    ):
        errors["plan_activity"] = _("Pick an activity of this case's assistance plan.")


def _check_dates(values: Mapping[str, Any], today: date, errors: dict[str, str]) -> None:
    """The dates the status needs, allows, and their order."""
    offered_on: date | None = values["offered_on"]
    if offered_on is None:
        errors["offered_on"] = _("Enter the date the service was offered.")
    elif offered_on > today:
        errors["offered_on"] = _("The date is in the future.")
    status = values["status"]
    if status not in ServiceStatus.values:
        errors["status"] = _("Pick a status from the list.")
        return
    status = ServiceStatus(status)
    required = _REQUIRED_DATE[status]
    if required is not None and values[required] is None:
        errors[required] = _("Enter the date: the service is “%(status)s”.") % {
            "status": status.label
        }
    for name in _STATUS_DATES:
        day: date | None = values[name]
        if day is None:
            continue
        if name not in _ALLOWED_DATES[status]:
            errors[name] = _("Leave this empty: the service is “%(status)s”.") % {
                "status": status.label
            }
        elif day > today:
            errors[name] = _("The date is in the future.")
        elif offered_on is not None and day < offered_on:
            errors[name] = _("The date is before the service was offered.")
    accepted_on = values["accepted_on"]
    for name in ("started_on", "refused_on"):
        day = values[name]
        if name in errors or day is None or accepted_on is None or "accepted_on" in errors:
            continue
        if day < accepted_on:
            errors[name] = _("The date is before the service was accepted.")
    started_on, ended_on = values["started_on"], values["ended_on"]
    if (
        "ended_on" not in errors
        and ended_on is not None
        and status == ServiceStatus.DELIVERED
        and started_on is not None
        and ended_on < started_on
    ):
        errors["ended_on"] = _("The delivery cannot end before it started.")


def _clean(name: str, value: Any) -> Any:
    if name in ("service_type", "status") and value is not None:
        return str(value)  # a member of the choices, or the code itself
    if name in _TEXT_FIELDS:
        value = " ".join(str(value or "").split()) if name != "comments" else str(value or "")
        value = value.strip()
        if name == "currency":
            value = value.upper()
    return value


def _offer_values(offer: Mapping[str, Any]) -> dict[str, Any]:
    """A new offer's record: the fields of ``offer`` (those not given empty), status offered."""
    values: dict[str, Any] = dict.fromkeys(SERVICE_FIELDS)
    values |= dict.fromkeys(_TEXT_FIELDS, "")
    values |= {name: _clean(name, offer[name]) for name in OFFER_FIELDS if name in offer}
    values["status"] = ServiceStatus.OFFERED
    return values


def offer_errors(case: Case, offer: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of an offer at once, by field (issue 12 §5): the rules ``service_offer``
    applies, for a form's precheck; a field not in ``offer`` counts as empty."""
    errors = _validate(case.pk, _offer_values(offer), timezone.localdate())
    return {name: [message] for name, message in errors.items()}


def correction_errors(service: CaseService, changes: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of a correction at once, by field: the rules ``service_update`` applies to
    the record as it is now, for a form's precheck."""
    values = _current(service) | {
        name: _clean(name, value) for name, value in changes.items() if name in SERVICE_FIELDS
    }
    errors = _validate(service.case_id, values, timezone.localdate())
    return {name: [message] for name, message in errors.items()}


def _key(value: Any) -> Any:
    return ("pk", value.pk) if isinstance(value, models.Model) else value


def _current(service: CaseService) -> dict[str, Any]:
    return {name: getattr(service, name) for name in SERVICE_FIELDS}


# --- Writing ------------------------------------------------------------------------------------


@transaction.atomic
def service_offer(
    *, actor: Actor, case: Case, service_type: str, offered_on: date | None, **offer: Any
) -> CaseService:
    """Record that a service was offered to the person. ``offer`` takes the other fields of an
    offer (description, provider or provider_name, cost and currency, funding source,
    comments, plan_activity)."""
    _require_edit(actor, case)
    assert actor.membership is not None
    unknown = set(offer) - set(OFFER_FIELDS)
    if unknown:
        raise ValueError(f"not a field of a service offer: {sorted(unknown)}")
    values = _offer_values({"service_type": service_type, "offered_on": offered_on, **offer})
    errors = _validate(case.pk, values, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    service = CaseService(
        case=case,
        category=SERVICE_CATEGORY[values["service_type"]],
        organisation=actor.membership.organisation,
        updated_by=actor.user,
        **values,
    )
    service.full_clean()
    service.save()
    record_event(
        event_type=EventType.SERVICE_RECORDED,
        actor=actor,
        target=service,
        detail={"case_id": case.pk},
    )
    statuses_refresh(case=case, actor=actor)
    return service


def _locked(service: CaseService) -> CaseService:
    current = (
        CaseService.objects.select_for_update()
        .live()
        .filter(pk=service.pk, case_id=service.case_id)
        .first()
    )
    if current is None:
        raise ConflictError(_("This service was deleted meanwhile. Reload the page."))
    return current


def _save(
    actor: Actor, service: CaseService, expected_version: int, values: dict[str, Any]
) -> CaseService:
    before = _current(service)
    changed = [name for name in SERVICE_FIELDS if _key(values[name]) != _key(before[name])]
    if not changed and expected_version == service.version:
        return service
    for name in changed:
        setattr(service, name, values[name])
    fields = list(changed)
    if "service_type" in changed:
        service.category = SERVICE_CATEGORY[service.service_type]
        fields.append("category")
    # A stale form is refused even when it would change nothing: its reader did not see the
    # other person's change.
    # Something changed here: ``service`` was read locked, so a save of nothing from another
    # version than the one read was refused just now.
    save_if_unchanged(service, expected_version=expected_version, fields=fields, actor=actor.user)
    record_event(
        event_type=EventType.SERVICE_CHANGED,
        actor=actor,
        target=service,
        changed_fields=changed,
        detail={"case_id": service.case_id},
    )
    statuses_refresh(case=service.case, actor=actor)
    return service


@transaction.atomic
def service_update(
    *, actor: Actor, service: CaseService, expected_version: int, changes: Mapping[str, Any]
) -> CaseService:
    """Correct a service: any field of ``SERVICE_FIELDS``, status and dates included (this is
    how a delivered or refused service is reopened). Only the fields in ``changes`` change; the
    whole record must still be possible."""
    _require_edit(actor, service.case)
    require_known_fields(changes, SERVICE_FIELDS, "a service")
    service = _locked(service)
    values = _current(service) | {name: _clean(name, value) for name, value in changes.items()}
    errors = _validate(service.case_id, values, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    return _save(actor, service, expected_version, values)


# The moves the case file offers, from the statuses they start from.
MOVES: dict[str, frozenset[str]] = {
    ServiceStatus.ACCEPTED: frozenset({ServiceStatus.OFFERED}),
    ServiceStatus.DELIVERED: frozenset({ServiceStatus.OFFERED, ServiceStatus.ACCEPTED}),
    ServiceStatus.REFUSED: frozenset({ServiceStatus.OFFERED, ServiceStatus.ACCEPTED}),
}


def moves_from(service: CaseService) -> list[ServiceStatus]:
    """The statuses the service can move to (a delivery without an end date can be ended)."""
    moves = [ServiceStatus(s) for s, sources in MOVES.items() if service.status in sources]
    if service.status == ServiceStatus.DELIVERED and service.ended_on is None:
        moves.append(ServiceStatus.DELIVERED)
    return moves


@transaction.atomic
def service_move(
    *,
    actor: Actor,
    service: CaseService,
    expected_version: int,
    status: str,
    on: date | None,
    until: date | None = None,
) -> CaseService:
    """Move a service on: accepted ``on`` a day, delivered from ``on`` (``until`` a day, or
    still running), refused ``on`` a day. Refused and delivered services are final; a mistake
    is corrected with ``service_update``. Errors name the fields ``on`` and ``until``."""
    _require_edit(actor, service.case)
    service = _locked(service)
    if service.version != expected_version:
        # Let save_if_unchanged word the conflict (who changed it, when).
        save_if_unchanged(service, expected_version=expected_version, fields=[], actor=actor.user)
    if status not in MOVES:
        raise ValidationError({"status": _("Pick accepted, delivered or refused.")})
    if status not in moves_from(service):
        raise ValidationError(
            {
                "status": _(
                    "A service that is “%(current)s” cannot become “%(status)s”. If it was "
                    "recorded by mistake, correct the record."
                )
                % {
                    "current": ServiceStatus(service.status).label,
                    "status": ServiceStatus(status).label,
                }
            }
        )
    if until is not None and status != ServiceStatus.DELIVERED:
        raise ValidationError({"until": _("Only a delivery has an end date.")})
    values = _current(service) | {"status": status}
    target = {
        ServiceStatus.ACCEPTED: "accepted_on",
        ServiceStatus.DELIVERED: "started_on",
        ServiceStatus.REFUSED: "refused_on",
    }[ServiceStatus(status)]
    ending_a_delivery = service.status == ServiceStatus.DELIVERED
    if ending_a_delivery:
        if until is None:
            raise ValidationError({"until": _("Enter the date the delivery ended.")})
        if on is not None and on != service.started_on:
            raise ValidationError(
                {"on": _("The delivery started earlier; to change its start, correct the record.")}
            )
    else:
        values[target] = on
    values["ended_on"] = until if status == ServiceStatus.DELIVERED else values["ended_on"]
    errors = _validate(service.case_id, values, timezone.localdate())
    if errors:
        named = {target: "on", "ended_on": "until"}
        raise ValidationError(
            {named.get(name, NON_FIELD_ERRORS): message for name, message in errors.items()}
        )
    return _save(actor, service, expected_version, values)


@transaction.atomic
def service_delete(
    *, actor: Actor, service: CaseService, expected_version: int, reason: str
) -> CaseService:
    """Delete a service softly, with a reason: it leaves the case file, its row stays."""
    _require_edit(actor, service.case)
    reason = required_reason(reason, _("Say why the service is deleted."))
    service = _locked(service)
    soft_delete_if_unchanged(
        service, expected_version=expected_version, reason=reason, actor=actor.user
    )
    record_event(
        event_type=EventType.SERVICE_DELETED,
        actor=actor,
        target=service,
        detail={"case_id": service.case_id},
    )
    statuses_refresh(case=service.case, actor=actor)
    return service
