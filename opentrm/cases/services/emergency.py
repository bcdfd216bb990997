"""Break-the-glass writes (issue 17 §2): open a case in an emergency, and the data-protection
officer's review of each such access. Both audited; the reason stays on the row (it may name
the person), never in the audit trail's detail."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, audit_scope, can
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case, EmergencyAccess, ReviewConclusion
from opentrm.cases.querysets import EMERGENCY_CASES_CACHE
from opentrm.core.errors import ConflictError
from opentrm.core.input import text_problem


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    minimum = settings.OPENTRM_EMERGENCY_REASON_MIN_LENGTH
    if len(reason) < minimum:
        raise ValidationError(
            {"reason": _("Say why in a sentence (at least %(n)d characters).") % {"n": minimum}}
        )
    problem = text_problem(reason)
    if problem:
        raise ValidationError({"reason": problem})
    return reason


def emergency_open(*, actor: Actor, number: str, reason: str) -> EmergencyAccess:
    """Open the case with ``number`` for ``actor`` in an emergency. A number that is not a case
    the actor may open this way is refused with one message, whatever the cause (no such
    case, another country's, already on it), so the form tells nothing about other cases.
    The refusal is audited before any transaction (a rollback would take the event with it)."""
    reason = _clean_reason(reason)
    case = (
        Case.objects.live()
        .select_related("owner_organisation")
        .filter(number__iexact=(number or "").strip())
        .first()
    )
    if case is None or not can(actor, Action.CASE_EMERGENCY_OPEN, case):
        record_event(
            event_type=EventType.ACCESS_DENIED,
            actor=actor,
            detail={
                "action": Action.CASE_EMERGENCY_OPEN.value,
                "case_id": case.pk if case else None,
            },
        )
        raise ValidationError(
            {
                "number": _(
                    "No case with this number can be opened in an emergency by you. If your "
                    "organisation is on the case, open it from the case list."
                )
            }
        )
    with transaction.atomic():
        return _open(actor, case, reason)


def _open(actor: Actor, case: Case, reason: str) -> EmergencyAccess:
    assert actor.membership is not None  # the rule admits members only
    now = timezone.now()
    access = EmergencyAccess.objects.create(
        case=case,
        user=actor.user,
        organisation=actor.membership.organisation,
        role=actor.role.value if actor.role else "",
        reason=reason,
        opened_at=now,
        expires_at=now + timedelta(minutes=settings.OPENTRM_EMERGENCY_ACCESS_MINUTES),
    )
    vars(actor).pop(EMERGENCY_CASES_CACHE, None)  # the actor's case lists now include it
    record_event(
        event_type=EventType.EMERGENCY_ACCESS_OPENED,
        actor=actor,
        target=access,
        detail={"case_id": case.pk, "minutes": settings.OPENTRM_EMERGENCY_ACCESS_MINUTES},
    )
    return access


def reviewable(actor: Actor) -> QuerySet[EmergencyAccess]:
    """The emergency accesses the officer reviews: those to cases of her audit scope."""
    scope = audit_scope(actor)
    return EmergencyAccess.objects.filter(
        case__owner_organisation_id__in=sorted(scope.organisation_ids)
    ).select_related("case", "user", "organisation", "reviewed_by")


@transaction.atomic
def emergency_review(
    *, actor: Actor, access_id: int, conclusion: str, note: str
) -> EmergencyAccess:
    """Record the officer's conclusion on one emergency access; each is reviewed once."""
    access = reviewable(actor).select_for_update(of=("self",)).filter(pk=access_id).first()
    if access is None:
        raise PermissionDenied
    if access.reviewed_at is not None:
        raise ConflictError(_("This emergency access was reviewed already."))
    if conclusion not in ReviewConclusion.values:
        raise ValidationError({"conclusion": _("Choose a conclusion.")})
    note = (note or "").strip()
    problem = text_problem(note) if note else None
    if problem:
        raise ValidationError({"note": problem})
    if conclusion == ReviewConclusion.NOT_JUSTIFIED and not note:
        raise ValidationError({"note": _("Say what was wrong and what follows.")})
    access.conclusion = conclusion
    access.review_note = note
    access.reviewed_at = timezone.now()
    access.reviewed_by = actor.user
    access.save(update_fields=["conclusion", "review_note", "reviewed_at", "reviewed_by"])
    record_event(
        event_type=EventType.EMERGENCY_ACCESS_REVIEWED,
        actor=actor,
        target=access,
        detail={"case_id": access.case_id, "conclusion": conclusion},
    )
    return access
