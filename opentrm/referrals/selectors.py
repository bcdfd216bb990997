"""Referral lists (inbox and outbox of an organisation, a focal point's too) and their counts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.selectors import Via, with_via
from opentrm.referrals.models import Referral, ReferralKind, ReferralStatus, Urgency
from opentrm.referrals.services import timelines

if TYPE_CHECKING:
    from opentrm.referrals.services.requests import SharedValue
    from opentrm.referrals.services.transnational import TemplateView


class Box(StrEnum):
    INBOX = "inbox"
    OUTBOX = "outbox"


@dataclass(frozen=True)
class Filters:
    box: Box = Box.INBOX
    status: str = ""
    kind: str = ""
    urgency: str = ""
    overdue: bool = False
    case: uuid.UUID | None = None

    @classmethod
    def parse(
        cls,
        *,
        box: str = "",
        status: str = "",
        kind: str = "",
        urgency: str = "",
        overdue: str | bool = "",
        case: str = "",
    ) -> Filters:
        """Filters from a query string; unknown values are ignored (no filter)."""
        try:
            case_id: uuid.UUID | None = uuid.UUID(case) if case else None
        except ValueError:
            case_id = None
        return cls(
            box=Box(box) if box in tuple(Box) else Box.INBOX,
            status=status if status in ReferralStatus.values else "",
            kind=kind if kind in ReferralKind.values else "",
            urgency=urgency if urgency in Urgency.values else "",
            overdue=overdue is True or overdue in ("1", "true", "on", "yes"),
            case=case_id,
        )

    def query(self) -> str:
        """The filters as a query string (pagination links keep them)."""
        parts = [f"box={self.box.value}"]
        for name in ("status", "kind", "urgency"):
            if getattr(self, name):
                parts.append(f"{name}={getattr(self, name)}")
        if self.overdue:
            parts.append("overdue=1")
        if self.case:
            parts.append(f"case={self.case}")
        return "&".join(parts)


def box(actor: Actor, which: Box) -> QuerySet[Referral]:
    """The organisation's inbox (received, never drafts) or outbox (sent, and its drafts)."""
    visible = Referral.objects.visible_to(actor)
    if which == Box.OUTBOX:
        return visible.filter(sender_organisation_id=actor.organisation_id)
    return visible.filter(receiver_organisation_id=actor.organisation_id).exclude(
        status=ReferralStatus.DRAFT
    )


def _filtered(actor: Actor, filters: Filters, *, with_status: bool) -> QuerySet[Referral]:
    referrals = box(actor, filters.box)
    if filters.case is not None:
        referrals = referrals.filter(case__public_id=filters.case)
    if filters.kind:
        referrals = referrals.filter(kind=filters.kind)
    if filters.urgency:
        referrals = referrals.filter(urgency=filters.urgency)
    if filters.overdue:
        referrals = referrals.filter(timelines.overdue_q(timezone.now()))
    if with_status and filters.status:
        referrals = referrals.filter(status=filters.status)
    return referrals


def referral_list(actor: Actor, filters: Filters) -> QuerySet[Referral]:
    """One box with its filters, the most urgent and newest first (a fixed number of queries)."""
    return (
        _filtered(actor, filters, with_status=True)
        .select_related(
            "case",
            "sender_organisation__country",
            "receiver_organisation__country",
            "intended_organisation",
        )
        .order_by("-sent_at", "-created_at", "-id")
    )


def status_counts(actor: Actor, filters: Filters) -> dict[str, int]:
    """How many referrals of the box (with the other filters) are in each status: one query."""
    rows = (
        _filtered(actor, filters, with_status=False)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    return {row["status"]: row["n"] for row in rows}


def new_count(actor: Actor | None) -> int:
    """Referrals the organisation received and has not acknowledged yet: one query."""
    if actor is None or actor.organisation_id is None or not can(actor, Action.CASE_VIEW):
        return 0
    return Referral.objects.filter(
        receiver_organisation_id=actor.organisation_id, status=ReferralStatus.SENT
    ).count()


# --- audited reads -------------------------------------------------------------------------------
# As for cases (``cases.selectors``): the pages and the API read referrals through these, so what
# they audit cannot drift.


def referrals_listed(*, actor: Actor, box: Box, referrals: Sequence[Referral], via: Via) -> None:
    """Audit a page of the inbox or outbox (which referrals were shown)."""
    record_event(
        event_type=EventType.REFERRAL_LISTED,
        actor=actor,
        detail=with_via(
            via,
            {
                "box": box.value,
                "count": len(referrals),
                "referral_ids": [referral.pk for referral in referrals],
            },
        ),
    )


def _viewed(actor: Actor, referral: Referral, via: Via, detail: dict[str, Any]) -> None:
    record_event(
        event_type=EventType.REFERRAL_VIEWED,
        actor=actor,
        target=referral,
        detail=with_via(via, {"referral": referral.reference, **detail}),
    )


def referral_detail(*, actor: Actor, public_id: str, via: Via) -> Referral:
    """The referral (404 if missing or not the actor's), its reading audited with the side the
    actor reads it from."""
    from opentrm.referrals.access import access_referral, is_sender

    referral = access_referral(actor, public_id)
    side = "sender" if is_sender(actor, referral) else "receiver"
    _viewed(actor, referral, via, {"kind": referral.kind, "side": side})
    return referral


def template_read(
    *, actor: Actor, referral: Referral, via: Via, section: str = ""
) -> TemplateView | None:
    """The referral's template as ``actor`` may see it (None: not at all), its reading audited
    (with the section, for a page showing one)."""
    from opentrm.referrals.services.transnational import template_view

    view = template_view(actor, referral)
    if view is not None:
        part = {"section": section} if section else {}
        _viewed(actor, referral, via, {"part": "template", "side": view.side, **part})
    return view


def request_read(
    *, actor: Actor, referral: Referral, groups: Iterable[FieldGroup | str], via: Via
) -> None:
    """Audit a reading of a request by the receiving side (the groups it was shown)."""
    codes = sorted(FieldGroup(group).value for group in groups)
    _viewed(actor, referral, via, {"kind": referral.kind, "groups": codes})


def request_values(
    *, actor: Actor, referral: Referral, groups: Iterable[FieldGroup], via: Via
) -> list[SharedValue]:
    """The person's values a request shares in ``groups``; a reading of any is audited."""
    from opentrm.referrals.services.requests import shared_values

    groups = frozenset(groups)
    values = shared_values(referral, groups)
    if values:
        request_read(actor=actor, referral=referral, groups=groups, via=via)
    return values
