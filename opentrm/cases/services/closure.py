"""Closing a case with its reason and reopening it (HTCDS 2.0 ``cas_Status`` and
``cas_ReasonForCaseClosure``; SOP-00j, SOP-T8: cooperation lasts until the criminal process is
concluded and the person fully included). A closed case is read-only until it is reopened
(``access.require_open`` and the capped field-group access)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case, CaseClosure, CaseStatus, CaseStatusChange, ClosureReason

# Reasons that say someone else carries the case on: HTCDS's "Closed Referred".
_REFERRED = {ClosureReason.REFERRED}


def _status_change(case: Case, new: str, actor: Actor, reason: str) -> None:
    CaseStatusChange.objects.create(
        case=case,
        attribute="case_status",
        old_value=case.case_status,
        new_value=new,
        changed_at=timezone.now(),
        changed_by=actor.user,
        reason=reason,
    )
    case.case_status = new
    Case.objects.filter(pk=case.pk).update(case_status=new)


@transaction.atomic
def case_close(*, actor: Actor, case: Case, reason: str, details: str = "") -> CaseClosure:
    """Close the case for the reason given ("other" needs the details). Only a case manager
    of the owner organisation closes a case (``can(actor, Action.CASE_CLOSE, case)``)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not can(actor, Action.CASE_CLOSE, case):
        raise PermissionDenied
    errors = {}
    if reason not in ClosureReason.values:
        errors["reason"] = _("Choose why the case is closed.")
    elif reason == ClosureReason.OTHER and not details.strip():
        errors["details"] = _("Describe why the case is closed.")
    if errors:
        raise ValidationError(errors)
    closure = CaseClosure.objects.create(
        case=case,
        closed_at=timezone.now(),
        closed_by=actor.user,
        closed_for_id=actor.organisation_id,
        reason=reason,
        details=details.strip(),
    )
    new = CaseStatus.CLOSED_REFERRED if reason in _REFERRED else CaseStatus.CLOSED
    _status_change(case, new, actor, reason)
    record_event(
        event_type=EventType.CASE_CLOSED,
        actor=actor,
        target=case,
        changed_fields=["case_status"],
        detail={"reason": reason, "closure_id": closure.pk},
    )
    return closure


@transaction.atomic
def case_reopen(*, actor: Actor, case: Case, reason: str) -> Case:
    """Reopen a closed case, saying why; its closure stays in the history."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not can(actor, Action.CASE_REOPEN, case):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    closure = CaseClosure.objects.filter(case=case, reopened_at__isnull=True).first()
    if closure is not None:
        closure.reopened_at = timezone.now()
        closure.reopened_by = actor.user
        closure.reopen_reason = reason.strip()
        closure.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    _status_change(case, CaseStatus.ACTIVE, actor, "reopened")
    record_event(
        event_type=EventType.CASE_REOPENED,
        actor=actor,
        target=case,
        changed_fields=["case_status"],
        detail={"closure_id": closure.pk if closure else None},
    )
    return case


def case_closures(case: Case) -> list[CaseClosure]:
    return list(
        CaseClosure.objects.filter(case=case)
        .select_related("closed_by", "closed_for", "reopened_by")
        .order_by("-closed_at", "-id")
    )
