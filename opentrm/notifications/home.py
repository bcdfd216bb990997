"""What needs the actor today: the sections of the home page, each from the owning app's
selectors and querysets, so the user sees only what she may see (the policy decides through
``visible_to`` and ``Actor.may``).

Each section costs a fixed number of queries (a few rows and a count), whatever the size of
the node: the home page is everyone's first page after login.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from opentrm.accounts.policy import Action, Actor
from opentrm.cases.models import Case, ConsentDecision, ConsentRecord, ReflectionPeriod
from opentrm.cases.services.tasks import TaskView, task_list
from opentrm.directory import selectors as directory_selectors
from opentrm.exchange.models import OutboxMessage, OutboxStatus
from opentrm.meetings.selectors import my_action_items
from opentrm.referrals.models import FollowUpReport, Referral
from opentrm.referrals.selectors import Box, box
from opentrm.referrals.services import timelines
from opentrm.stats import selectors as stats_selectors
from opentrm.stats.selectors import Table

SHOWN = 10  # rows per section; the section links to the full list beyond
# A count on the home page stops here and says "more than": a case manager may hold thousands
# of open tasks, each checked against the cases she may see (bench/README.md, "Home page and
# case search"); the task list has them all.
COUNT_CAP = 100


def horizon_days() -> int:
    return int(getattr(settings, "OPENTRM_HOME_HORIZON_DAYS", 7))


@dataclass
class Section:
    rows: list[Any] = field(default_factory=list)
    total: int = 0
    overdue: int = 0
    capped: bool = False  # more than ``total`` (COUNT_CAP)
    overdue_capped: bool = False
    overdue_ids: set[int] = field(default_factory=set)


@dataclass
class Home:
    today: date
    horizon: date
    tasks: Section | None = None
    referrals: Section | None = None
    reflection: Section | None = None
    consents: Section | None = None
    follow_ups: Section | None = None
    action_items: Section | None = None
    directory_organisations: int | None = None
    directory_contact_points: int | None = None
    dead_letters: int | None = None
    statistics: Table | None = None  # headline figures (coordinators), disclosure-controlled

    def case_ids(self) -> list[int]:
        ids: set[int] = set()
        for section in (self.tasks, self.reflection, self.consents):
            if section is not None:
                ids.update(row.case_id for row in section.rows)
        return sorted(ids)

    def referral_ids(self) -> list[int]:
        ids: set[int] = set()
        if self.referrals is not None:
            ids.update(row.pk for row in self.referrals.rows)
        if self.follow_ups is not None:
            ids.update(row.referral_id for row in self.follow_ups.rows)
        return sorted(ids)


def _tasks(actor: Actor, today: date, horizon: date) -> Section:
    mine = task_list(actor=actor, view=TaskView.MINE, today=today).filter(due_on__lte=horizon)
    # Counted up to the cap, soonest due first: the overdue ones come first, so they are
    # counted exactly up to the cap too (a case manager may hold thousands of tasks).
    cap = COUNT_CAP
    first = mine.order_by("due_on").values("due_on")[: cap + 1]
    counts = first.aggregate(total=Count("due_on"), overdue=Count("due_on", Q(due_on__lt=today)))
    return Section(
        rows=list(mine[:SHOWN]),
        total=min(counts["total"], cap),
        overdue=min(counts["overdue"], cap),
        capped=counts["total"] > cap,
        overdue_capped=counts["overdue"] > cap,
    )


def _referrals(actor: Actor) -> Section:
    now = timezone.now()
    waiting = box(actor, Box.INBOX).filter(status__in=timelines.AWAITING_ANSWER)
    counts = waiting.order_by().aggregate(
        total=Count("id"), overdue=Count("id", timelines.overdue_q(now))
    )
    rows = list(
        waiting.select_related("sender_organisation").order_by(
            "answer_due_at", "acknowledge_due_at", "id"
        )[:SHOWN]
    )
    return Section(
        rows=rows,
        total=counts["total"],
        overdue=counts["overdue"],
        overdue_ids={row.pk for row in rows if _late(row, now)},
    )


def _late(referral: Referral, now: Any) -> bool:
    acknowledge_by = referral.acknowledge_due_at
    if (
        referral.status in timelines.AWAITING_ACKNOWLEDGEMENT
        and acknowledge_by
        and acknowledge_by < now
    ):
        return True
    return bool(referral.answer_due_at and referral.answer_due_at < now)


def _section(rows: list[Any], matches: QuerySet[Any, Any]) -> Section:
    """``rows`` shown of ``matches``, counted up to COUNT_CAP."""
    found = matches.order_by().values("pk")[: COUNT_CAP + 1].count()
    return Section(rows=rows, total=min(found, COUNT_CAP), capped=found > COUNT_CAP)


def _visible_cases(actor: Actor) -> QuerySet[Case, Any]:
    return Case.objects.visible_to(actor).values("pk")


def _reflection(actor: Actor, today: date, horizon: date) -> Section:
    periods = ReflectionPeriod.objects.filter(
        case__in=_visible_cases(actor), ends_on__gte=today, ends_on__lte=horizon
    )
    return _section(list(periods.select_related("case").order_by("ends_on", "id")[:SHOWN]), periods)


def _consents(actor: Actor, today: date, horizon: date) -> Section:
    # NOT EXISTS rather than ``superseded_by__isnull`` (a LEFT JOIN): the planner then walks
    # the expiry index in order and stops at the rows shown.
    replaced = ConsentRecord.objects.filter(supersedes=OuterRef("pk"))
    expiring = ConsentRecord.objects.filter(
        ~Exists(replaced),
        case__in=_visible_cases(actor),
        decision=ConsentDecision.GIVEN,
        withdrawn_at__isnull=True,
        expires_on__gte=today,
        expires_on__lte=horizon,
    )
    return _section(
        list(expiring.select_related("case").order_by("expires_on", "id")[:SHOWN]), expiring
    )


def _follow_ups(actor: Actor, today: date) -> Section:
    if actor.organisation_id is None:
        return Section()
    received = FollowUpReport.objects.filter(
        referral__in=box(actor, Box.OUTBOX).values("pk"),
        reported_on__gte=today - timedelta(days=horizon_days()),
    ).exclude(organisation_id=actor.organisation_id)
    rows = list(received.select_related("referral").order_by("-reported_on", "-id")[:SHOWN])
    return _section(rows, received)


def _action_items(actor: Actor, today: date, horizon: date) -> Section:
    """The actor's open action items of meetings (issue 19 §6) due by ``horizon``, or undated."""
    due = [
        item
        for item in my_action_items(actor=actor, done_shown=0)[0]
        if item.due_on is None or item.due_on <= horizon
    ]
    overdue = [item.pk for item in due if item.due_on is not None and item.due_on < today]
    return Section(rows=due[:SHOWN], total=len(due), overdue=len(overdue))


def home_for(*, actor: Actor, today: date | None = None) -> Home:
    day = today or timezone.localdate()
    home = Home(today=day, horizon=day + timedelta(days=horizon_days()))
    if actor.may(Action.CASE_VIEW):
        home.tasks = _tasks(actor, day, home.horizon)
        home.reflection = _reflection(actor, day, home.horizon)
        home.consents = _consents(actor, day, home.horizon)
        home.follow_ups = _follow_ups(actor, day)
    if actor.may(Action.REFERRAL_RESPOND):
        home.referrals = _referrals(actor)
    if actor.may(Action.MEETING_VIEW):
        home.action_items = _action_items(actor, day, home.horizon)
    if actor.may(Action.DIRECTORY_EDIT) and actor.country_id is not None:
        cutoff = directory_selectors.review_cutoff(day)
        home.directory_organisations = (
            directory_selectors.stale_organisations(actor=actor, cutoff=cutoff)
            .filter(country_id=actor.country_id)
            .count()
        )
        home.directory_contact_points = (
            directory_selectors.stale_contact_points(actor=actor, cutoff=cutoff)
            .filter(organisation__country_id=actor.country_id)
            .count()
        )
    if actor.may(Action.EXCHANGE_MANAGE):
        home.dead_letters = OutboxMessage.objects.filter(status=OutboxStatus.DEAD).count()
    if actor.may(Action.STATS_VIEW) and actor.may(Action.CASE_SETTINGS_EDIT):
        # The national coordinator: the headline figures of the last twelve months.
        filters = stats_selectors.default_filters(actor, day)
        home.statistics = stats_selectors.headline(actor, filters, only_headline=True)
    return home
