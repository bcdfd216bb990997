"""The identification decision (issue 3 §4) and the recovery and reflection period (§5)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import states
from opentrm.cases.access import require_open
from opentrm.cases.models import (
    Case,
    CaseMeasure,
    IdentificationDecision,
    IdentificationOutcome,
    IdentificationStatus,
    MeasureStatus,
    ReflectionPeriod,
)
from opentrm.cases.services.case_settings import (
    case_country,
    country_settings,
    effective_measure,
    identifying_roles,
)
from opentrm.cases.services.measures import GuardBlockedError, audit_refusals, set_case_status
from opentrm.cases.services.tasks import sync_generated_tasks
from opentrm.catalogue.loader import CURRENT_VERSION
from opentrm.directory.models import Country
from opentrm.directory.validation import validate_country_code

REFLECTION_MEASURE = "sop1.reflection_period"


# --- Reads: the reflection period ------------------------------------------------------------


@dataclass(frozen=True)
class ReflectionCountdown:
    period: ReflectionPeriod
    days_left: int  # 0 on the last day


def reflection_countdown(case: Case, today: date | None = None) -> ReflectionCountdown | None:
    """The period running today and the days left in it, for the case file."""
    day = today or timezone.localdate()
    period = states.reflection_period_running(case, day)
    if period is None:
        return None
    return ReflectionCountdown(period=period, days_left=(period.ends_on - day).days)


def reflection_period_reminder_due(case: Case, today: date) -> ReflectionPeriod | None:
    """The running period if it ends within ``settings.OPENTRM_REFLECTION_REMINDER_DAYS``, the
    days before the end that the tasks area reminds people (``services/tasks.py``)."""
    period = states.reflection_period_running(case, today)
    if period is None or (period.ends_on - today).days > settings.OPENTRM_REFLECTION_REMINDER_DAYS:
        return None
    return period


# --- Writes: identification ------------------------------------------------------------------

_STATUS_OF_OUTCOME = {
    (IdentificationOutcome.IDENTIFIED, True): IdentificationStatus.IDENTIFIED_FORMALLY,
    (IdentificationOutcome.IDENTIFIED, False): IdentificationStatus.IDENTIFIED_INFORMALLY,
    (IdentificationOutcome.NOT_A_VICTIM, True): IdentificationStatus.NOT_A_VICTIM,
    (IdentificationOutcome.NOT_A_VICTIM, False): IdentificationStatus.NOT_A_VICTIM,
    (IdentificationOutcome.DECLINED, True): IdentificationStatus.DECLINED_FORMAL,
    (IdentificationOutcome.DECLINED, False): IdentificationStatus.DECLINED_FORMAL,
}


def _decision_country_code(
    *, case: Case, outcome: str, is_formal: bool, decided_on: date, country_code: str, home: Country
) -> str:
    """Validate an identification decision before it is written; the country code it is for
    (the actor's own country when none is given)."""
    errors: dict[str, str] = {}
    if outcome not in IdentificationOutcome.values:
        errors["outcome"] = _("Unknown outcome.")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("The date is in the future.")
    code = country_code.strip().upper() or home.code
    try:
        code = validate_country_code(code)
    except ValidationError as error:
        errors["country_code"] = error.messages[0]
    else:
        if is_formal and code != home.code:
            errors["country_code"] = _(
                "A formal identification is recorded by an authority of the country where it "
                "works (%(country)s)."
            ) % {"country": home.code}
    last_formal = case.identification_decisions.filter(is_formal=True).first()
    if not is_formal and last_formal is not None:
        errors["is_formal"] = _(
            "A formal decision was recorded on %(date)s: only a new formal decision changes it."
        ) % {"date": last_formal.decided_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    return code


def identification_errors(
    case: Case, home: Country, values: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Every mistake of an identification decision at once, by field (issue 12 §5): the rules
    ``identification_record`` applies to its input (``_decision_country_code``, with the last
    formal decision of the case), for a form's precheck. A field not in ``values`` (one with
    its own error) is not checked."""
    decided_on = values.get("decided_on")
    try:
        _decision_country_code(
            case=case,
            outcome=values.get("outcome") or "",
            is_formal=bool(values.get("is_formal")),
            decided_on=decided_on if isinstance(decided_on, date) else timezone.localdate(),
            country_code=values.get("country_code") or "",
            home=home,
        )
    except ValidationError as error:
        return {
            name: messages
            for name, messages in error.message_dict.items()
            if name != "outcome" or "outcome" in values
        }
    return {}


@audit_refusals
@transaction.atomic
def identification_record(
    *,
    actor: Actor,
    case: Case,
    outcome: str,
    is_formal: bool,
    decided_on: date,
    country_code: str = "",
    legal_basis: str = "",
    indicators_used: str = "",
) -> IdentificationDecision:
    """Record who identified the person (or found them not a victim), how and on what basis,
    and set the case's identification status from it.

    Only the roles the actor's country configured formally identify, and only in that country;
    after a formal decision, only another formal decision changes the status.
    """
    require(actor, Action.IDENTIFICATION_RECORD)
    require_open(case)
    assert actor.membership is not None
    organisation = actor.membership.organisation
    home = organisation.country
    if is_formal and not can(actor, Action.IDENTIFICATION_FORMAL, case):
        allowed = ", ".join(str(role.label) for role in identifying_roles(country_settings(home)))
        raise GuardBlockedError(
            "formal_identification",
            [
                _(
                    "In %(country)s only these roles may formally identify a victim: %(roles)s. "
                    "You may record an informal identification."
                )
                % {"country": home.name, "roles": allowed}
            ],
        )
    code = _decision_country_code(
        case=case,
        outcome=outcome,
        is_formal=is_formal,
        decided_on=decided_on,
        country_code=country_code,
        home=home,
    )
    decision = IdentificationDecision(
        case=case,
        outcome=outcome,
        is_formal=is_formal,
        decided_on=decided_on,
        country_code=code,
        legal_basis=legal_basis.strip(),
        indicators_used=indicators_used.strip(),
        decided_by=actor.user,
        decided_by_role=str(actor.role),
        organisation=organisation,
    )
    decision.full_clean()
    decision.save()
    # The newest decision by date sets the status (a decision entered late may be older).
    latest = case.identification_decisions.order_by("-decided_on", "-id").first()
    assert latest is not None
    new_status = _STATUS_OF_OUTCOME[(IdentificationOutcome(latest.outcome), latest.is_formal)]
    changed = set_case_status(case, "identification_status", new_status, actor)
    record_event(
        event_type=EventType.IDENTIFICATION_RECORDED,
        actor=actor,
        target=decision,
        changed_fields=["identification_status"] if changed else [],
        detail={"case_id": case.pk, "outcome": outcome, "is_formal": is_formal},
    )
    return decision


# --- Writes: the recovery and reflection period ----------------------------------------------


@transaction.atomic
def reflection_period_start(
    *,
    actor: Actor,
    case: Case,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> ReflectionPeriod:
    """Grant the recovery and reflection period: from today unless said otherwise, to the start
    plus the granting country's number of days unless an end date is given.

    While it runs, no return or removal is completed (``states.return_completion_blocked``).
    The case's ``sop1.reflection_period`` measure is started with it.
    """
    require(actor, Action.MEASURE_EDIT)
    require_open(case)
    assert actor.membership is not None
    organisation = actor.membership.organisation
    today = timezone.localdate()
    start = starts_on or today
    errors: dict[str, str] = {}
    if start > today:
        errors["starts_on"] = _("A reflection period is recorded once granted: not in the future.")
    if ends_on is None:
        days = country_settings(organisation.country).reflection_days
        ends_on = start + timedelta(days=days)
    elif ends_on < start:
        errors["ends_on"] = _("The period cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    overlapping = case.reflection_periods.filter(starts_on__lte=ends_on, ends_on__gte=start).first()
    if overlapping is not None:
        raise ValidationError(
            _("A reflection period from %(start)s to %(end)s is already recorded.")
            % {"start": overlapping.starts_on.isoformat(), "end": overlapping.ends_on.isoformat()}
        )
    period = ReflectionPeriod(
        case=case,
        starts_on=start,
        ends_on=ends_on,
        granted_by=actor.user,
        organisation=organisation,
    )
    period.full_clean()
    period.save()
    _start_reflection_measure(case, period, actor)
    record_event(
        event_type=EventType.REFLECTION_PERIOD_STARTED,
        actor=actor,
        target=period,
        detail={"case_id": case.pk, "days": (ends_on - start).days},
    )
    sync_generated_tasks(case, actor=actor)  # the reminder before the period ends
    return period


def _start_reflection_measure(case: Case, period: ReflectionPeriod, actor: Actor) -> None:
    """Show the period on the board as a measure in progress. It gets no due date: the end of
    the period has its own reminder task, and one event should not make two."""
    item = effective_measure(case_country(case), REFLECTION_MEASURE)
    measure = CaseMeasure.objects.filter(case=case, code=REFLECTION_MEASURE).first()
    if measure is None:
        if item is None or not item.is_enabled:
            return
        CaseMeasure.objects.create(
            case=case,
            code=REFLECTION_MEASURE,
            catalogue_version=CURRENT_VERSION,
            status=MeasureStatus.IN_PROGRESS,
            started_on=period.starts_on,
            updated_by=actor.user,
        )
    elif measure.status == MeasureStatus.PLANNED:
        CaseMeasure.objects.filter(pk=measure.pk).update(
            status=MeasureStatus.IN_PROGRESS,
            started_on=period.starts_on,
            due_on=None,
            version=F("version") + 1,
            updated_by=actor.user,
            updated_at=timezone.now(),
        )
