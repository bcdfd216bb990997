"""The anonymous feedback of assisted persons (reference MON-18, MON-D5): codes, answers and
their aggregates.

An organisation hands its code (printed on a slip) to the persons it assists; whoever has the
code answers a few questions without logging in. What is kept is the organisation of the code,
the month and the answers: no account, case, address, browser or time of day, and no audit
event (it would date the answer to the second). The rate limits count in the cache, by code and
for the whole node, never by sender.

Reports show aggregates only, by period and organisation, through ``feedback_aggregates``: no
count from 1 to the threshold is shown (zero is), and a second count of the same question is
hidden with it, so a hidden count cannot be worked out from the row's total.
"""

import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.errors import DomainError
from opentrm.directory.models import Organisation
from opentrm.monitoring.models import (
    Answer,
    FeedbackCode,
    FeedbackResponse,
    Recommend,
    Satisfaction,
)
from opentrm.stats.disclosure import protect

# No 0/O, 1/I/L: read aloud and typed from paper without mistakes.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class TooManyAnswersError(DomainError):
    code = "rate_limited"


# --- codes ------------------------------------------------------------------------------------


def normalise_code(text: str) -> str:
    """What a person typed, as stored: capitals, without spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:32]


def display_code(code: str) -> str:
    """``K7QWM2XD`` as ``K7QW-M2XD``: easier to read out and type."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def feedback_code_current(*, actor: Actor) -> FeedbackCode | None:
    """The active code of the actor's organisation, if one was issued."""
    require(actor, Action.FEEDBACK_CODE)
    assert actor.organisation_id is not None  # a member, by the action
    return FeedbackCode.objects.filter(
        organisation_id=actor.organisation_id, is_active=True
    ).first()


@transaction.atomic
def feedback_code_issue(*, actor: Actor) -> FeedbackCode:
    """A new code for the actor's organisation; the previous one stops working (a slip that went
    astray, a code someone misuses)."""
    require(actor, Action.FEEDBACK_CODE)
    assert actor.organisation_id is not None  # a member, by the action
    FeedbackCode.objects.filter(organisation_id=actor.organisation_id, is_active=True).update(
        is_active=False
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                code = FeedbackCode.objects.create(
                    organisation_id=actor.organisation_id,
                    code=_new_code(),
                    issued_at=timezone.now(),
                    issued_by=actor.user,
                )
            break
        except IntegrityError:  # the same code drawn twice, or a concurrent issue
            continue
    else:  # pragma: no cover - 31**8 codes: five collisions in a row do not happen
        raise DomainError(_("No code could be issued. Try again."))
    record_event(event_type=EventType.FEEDBACK_CODE_ISSUED, actor=actor, target=code)
    return code


def code_for_answering(text: str) -> FeedbackCode | None:
    """The active code ``text`` names, of an active organisation; None for any other."""
    code = normalise_code(text)
    if len(code) != CODE_LENGTH:
        return None
    return (
        FeedbackCode.objects.select_related("organisation")
        .filter(code=code, is_active=True, organisation__is_active=True)
        .first()
    )


# --- rate limits ------------------------------------------------------------------------------


def _hour() -> str:
    return timezone.now().strftime("%Y%m%d%H")


def _within(key: str, limit: int) -> bool:
    """Count one more in this hour's ``key``; False once ``limit`` is passed."""
    full = f"opentrm:feedback:{_hour()}:{key}"
    cache.add(full, 0, timeout=3600)
    try:
        count = cache.incr(full)
    except ValueError:  # expired between add and incr
        cache.set(full, 1, timeout=3600)
        count = 1
    return count <= limit


def unknown_code_allowed() -> bool:
    """Guessing codes costs the node's hourly allowance (every wrong code counts)."""
    return _within("unknown", settings.OPENTRM_FEEDBACK_PER_NODE_PER_HOUR)


# --- answering --------------------------------------------------------------------------------

QUESTIONS = ("satisfaction", "felt_safe", "understood", "would_recommend")


@transaction.atomic
def feedback_submit(
    *,
    code: FeedbackCode,
    satisfaction: int | None = None,
    felt_safe: str = "",
    understood: str = "",
    would_recommend: str = "",
) -> None:
    """Keep one anonymous answer for ``code``'s organisation in this month. Returns nothing: the
    answer has no identity a caller could hold on to."""
    answers = [satisfaction, felt_safe, understood, would_recommend]
    if all(value in (None, "") for value in answers):
        raise ValidationError(_("Answer at least one question."))
    if not _within(f"code:{code.code}", settings.OPENTRM_FEEDBACK_PER_CODE_PER_HOUR) or (
        not _within("node", settings.OPENTRM_FEEDBACK_PER_NODE_PER_HOUR)
    ):
        raise TooManyAnswersError(
            _("Too many answers were sent just now. Please try again in an hour.")
        )
    response = FeedbackResponse(
        organisation_id=code.organisation_id,
        month=timezone.localdate().replace(day=1),
        satisfaction=satisfaction,
        felt_safe=felt_safe,
        understood=understood,
        would_recommend=would_recommend,
    )
    response.full_clean()
    response.save()


# --- aggregates -------------------------------------------------------------------------------

Period = Literal["month", "quarter", "year"]
NO_ANSWER = ""

QUESTION_LABELS = {
    "satisfaction": gettext_lazy("Satisfied with the help received"),
    "felt_safe": gettext_lazy("Felt safe"),
    "understood": gettext_lazy("Understood, in a language they know"),
    "would_recommend": gettext_lazy("Would recommend the service"),
}


_CHOICES: dict[str, list[tuple[Any, Any]]] = {
    "satisfaction": list(Satisfaction.choices),
    "felt_safe": list(Answer.choices),
    "understood": list(Answer.choices),
    "would_recommend": list(Recommend.choices),
}


def question_choices(question: str) -> list[tuple[Any, str]]:
    """The answers of ``question``, then "no answer" (``NO_ANSWER``)."""
    choices: list[tuple[Any, Any]] = list(_CHOICES[question])
    return [(value, str(label)) for value, label in choices] + [(NO_ANSWER, _("No answer"))]


@dataclass
class Cell:
    """One count of a report; ``value`` is None when it is suppressed."""

    count: int
    suppressed: bool = False

    @property
    def value(self) -> int | None:
        return None if self.suppressed else self.count


@dataclass
class QuestionRow:
    question: str
    label: str
    cells: list[tuple[str, Cell]]  # (answer's label, count), "no answer" last


@dataclass
class AggregateRow:
    period: str  # 2026-11, 2026-Q4 or 2026
    organisation_id: int | None  # None: every organisation of the report together
    organisation: str
    answers: Cell
    questions: list[QuestionRow] = field(default_factory=list)


def _period_of(month: date, period: Period) -> str:
    if period == "year":
        return f"{month.year}"
    if period == "quarter":
        return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
    return f"{month.year}-{month.month:02d}"


def suppress(cells: Sequence[Cell], total: Cell, threshold: int) -> None:
    """Pass one question's counts and the row's total through the node's one disclosure
    function (``stats.disclosure.protect``): every count from 1 to ``threshold`` hidden, and
    further ones until none hidden can be had by subtraction from the total; the figures shown
    are rounded as the statistics are. A total hidden for one question is hidden for all."""
    protected = protect(
        [[cell.count for cell in cells]],
        row_totals=True,
        column_totals=False,
        threshold=threshold,
    )
    for cell, shown in zip(cells, protected.cells[0], strict=True):
        cell.suppressed = shown is None
        cell.count = cell.count if shown is None else shown
    assert protected.row_totals is not None
    shown_total = protected.row_totals[0]
    if shown_total is None:
        total.suppressed = True
    else:
        total.count = shown_total


def feedback_aggregates(
    *,
    organisations: Iterable[Any],
    date_from: date | None = None,
    date_to: date | None = None,
    period: Period = "quarter",
    by_organisation: bool = True,
    threshold: int | None = None,
) -> list[AggregateRow]:
    """The feedback of ``organisations`` (Organisation rows) by ``period`` and, with
    ``by_organisation``, by organisation: for each, how many answered and how each question was
    answered. Counts from 1 to ``threshold`` (``OPENTRM_FEEDBACK_MIN_COUNT``, 10) are suppressed
    (``suppress``); no totals across rows are given. Months only: an answer knows no day."""
    limit = settings.OPENTRM_FEEDBACK_MIN_COUNT if threshold is None else threshold
    names = {org.pk: org.name for org in organisations}
    rows = FeedbackResponse.objects.filter(organisation_id__in=list(names))
    if date_from is not None:
        rows = rows.filter(month__gte=date_from.replace(day=1))
    if date_to is not None:
        rows = rows.filter(month__lte=date_to)
    grouped = rows.values("organisation_id", "month", *QUESTIONS).annotate(n=Count("id"))
    totals: Counter[tuple[str, int | None]] = Counter()
    answers: Counter[tuple[str, int | None, str, Any]] = Counter()
    for group in grouped:
        key = (
            _period_of(group["month"], period),
            group["organisation_id"] if by_organisation else None,
        )
        totals[key] += group["n"]
        for question in QUESTIONS:
            value = group[question]
            answers[(*key, question, NO_ANSWER if value is None else value)] += group["n"]
    report = []
    for key in sorted(totals, key=lambda k: (k[0], names.get(k[1] or 0, ""))):
        total = Cell(totals[key], suppressed=0 < totals[key] <= limit)
        row = AggregateRow(
            period=key[0],
            organisation_id=key[1],
            organisation=names[key[1]] if key[1] is not None else _("All organisations"),
            answers=total,
        )
        for question in QUESTIONS:
            cells = [
                (label, Cell(answers[(*key, question, value)]))
                for value, label in question_choices(question)
            ]
            suppress([cell for _label, cell in cells], total, limit)
            row.questions.append(
                QuestionRow(question=question, label=str(QUESTION_LABELS[question]), cells=cells)
            )
        report.append(row)
    return report


def report_organisations(actor: Actor) -> QuerySet[Organisation]:
    """The organisations whose feedback the actor's report covers: those of its country."""
    require(actor, Action.FEEDBACK_REPORT)
    assert actor.country_id is not None  # a member, by the action
    return Organisation.objects.filter(country_id=actor.country_id)


def record_report_viewed(*, actor: Actor, kind: str) -> None:
    record_event(event_type=EventType.FEEDBACK_REPORT_VIEWED, actor=actor, detail={"format": kind})
