"""Referral lists (inbox and outbox of an organisation, a focal point's too) and their counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, QuerySet
from django.utils import timezone

from opentrm.accounts.policy import Action, Actor, can
from opentrm.referrals.models import Referral, ReferralKind, ReferralStatus, Urgency
from opentrm.referrals.services import timelines


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
