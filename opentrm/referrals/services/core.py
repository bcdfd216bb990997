"""What every kind of referral shares: its number, its steps and the status machine."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.concurrency import save_if_unchanged
from opentrm.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralNumberSequence,
    ReferralStatus,
)

S = ReferralStatus

# Which status may follow which. Who may take each step (sender or receiver) is checked by the
# service that takes it.
_RESPONSES = frozenset({S.ACCEPTED, S.DECLINED, S.ANSWERED, S.FORWARDED, S.WITHDRAWN})
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SENT, S.WITHDRAWN}),
    S.SENT: frozenset(
        {S.ACKNOWLEDGED, S.ACCEPTED, S.DECLINED, S.ANSWERED, S.FORWARDED, S.WITHDRAWN}
    ),
    S.ACKNOWLEDGED: frozenset({S.ACCEPTED, S.DECLINED, S.ANSWERED, S.FORWARDED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.RETURN_ARRANGED, S.WITHDRAWN, S.CLOSED}),
    S.RETURN_ARRANGED: frozenset({S.ARRIVAL_CONFIRMED, S.WITHDRAWN, S.CLOSED}),
    S.ARRIVAL_CONFIRMED: frozenset({S.CLOSED}),
    S.ANSWERED: frozenset({S.CLOSED}),
    S.DECLINED: frozenset(),
    S.FORWARDED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CLOSED: frozenset(),
}
FINAL = frozenset(status for status, nexts in TRANSITIONS.items() if not nexts)
OPEN = frozenset(TRANSITIONS) - FINAL - {S.DRAFT}

# The audit event of each step.
STEP_EVENTS: dict[str, EventType] = {
    S.SENT: EventType.REFERRAL_SENT,
    S.ACKNOWLEDGED: EventType.REFERRAL_ACKNOWLEDGED,
    S.ACCEPTED: EventType.REFERRAL_ACCEPTED,
    S.DECLINED: EventType.REFERRAL_DECLINED,
    S.ANSWERED: EventType.REFERRAL_ANSWERED,
    S.FORWARDED: EventType.REFERRAL_FORWARDED,
    S.RETURN_ARRANGED: EventType.REFERRAL_RETURN_ARRANGED,
    S.ARRIVAL_CONFIRMED: EventType.REFERRAL_ARRIVAL_CONFIRMED,
    S.WITHDRAWN: EventType.REFERRAL_WITHDRAWN,
    S.CLOSED: EventType.REFERRAL_CLOSED,
}


def next_reference(country_code: str) -> str:
    """``REF-AL-2026-000001``: per node and year, gapless, taken under a row lock."""
    year = timezone.localdate().year
    with transaction.atomic():
        ReferralNumberSequence.objects.get_or_create(year=year)
        sequence = ReferralNumberSequence.objects.select_for_update().get(year=year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
    return f"REF-{country_code}-{year}-{sequence.last:06d}"


def step(
    *,
    actor: Actor,
    referral: Referral,
    to: str,
    expected_version: int,
    fields: dict[str, object] | None = None,
    note: str = "",
    detail: dict[str, object] | None = None,
) -> Referral:
    """Move ``referral`` to status ``to`` (with ``fields`` set), record the step and audit it.

    Refused with a ValidationError when the status machine does not allow the step, and with a
    ConflictError when someone changed the referral after the page was loaded. Call inside the
    service's transaction. ``note`` and ``detail`` must not hold personal data.
    """
    if to not in TRANSITIONS.get(referral.status, frozenset()):
        raise ValidationError(
            {
                "__all__": _("A referral that is “%(status)s” cannot be “%(to)s”.")
                % {"status": referral.get_status_display(), "to": ReferralStatus(to).label}
            }
        )
    now = timezone.now()
    changes = dict(fields or {})
    changes["status"] = to
    if to == S.SENT:
        changes.setdefault("sent_at", now)
    elif to == S.ACKNOWLEDGED:
        changes.setdefault("acknowledged_at", now)
    elif to in (S.ACCEPTED, S.DECLINED, S.ANSWERED, S.FORWARDED):
        changes.setdefault("answered_at", now)
        if referral.acknowledged_at is None:
            changes.setdefault("acknowledged_at", now)
    elif to in (S.CLOSED, S.WITHDRAWN):
        changes.setdefault("closed_at", now)
    for name, value in changes.items():
        setattr(referral, name, value)
    save_if_unchanged(
        referral, expected_version=expected_version, fields=list(changes), actor=actor.user
    )
    ReferralEvent.objects.create(
        referral=referral,
        status=to,
        at=now,
        by=actor.user,
        organisation_id=actor.organisation_id,
        note=note,
    )
    record_event(
        event_type=STEP_EVENTS[to],
        actor=actor,
        target=referral,
        detail={"referral": referral.reference, "kind": referral.kind, **(detail or {})},
    )
    return referral


def send(
    *,
    actor: Actor,
    referral: Referral,
    expected_version: int,
    fields: dict[str, object] | None = None,
    detail: dict[str, object] | None = None,
) -> Referral:
    """Send a draft: its due dates follow from the receiving country's time limits."""
    from opentrm.referrals.services.timelines import due_dates

    now = timezone.now()
    acknowledge_by, answer_by = due_dates(
        kind=referral.kind, receiver_country=referral.receiver_country, sent_at=now
    )
    changes = {
        "sent_at": now,
        "acknowledge_due_at": acknowledge_by,
        "answer_due_at": answer_by,
        "sent_by": actor.user,
        **(fields or {}),
    }
    return step(
        actor=actor,
        referral=referral,
        to=S.SENT,
        expected_version=expected_version,
        fields=changes,
        detail=detail,
    )
