"""Feedback after return (SOP-IV-6, SOP-T13; issue 14 part C).

"Even when we return a person back to the country of origin, there is no feedback provided
about that person." Once the arrival of a returned person is confirmed, the receiving side owes
the referring side a follow-up report (template §6-§7, ``FollowUpReport``) within
``OPENTRM_FEEDBACK_DAYS`` (default 30) days, and again every as many days after its latest
report while the referral is open. Past that, the referral shows "feedback overdue" to both
sides and the daily ``send_referral_reminders`` reminds the receiver.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import FollowUpReport, Referral, ReferralEvent, ReferralStatus
from opentrm.referrals.services.timelines import _link, _responders, record_reminders_sent

S = ReferralStatus
logger = logging.getLogger("opentrm")


def feedback_days() -> int:
    return int(getattr(settings, "OPENTRM_FEEDBACK_DAYS", 30))


def feedback_due_at(referral: Referral) -> datetime | None:
    """When the next report is due: the period after the arrival or the latest report; None
    while no arrival is confirmed or once the referral is closed."""
    if referral.status != S.ARRIVAL_CONFIRMED:
        return None
    arrived = (
        ReferralEvent.objects.filter(referral=referral, status=S.ARRIVAL_CONFIRMED)
        .aggregate(at=Max("at"))
        .get("at")
    )
    if arrived is None:
        return None
    latest = referral.follow_ups.aggregate(at=Max("created_at")).get("at")
    start: datetime = max(arrived, latest) if latest else arrived
    return start + timedelta(days=feedback_days())


def feedback_overdue(referral: Referral, now: datetime | None = None) -> bool:
    due = feedback_due_at(referral)
    return due is not None and due < (now or timezone.now())


def feedback_overdue_q(now: datetime) -> Q:
    """Arrival confirmed more than the period ago and no report since the period began."""
    since = now - timedelta(days=feedback_days())
    arrived_before = ReferralEvent.objects.filter(
        referral=OuterRef("pk"), status=S.ARRIVAL_CONFIRMED, at__lt=since
    )
    recent_report = FollowUpReport.objects.filter(referral=OuterRef("pk"), created_at__gte=since)
    return Q(status=S.ARRIVAL_CONFIRMED) & Q(Exists(arrived_before)) & ~Q(Exists(recent_report))


@dataclass(frozen=True)
class FeedbackReminders:
    referrals: int = 0
    emails: int = 0


def _reminded_today(referral: Referral, day: str) -> bool:
    return AuditEvent.objects.filter(
        event_type=EventType.REFERRAL_REMINDERS_SENT.value,
        target_type="referrals.referral",
        target_id=str(referral.pk),
        detail__day=day,
        detail__feedback=True,
    ).exists()


def feedback_reminders_send(
    *, now: datetime | None = None, base_url: str = ""
) -> FeedbackReminders:
    """Remind the receiving organisation of each referral whose feedback is overdue, once a
    day (reference, link and due date only)."""
    moment = now or timezone.now()
    day = timezone.localdate(moment).isoformat()
    count = emails = 0
    for referral in Referral.objects.filter(feedback_overdue_q(moment)).order_by("pk"):
        if _reminded_today(referral, day):
            continue
        sent = 0
        for user in _responders(referral.receiver_organisation_id):
            if not user.email:
                continue
            with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
                message = EmailMessage(
                    subject=_("OpenTRM: feedback after return on %(reference)s is overdue")
                    % {"reference": referral.reference},
                    body=_(
                        "The follow-up report after the return (template sections 6 and 7) on "
                        "%(reference)s is overdue. Open it: %(link)s"
                    )
                    % {"reference": referral.reference, "link": _link(referral, base_url)},
                    to=[user.email],
                )
            try:
                message.send()
            except Exception:  # any transport error: go on with the others
                logger.warning("Feedback reminder for referral %s not sent", referral.pk)
                continue
            sent += 1
        if not sent:
            continue
        with transaction.atomic():
            record_reminders_sent(referral, emails=sent, day=day, feedback=True, overdue=True)
        count += 1
        emails += sent
    return FeedbackReminders(referrals=count, emails=emails)
