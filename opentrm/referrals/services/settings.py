"""A country's referral settings (issue 4 §4, §8): time limits per kind, the working-day
calendar, and whether its organisations may send requests abroad directly. Set by the national
coordinator of that country only."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.errors import ConflictError
from opentrm.directory.models import Country
from opentrm.referrals.models import ReferralKind, ReferralTimeLimit, TimeUnit, WorkingCalendar
from opentrm.referrals.services.timelines import DEFAULT_WEEKEND

MAX_HOURS = 24 * 30
MAX_WORKING_DAYS = 90
MAX_HOLIDAYS = 400
# A working day is at most this many hours when comparing limits in different units.
_HOURS_PER_WORKING_DAY = 24


def settings_country(actor: Actor) -> Country:
    """The country whose settings the actor edits: its own, for a national coordinator."""
    require(actor, Action.CASE_SETTINGS_EDIT)
    assert actor.country_id is not None  # require() let a member through: its org's country
    return Country.objects.get(pk=actor.country_id)


def _require_own(actor: Actor, country: Country) -> None:
    require(actor, Action.CASE_SETTINGS_EDIT)
    if actor.country_id != country.pk:
        raise PermissionDenied


def _in_hours(amount: int, unit: str) -> int:
    return amount if unit == TimeUnit.HOURS else amount * _HOURS_PER_WORKING_DAY


def _time_limit_errors(
    kind: str, acknowledge_within: int, acknowledge_unit: str, answer_within: int, answer_unit: str
) -> dict[str, str]:
    """What is wrong with a time limit, by field (empty: none)."""
    errors: dict[str, str] = {}
    if kind not in ReferralKind.values:
        errors["kind"] = _("Pick a kind of referral or request from the list.")
    for field, amount, unit in (
        ("acknowledge_within", acknowledge_within, acknowledge_unit),
        ("answer_within", answer_within, answer_unit),
    ):
        unit_field = field.replace("within", "unit")
        if unit not in TimeUnit.values:
            errors[unit_field] = _("Pick hours or working days.")
            continue
        if amount < 1:
            errors[field] = _("Give at least 1.")
        elif unit == TimeUnit.HOURS and amount > MAX_HOURS:
            errors[field] = _("At most %(max)d hours.") % {"max": MAX_HOURS}
        elif unit == TimeUnit.WORKING_DAYS and amount > MAX_WORKING_DAYS:
            errors[field] = _("At most %(max)d working days.") % {"max": MAX_WORKING_DAYS}
    if kind == ReferralKind.IMMEDIATE_DANGER:
        for unit_field, unit in (
            ("acknowledge_unit", acknowledge_unit),
            ("answer_unit", answer_unit),
        ):
            if unit != TimeUnit.HOURS:
                errors.setdefault(
                    unit_field,
                    _("An immediate-danger alert is handled round the clock: give hours."),
                )
    if not errors and _in_hours(answer_within, answer_unit) < _in_hours(
        acknowledge_within, acknowledge_unit
    ):
        errors["answer_within"] = _("The time to answer cannot be shorter than to acknowledge.")
    return errors


@transaction.atomic
def time_limit_set(
    *,
    actor: Actor,
    country: Country,
    kind: str,
    acknowledge_within: int,
    acknowledge_unit: str,
    answer_within: int,
    answer_unit: str,
) -> ReferralTimeLimit:
    """Set how soon the country's receivers acknowledge and answer one kind."""
    _require_own(actor, country)
    errors = _time_limit_errors(
        kind, acknowledge_within, acknowledge_unit, answer_within, answer_unit
    )
    if errors:
        raise ValidationError(errors)
    row, created = ReferralTimeLimit.objects.select_for_update().get_or_create(
        country=country,
        kind=kind,
        defaults={
            "acknowledge_within": acknowledge_within,
            "acknowledge_unit": acknowledge_unit,
            "answer_within": answer_within,
            "answer_unit": answer_unit,
        },
    )
    changed = []
    if not created:
        for name, value in (
            ("acknowledge_within", acknowledge_within),
            ("acknowledge_unit", acknowledge_unit),
            ("answer_within", answer_within),
            ("answer_unit", answer_unit),
        ):
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed.append(name)
        if changed:
            row.save(update_fields=changed)
    if created or changed:
        record_event(
            event_type=EventType.REFERRAL_SETTINGS_CHANGED,
            actor=actor,
            target=row,
            changed_fields=changed
            or ["acknowledge_within", "acknowledge_unit", "answer_within", "answer_unit"],
            detail={"setting": "time_limit", "country": country.code, "kind": kind},
        )
    return row


def parse_holidays(lines: Iterable[str]) -> list[date]:
    """ISO dates, one a line; an unreadable line is refused with its number."""
    days: set[date] = set()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            days.add(date.fromisoformat(text))
        except ValueError:
            raise ValidationError(
                {
                    "holidays": _(
                        "Line %(line)d is not a date: write one date a line, as YYYY-MM-DD."
                    )
                    % {"line": number}
                }
            ) from None
    return sorted(days)


def calendar_of(country: Country) -> WorkingCalendar | None:
    return WorkingCalendar.objects.filter(country=country).first()


@transaction.atomic
def calendar_update(
    *,
    actor: Actor,
    country: Country,
    expected_version: int,
    weekend_days: Iterable[int],
    holidays: Iterable[date],
    allow_direct_routes: bool,
) -> WorkingCalendar:
    """Set the country's weekend days, public holidays and direct routes.

    ``expected_version`` is 0 when there was no calendar yet; a stale form is refused.
    """
    _require_own(actor, country)
    weekend = sorted(set(weekend_days))
    days = sorted(set(holidays))
    errors: dict[str, str] = {}
    if any(day < 1 or day > 7 for day in weekend):
        errors["weekend_days"] = _("Pick weekdays from the list.")
    elif len(weekend) > 5:
        errors["weekend_days"] = _("Leave at least two working days in the week.")
    if len(days) > MAX_HOLIDAYS:
        errors["holidays"] = _("At most %(max)d holidays.") % {"max": MAX_HOLIDAYS}
    if errors:
        raise ValidationError(errors)
    values = {
        "weekend_days": weekend,
        "holidays": [day.isoformat() for day in days],
        "allow_direct_routes": allow_direct_routes,
    }
    calendar = WorkingCalendar.objects.filter(country=country).first()
    if calendar is None:
        if expected_version != 0:
            raise ConflictError(_("This calendar no longer exists. Reload the page."))
        calendar = WorkingCalendar(country=country, **values)
        try:
            with transaction.atomic():
                calendar.save()
        except IntegrityError:
            raise ConflictError(
                _("This calendar was created by someone else meanwhile. Reload the page.")
            ) from None
        changed = list(values)
    else:
        before = {
            "weekend_days": sorted(calendar.weekend_days or DEFAULT_WEEKEND),
            "holidays": list(calendar.holidays or []),
            "allow_direct_routes": calendar.allow_direct_routes,
        }
        changed = [name for name in values if values[name] != before[name]]
        if not calendar.weekend_days and "weekend_days" not in changed:
            changed.append("weekend_days")  # store the default explicitly
        if changed or expected_version != calendar.version:
            for name in changed:
                setattr(calendar, name, values[name])
            save_if_unchanged(
                calendar, expected_version=expected_version, fields=changed, actor=actor.user
            )
    if changed:
        record_event(
            event_type=EventType.REFERRAL_SETTINGS_CHANGED,
            actor=actor,
            target=calendar,
            changed_fields=changed,
            detail={
                "setting": "calendar",
                "country": country.code,
                "holidays": len(days),
                "allow_direct_routes": allow_direct_routes,
            },
        )
    return calendar
