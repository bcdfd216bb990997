"""A national coordinator's referral settings: time limits per kind and the working calendar.
A refusal names the field and changes nothing; a change is audited with the fields it changed;
the same values again change and audit nothing."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.core.errors import ConflictError
from opentrm.referrals.models import ReferralTimeLimit, WorkingCalendar
from opentrm.referrals.services import settings as settings_service

LIMIT: dict[str, Any] = {
    "kind": "family_check",
    "acknowledge_within": 2,
    "acknowledge_unit": "working_days",
    "answer_within": 10,
    "answer_unit": "working_days",
}


def _coordinator(world: World) -> Actor:
    return world.actor(Role.NATIONAL_COORDINATOR)


def _limit(world: World, **changes: Any) -> ReferralTimeLimit:
    return settings_service.time_limit_set(
        actor=_coordinator(world), country=world.country_a, **(LIMIT | changes)
    )


def _calendar(world: World, version: int, **changes: Any) -> WorkingCalendar:
    values: dict[str, Any] = {
        "weekend_days": [6, 7],
        "holidays": [],
        "allow_direct_routes": False,
    } | changes
    return settings_service.calendar_update(
        actor=_coordinator(world), country=world.country_a, expected_version=version, **values
    )


def _settings_events() -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(event_type="REFERRAL_SETTINGS_CHANGED").order_by("sequence")
    )


def _unchanged(call: Callable[[], object], field: str, contains: str) -> None:
    rows = (
        list(ReferralTimeLimit.objects.values()),
        list(WorkingCalendar.objects.values()),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ValidationError) as refused:
        call()
    assert contains in " ".join(refused.value.message_dict[field])
    assert rows == (
        list(ReferralTimeLimit.objects.values()),
        list(WorkingCalendar.objects.values()),
        AuditEvent.objects.count(),
    )


def test_the_coordinator_edits_the_own_countrys_settings(world: World) -> None:
    assert settings_service.settings_country(_coordinator(world)) == world.country_a


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "postcard"}, "kind", "Pick a kind"),
        ({"acknowledge_unit": "hours", "acknowledge_within": 721}, "acknowledge_within", "720"),
        ({"answer_within": 91}, "answer_within", "At most 90 working days."),
        (
            {"kind": "immediate_danger", "acknowledge_unit": "hours", "acknowledge_within": 1},
            "answer_unit",
            "round the clock",
        ),
    ],
)
def test_a_time_limit_out_of_bounds_is_refused(
    world: World, changes: dict[str, Any], field: str, message: str
) -> None:
    _unchanged(lambda: _limit(world, **changes), field, message)


def test_a_time_limit_changed_is_audited_with_its_fields_and_the_same_again_is_not(
    world: World,
) -> None:
    _limit(world)
    row = _limit(world, answer_within=15)

    assert (row.answer_within, ReferralTimeLimit.objects.get().answer_within) == (15, 15)
    assert _settings_events()[-1].changed_fields == ["answer_within"]
    before = AuditEvent.objects.count()
    _limit(world, answer_within=15)
    assert AuditEvent.objects.count() == before


def test_blank_lines_between_holidays_are_skipped() -> None:
    assert settings_service.parse_holidays(["2026-05-01", "  ", "2026-01-01", "2026-05-01"]) == [
        date(2026, 1, 1),
        date(2026, 5, 1),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weekend_days": [0, 6]}, "weekend_days", "Pick weekdays"),
        ({"weekend_days": [1, 2, 3, 4, 5, 6]}, "weekend_days", "at least two working days"),
        (
            {"holidays": [date(2026, 1, 1) + timedelta(days=n) for n in range(401)]},
            "holidays",
            "At most 400 holidays.",
        ),
    ],
)
def test_a_calendar_out_of_bounds_is_refused(
    world: World, changes: dict[str, Any], field: str, message: str
) -> None:
    _unchanged(lambda: _calendar(world, 0, **changes), field, message)


def test_a_calendar_deleted_meanwhile_is_a_conflict(world: World) -> None:
    with pytest.raises(ConflictError, match="no longer exists"):
        _calendar(world, 3)
    assert not WorkingCalendar.objects.exists()


def test_a_calendar_created_by_someone_else_meanwhile_is_a_conflict(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    find = WorkingCalendar.objects.filter

    def created_meanwhile(**lookup: Any) -> Any:
        found = find(**lookup)
        missing = found.none()  # we read no calendar, then the other coordinator saves one
        WorkingCalendar.objects.create(country=world.country_a, weekend_days=[5, 6])
        monkeypatch.setattr(WorkingCalendar.objects, "filter", find)
        return missing

    monkeypatch.setattr(WorkingCalendar.objects, "filter", created_meanwhile)

    with pytest.raises(ConflictError, match="created by someone else"):
        _calendar(world, 0)
    assert _settings_events() == []  # (the other save, simulated inside ours, rolled back too)


def test_an_old_calendar_without_weekend_days_stores_the_default_once(world: World) -> None:
    calendar = WorkingCalendar.objects.create(country=world.country_a, weekend_days=[])

    saved = _calendar(world, calendar.version)  # the default weekend, as the form shows it

    assert WorkingCalendar.objects.get().weekend_days == [6, 7]
    assert _settings_events()[-1].changed_fields == ["weekend_days"]
    before = AuditEvent.objects.count()
    _calendar(world, saved.version)
    assert AuditEvent.objects.count() == before
