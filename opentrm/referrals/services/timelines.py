"""When a referral must be acknowledged and answered (issue 4 §8).

Each country sets a time per kind (``ReferralTimeLimit``) in hours or working days of its
``WorkingCalendar`` (weekend days and public holidays); without a setting the defaults below
apply. The receiving country's settings count: it is the one that must act.

Hours are calendar hours (an immediate-danger alert is handled round the clock). A working-day
limit ends at the same time of day on the N-th working day after the day it was sent, in the
node's time zone: sent on Friday at 15:00 with two working days, it is due on Tuesday at 15:00
(Monday if Tuesday were the limit of one day, and later when a holiday falls in between).
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import ROLE_ACTIONS, Action
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.audit.services import record_event
from opentrm.referrals.models import (
    Delivery,
    Referral,
    ReferralKind,
    ReferralStatus,
    ReferralTimeLimit,
    TimeUnit,
    WorkingCalendar,
)
from opentrm.referrals.services.requests.kinds import KINDS

S = ReferralStatus

# kind -> (acknowledge within, unit, answer within, unit): each request kind's own
# (``requests.kinds``), the national and transnational referral the common default.
DEFAULTS: dict[str, tuple[int, str, int, str]] = {code: kind.limits for code, kind in KINDS.items()}
DEFAULT = (2, TimeUnit.WORKING_DAYS, 10, TimeUnit.WORKING_DAYS)
DEFAULT_WEEKEND = (6, 7)

# Waiting for the receiver: to acknowledge (sent), to answer (sent or acknowledged).
AWAITING_ACKNOWLEDGEMENT = (S.SENT,)
AWAITING_ANSWER = (S.SENT, S.ACKNOWLEDGED)


@dataclass(frozen=True)
class Limits:
    """A country's time limits for one kind, with where they come from."""

    kind: str
    acknowledge_within: int
    acknowledge_unit: str
    answer_within: int
    answer_unit: str
    is_default: bool


@dataclass(frozen=True)
class Calendar:
    weekend_days: frozenset[int]
    holidays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() not in self.weekend_days and day not in self.holidays


def default_limits(kind: str) -> Limits:
    ack, ack_unit, answer, answer_unit = DEFAULTS.get(kind, DEFAULT)
    return Limits(kind, ack, ack_unit, answer, answer_unit, is_default=True)


def limits_for(country_code: str, kind: str) -> Limits:
    row = ReferralTimeLimit.objects.filter(country__code=country_code, kind=kind).first()
    if row is None:
        return default_limits(kind)
    return Limits(
        kind,
        row.acknowledge_within,
        row.acknowledge_unit,
        row.answer_within,
        row.answer_unit,
        is_default=False,
    )


def all_limits(country_code: str) -> list[Limits]:
    """Every kind's limits in a country, the defaults where it set none."""
    rows = {row.kind: row for row in ReferralTimeLimit.objects.filter(country__code=country_code)}
    result = []
    for kind in ReferralKind:
        row = rows.get(kind.value)
        if row is None:
            result.append(default_limits(kind.value))
        else:
            result.append(
                Limits(
                    kind.value,
                    row.acknowledge_within,
                    row.acknowledge_unit,
                    row.answer_within,
                    row.answer_unit,
                    is_default=False,
                )
            )
    return result


def calendar_from(record: WorkingCalendar | None) -> Calendar:
    if record is None:
        return Calendar(frozenset(DEFAULT_WEEKEND), frozenset())
    weekend = frozenset(int(d) for d in record.weekend_days) if record.weekend_days else None
    holidays = frozenset(date.fromisoformat(str(day)) for day in record.holidays or [])
    return Calendar(weekend if weekend is not None else frozenset(DEFAULT_WEEKEND), holidays)


def calendar_for(country_code: str) -> Calendar:
    return calendar_from(WorkingCalendar.objects.filter(country__code=country_code).first())


def add_time(start: datetime, amount: int, unit: str, calendar: Calendar) -> datetime:
    """``start`` plus ``amount`` hours, or ``amount`` working days of ``calendar``."""
    if unit == TimeUnit.HOURS:
        return start + timedelta(hours=amount)
    local = timezone.localtime(start)
    day = local.date()
    added = 0
    # A calendar with no working day at all cannot be saved; the bound keeps a corrupt one
    # from looping for ever.
    for _step in range(amount * 7 + 400):
        if added >= amount:
            break
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            added += 1
    naive = datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, local.tzinfo)


def child_limits(limits: Limits) -> Limits:
    """A child's case with the default limits: half of each, at least one unit (SOP-T4, child
    victims are referred expeditiously; REC-102). A country's own setting counts as it is."""
    if not limits.is_default:
        return limits
    return replace(
        limits,
        acknowledge_within=max(1, limits.acknowledge_within // 2),
        answer_within=max(1, limits.answer_within // 2),
    )


def due_dates(
    *, kind: str, receiver_country: str, sent_at: datetime, child: bool = False
) -> tuple[datetime, datetime]:
    """(acknowledge by, answer by) for a referral of ``kind`` sent at ``sent_at`` to an
    organisation in ``receiver_country``: that country's limits and working days; shorter
    defaults for a child's case (``child_limits``)."""
    limits = limits_for(receiver_country, kind)
    if child:
        limits = child_limits(limits)
    calendar = calendar_for(receiver_country)
    return (
        add_time(sent_at, limits.acknowledge_within, limits.acknowledge_unit, calendar),
        add_time(sent_at, limits.answer_within, limits.answer_unit, calendar),
    )


# --- Overdue ------------------------------------------------------------------------------------


def overdue_q(now: datetime) -> Q:
    """Referrals whose receiver is late: not acknowledged by the acknowledgement date, or not
    answered by the answer date. For ``Referral.objects.filter(...)`` and annotations."""
    return Q(status__in=AWAITING_ACKNOWLEDGEMENT, acknowledge_due_at__lt=now) | Q(
        status__in=AWAITING_ANSWER, answer_due_at__lt=now
    )


def due_soon_q(now: datetime, within: timedelta = timedelta(days=1)) -> Q:
    """Due within ``within`` (or already overdue): what the reminders are about."""
    horizon = now + within
    return Q(status__in=AWAITING_ACKNOWLEDGEMENT, acknowledge_due_at__lte=horizon) | Q(
        status__in=AWAITING_ANSWER, answer_due_at__lte=horizon
    )


def is_overdue(referral: Referral, now: datetime | None = None) -> bool:
    moment = now or timezone.now()
    if (
        referral.status in AWAITING_ACKNOWLEDGEMENT
        and referral.acknowledge_due_at
        and referral.acknowledge_due_at < moment
    ):
        return True
    return bool(
        referral.status in AWAITING_ANSWER
        and referral.answer_due_at
        and referral.answer_due_at < moment
    )


# --- Figures for the statistics ----------------------------------------------------------------


@dataclass(frozen=True)
class TimelinessRow:
    kind: str
    receiver_country: str
    sent: int
    acknowledged_on_time: int
    answered_on_time: int
    overdue: int


def timeliness(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    referrals: QuerySet[Referral] | None = None,
) -> list[TimelinessRow]:
    """Per kind and receiving country: how many were sent (in the period, by ``sent_at``),
    acknowledged on time, answered on time (an acceptance, a refusal or a forward counts as
    the answer) and are overdue now. Counts only: no personal data."""
    moment = now or timezone.now()
    rows = (referrals if referrals is not None else Referral.objects.all()).filter(
        sent_at__isnull=False
    )
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    if until is not None:
        rows = rows.filter(sent_at__lt=until)
    figures = (
        rows.order_by()
        .values("kind", "receiver_country")
        .annotate(
            sent=Count("id"),
            acknowledged_on_time=Count(
                "id",
                filter=Q(
                    acknowledged_at__isnull=False,
                    acknowledge_due_at__isnull=False,
                    acknowledged_at__lte=F("acknowledge_due_at"),
                ),
            ),
            answered_on_time=Count(
                "id",
                filter=Q(
                    answered_at__isnull=False,
                    answer_due_at__isnull=False,
                    answered_at__lte=F("answer_due_at"),
                ),
            ),
            overdue=Count("id", filter=overdue_q(moment)),
        )
        .order_by("kind", "receiver_country")
    )
    return [
        TimelinessRow(
            kind=row["kind"],
            receiver_country=row["receiver_country"],
            sent=row["sent"],
            acknowledged_on_time=row["acknowledged_on_time"],
            answered_on_time=row["answered_on_time"],
            overdue=row["overdue"],
        )
        for row in figures
    ]


# --- Reminders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderResult:
    referrals: int = 0
    emails: int = 0
    no_address: int = 0
    failed: int = 0


def _responders(organisation_id: int) -> list[User]:
    roles = [
        role.value for role, actions in ROLE_ACTIONS.items() if Action.REFERRAL_RESPOND in actions
    ]
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.filter(
                is_active=True,
                organisation_id=organisation_id,
                organisation__is_active=True,
                role__in=roles,
            ),
        )
        .distinct()
        .order_by("pk")
    )


def _link(referral: Referral, base_url: str) -> str:
    # One page shows every kind (the national, transnational and request referral alike).
    path = reverse("referrals:referral_detail", args=[referral.public_id])
    return base_url.rstrip("/") + path


def _reminder(
    user: User, referral: Referral, *, due: datetime, overdue: bool, link: str
) -> EmailMessage:
    """Reference, kind, due date and link only: an e-mail leaves the system's protection."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = (
            _("OpenTRM: %(reference)s is overdue")
            if overdue
            else _("OpenTRM: %(reference)s is due soon")
        ) % {"reference": referral.reference}
        body = render_to_string(
            "referrals/request_reminder_email.txt",
            {
                "reference": referral.reference,
                "kind": ReferralKind(referral.kind).label,
                "due": timezone.localtime(due),
                "overdue": overdue,
                "acknowledge": referral.status == S.SENT
                and referral.acknowledge_due_at is not None
                and referral.acknowledge_due_at <= due,
                "link": link,
                "node": settings.OPENTRM_NODE_NAME,
            },
        )
    return EmailMessage(subject=subject, body=body, to=[user.email])


def record_reminders_sent(referral: Referral, *, emails: int, day: str, **detail: object) -> None:
    """The audit record of the reminders about ``referral`` sent on ``day`` (an ISO date): the
    record of "once a day" for the due-date reminders and the feedback reminders alike."""
    record_event(
        event_type=EventType.REFERRAL_REMINDERS_SENT,
        actor=None,
        target=referral,
        detail={
            "referral": referral.reference,
            "kind": referral.kind,
            "emails": emails,
            **detail,
            "day": day,
        },
    )


def _reminded_today(referral: Referral, today: date) -> bool:
    """The day of each reminder is in its audit event: the record of "once a day"."""
    return AuditEvent.objects.filter(
        event_type=EventType.REFERRAL_REMINDERS_SENT.value,
        target_type="referrals.referral",
        target_id=str(referral.pk),
        detail__day=today.isoformat(),
    ).exists()


def _next_due(referral: Referral) -> datetime:
    """The earliest date the receiver still has to meet."""
    dates = []
    if referral.status in AWAITING_ACKNOWLEDGEMENT and referral.acknowledge_due_at:
        dates.append(referral.acknowledge_due_at)
    if referral.status in AWAITING_ANSWER and referral.answer_due_at:
        dates.append(referral.answer_due_at)
    return min(dates)


def referral_reminders_send(*, now: datetime | None = None, base_url: str = "") -> ReminderResult:
    """E-mail the members of each receiving organisation who respond to referrals about the
    referrals and requests due within a day or overdue: once per referral per day (the
    REFERRAL_REMINDERS_SENT event of the referral is the record). A referral whose e-mails all
    failed is tried again on the next run."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    referrals = emails = no_address = failed = 0
    candidates = (
        Referral.objects.filter(due_soon_q(moment))
        .exclude(delivery=Delivery.EXPORTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in list(candidates):
        with transaction.atomic():
            referral = Referral.objects.select_for_update().filter(pk=pk).first()
            if referral is None or not Referral.objects.filter(due_soon_q(moment), pk=pk).exists():
                continue
            if _reminded_today(referral, today):
                continue
            due = _next_due(referral)
            overdue = due < moment
            link = _link(referral, base_url)
            sent = attempted = 0
            for user in _responders(referral.receiver_organisation_id):
                if not user.email:
                    no_address += 1
                    continue
                attempted += 1
                try:
                    _reminder(user, referral, due=due, overdue=overdue, link=link).send()
                except Exception:  # any transport error: go on with the others
                    failed += 1
                    continue
                sent += 1
            if not sent:
                continue
            record_reminders_sent(
                referral,
                emails=sent,
                day=today.isoformat(),
                failed=attempted - sent,
                overdue=overdue,
            )
            referrals += 1
            emails += sent
    return ReminderResult(referrals=referrals, emails=emails, no_address=no_address, failed=failed)
