"""The breach workflow (GDPR art. 33-34): record, see the 72-hour clock, find who is affected
from the audit trail, record the notification of the supervisory authority."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.audit.services import record_event
from opentrm.cases.models import Case
from opentrm.core.concurrency import save_if_unchanged
from opentrm.dataprotection.models import Breach

RECORD_FIELDS = ("summary", "discovered_at", "window_start", "window_end", "account")


@dataclass(frozen=True)
class Clock:
    notify_by: datetime
    hours_left: int  # negative: overdue
    notified: bool

    @property
    def overdue(self) -> bool:
        return not self.notified and self.notify_by < timezone.now()

    @property
    def hours_overdue(self) -> int:
        return max(0, -self.hours_left)


def clock(breach: Breach, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    left = (breach.notify_by - now) / timedelta(hours=1)
    return Clock(
        notify_by=breach.notify_by,
        hours_left=int(left),  # whole hours, towards zero both ways
        notified=breach.authority_notified_at is not None,
    )


def breach_record(*, actor: Actor, **values: Any) -> Breach:
    require(actor, Action.DATA_PROTECTION_MANAGE)
    assert actor.membership is not None
    breach = Breach(organisation=actor.membership.organisation, recorded_by=actor.user, **values)
    errors = {}
    if breach.window_start and breach.window_end and breach.window_start > breach.window_end:
        errors["window_end"] = _("The end of the exposure comes before its start.")
    if breach.discovered_at and breach.discovered_at > timezone.now() + timedelta(minutes=5):
        errors["discovered_at"] = _("This time is in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        breach.full_clean()
        breach.save()
        record_event(
            event_type=EventType.BREACH_RECORDED,
            actor=actor,
            target=breach,
            detail={"account_id": breach.account_id},
        )
    return breach


def affected_cases(breach: Breach) -> list[Case]:
    """The cases whose data was opened, changed, printed, exported or sent within the exposure
    window by the organisation's members (or by the account involved only, when named): the
    persons to consider notifying (art. 34) and to count for the authority (art. 33(3)(a))."""
    events = AuditEvent.objects.filter(
        occurred_at__gte=breach.window_start,
        occurred_at__lte=breach.window_end,
        organisation_id=breach.organisation_id,
    )
    if breach.account_id is not None:
        events = events.filter(actor_id=breach.account_id)
    case_ids: set[int] = set()
    for target_type, target_id, detail in events.filter(
        Q(target_type="cases.case") | Q(detail__has_key="case_id")
    ).values_list("target_type", "target_id", "detail"):
        if isinstance(detail, dict) and isinstance(detail.get("case_id"), int):
            case_ids.add(detail["case_id"])
        elif target_type == "cases.case" and target_id.isdigit():
            case_ids.add(int(target_id))
    return list(Case._base_manager.filter(pk__in=case_ids).order_by("number"))


def breach_view(*, actor: Actor, breach: Breach) -> list[Case]:
    """The affected cases; looking at them is itself audited (they are case references)."""
    cases = affected_cases(breach)
    record_event(
        event_type=EventType.BREACH_VIEWED,
        actor=actor,
        target=breach,
        detail={"affected_cases": len(cases)},
    )
    return cases


def breach_authority_notified(
    *, actor: Actor, breach: Breach, version: int, reference: str
) -> Breach:
    require(actor, Action.DATA_PROTECTION_MANAGE)
    if breach.authority_notified_at is not None:
        raise ValidationError(_("The authority's notification is recorded already."))
    breach.authority_notified_at = timezone.now()
    breach.authority_reference = reference.strip()
    with transaction.atomic():
        save_if_unchanged(
            breach,
            expected_version=version,
            fields=["authority_notified_at", "authority_reference"],
            actor=actor.user,
        )
        record_event(
            event_type=EventType.BREACH_AUTHORITY_NOTIFIED,
            actor=actor,
            target=breach,
            detail={"late": breach.authority_notified_at > breach.notify_by},
        )
    return breach
