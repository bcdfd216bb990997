"""Time limits, working days and overdue flags (issue 4 §8); the settings pages."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.core.errors import ConflictError
from opentrm.referrals.models import Referral, ReferralTimeLimit, WorkingCalendar
from opentrm.referrals.services import requests
from opentrm.referrals.services import settings as settings_service
from opentrm.referrals.services.timelines import due_dates, overdue_q, timeliness
from opentrm.referrals.tests.test_requests import (
    adult_case,
    focal_point,
    receiver,
    sent_request,
    step,
)


def at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


FRIDAY = date(2026, 3, 6)


def test_working_days_skip_the_weekend(world: World) -> None:
    acknowledge, answer = due_dates(kind="family_check", receiver_country="RO", sent_at=at(FRIDAY))
    assert acknowledge == at(date(2026, 3, 10))  # Tuesday
    assert answer == at(date(2026, 3, 20))  # two weeks later, a Friday


def test_working_days_skip_the_receiving_countrys_holidays(world: World) -> None:
    WorkingCalendar.objects.create(country=world.country_b, holidays=["2026-03-09"])
    acknowledge, _answer = due_dates(kind="family_check", receiver_country="RO", sent_at=at(FRIDAY))
    assert acknowledge == at(date(2026, 3, 11))  # Monday is a holiday in RO
    # the sender's country does not count
    WorkingCalendar.objects.create(country=world.country_a, holidays=["2026-03-10"])
    assert due_dates(kind="family_check", receiver_country="RO", sent_at=at(FRIDAY))[0] == at(
        date(2026, 3, 11)
    )


def test_another_weekend(world: World) -> None:
    WorkingCalendar.objects.create(country=world.country_b, weekend_days=[5, 6])
    acknowledge, _answer = due_dates(
        kind="family_check",
        receiver_country="RO",
        sent_at=at(date(2026, 3, 5)),  # Thursday
    )
    assert acknowledge == at(date(2026, 3, 9))  # Sunday and Monday count, Friday-Saturday not


def test_hours_count_round_the_clock(world: World) -> None:
    acknowledge, answer = due_dates(
        kind="immediate_danger", receiver_country="RO", sent_at=at(FRIDAY, 23)
    )
    assert acknowledge == at(FRIDAY, 23) + timedelta(hours=2)
    assert answer == at(FRIDAY, 23) + timedelta(hours=24)


def own_identity_limits(world: World) -> None:
    """Country B's coordinator sets B's own limits for identity verification: acknowledge
    within 1 working day, answer within 5."""
    settings_service.time_limit_set(
        actor=world.actor(Role.NATIONAL_COORDINATOR, org="b"),
        country=world.country_b,
        kind="identity_verification",
        acknowledge_within=1,
        acknowledge_unit="working_days",
        answer_within=5,
        answer_unit="working_days",
    )


def test_each_country_sets_its_own_limits(world: World) -> None:
    own_identity_limits(world)
    acknowledge, answer = due_dates(
        kind="identity_verification", receiver_country="RO", sent_at=at(FRIDAY)
    )
    assert acknowledge == at(date(2026, 3, 9))
    assert answer == at(date(2026, 3, 13))
    # Albania keeps the defaults
    assert due_dates(kind="identity_verification", receiver_country="AL", sent_at=at(FRIDAY))[
        0
    ] == at(date(2026, 3, 10))
    event = AuditEvent.objects.get(event_type="REFERRAL_SETTINGS_CHANGED")
    assert event.detail["kind"] == "identity_verification"


def test_a_coordinator_sets_only_the_own_countrys_limits(world: World) -> None:
    # Agency A's coordinator for country B, and a case manager for country A: both refused.
    for role, country in (
        (Role.NATIONAL_COORDINATOR, world.country_b),
        (Role.CASE_MANAGER, world.country_a),
    ):
        with pytest.raises(PermissionDenied):
            settings_service.time_limit_set(
                actor=world.actor(role),
                country=country,
                kind="family_check",
                acknowledge_within=1,
                acknowledge_unit="hours",
                answer_within=2,
                answer_unit="hours",
            )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"acknowledge_within": 0}, "acknowledge_within"),
        ({"answer_within": 1, "acknowledge_within": 3}, "answer_within"),
        ({"answer_unit": "fortnights"}, "answer_unit"),
        ({"kind": "immediate_danger"}, "acknowledge_unit"),
    ],
)
def test_bad_limits_are_refused(world: World, values: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {
        "kind": "family_check",
        "acknowledge_within": 2,
        "acknowledge_unit": "working_days",
        "answer_within": 10,
        "answer_unit": "working_days",
    } | values
    with pytest.raises(ValidationError) as error:
        settings_service.time_limit_set(
            actor=world.actor(Role.NATIONAL_COORDINATOR),
            country=world.country_a,
            **arguments,  # type: ignore[arg-type]
        )
    assert field in error.value.message_dict
    assert not ReferralTimeLimit.objects.exists()


def test_the_calendar_is_saved_with_a_version(world: World) -> None:
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    calendar = settings_service.calendar_update(
        actor=coordinator,
        country=world.country_a,
        expected_version=0,
        weekend_days=[6, 7],
        holidays=[date(2026, 11, 28)],
        allow_direct_routes=True,
    )
    assert calendar.holidays == ["2026-11-28"]
    with pytest.raises(ConflictError):
        settings_service.calendar_update(
            actor=coordinator,
            country=world.country_a,
            expected_version=0,
            weekend_days=[7],
            holidays=[],
            allow_direct_routes=False,
        )
    with pytest.raises(ValidationError) as error:
        settings_service.parse_holidays(["2026-01-01", "1 May"])
    assert "Line 2" in error.value.messages[0]


def test_overdue_requests_are_found(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    assert referral.acknowledge_due_at is not None
    assert referral.answer_due_at is not None
    late = referral.acknowledge_due_at + timedelta(minutes=1)
    assert not Referral.objects.filter(overdue_q(referral.acknowledge_due_at)).exists()
    assert Referral.objects.filter(overdue_q(late)).get() == referral
    step(requests.request_acknowledge, referral, receiver(world))
    assert not Referral.objects.filter(overdue_q(late)).exists()
    assert Referral.objects.filter(
        overdue_q(referral.answer_due_at + timedelta(minutes=1))
    ).exists()


def test_figures_per_kind_and_country(world: World) -> None:
    focal_point(world)
    first = sent_request(world, adult_case(world))
    sent_request(world, adult_case(world))
    sent_request(world, None, kind="socio_economic_risk")
    step(requests.request_acknowledge, first, receiver(world))
    assert first.answer_due_at is not None
    rows = {
        (row.kind, row.receiver_country): row
        for row in timeliness(now=first.answer_due_at + timedelta(hours=1))
    }
    identity = rows[("identity_verification", "RO")]
    assert (identity.sent, identity.acknowledged_on_time, identity.answered_on_time) == (2, 1, 0)
    assert identity.overdue == 2
    assert rows[("socio_economic_risk", "RO")].sent == 1


def test_the_settings_pages(world: World, client: Client) -> None:
    client.force_login(world.user(Role.NATIONAL_COORDINATOR))
    assert client.get(reverse("referrals:settings_overview")).status_code == 200
    url = reverse("referrals:settings_time_limit", args=["family_check"])
    response = client.post(
        url,
        {
            "acknowledge_within": 5,
            "acknowledge_unit": "working_days",
            "answer_within": 1,
            "answer_unit": "working_days",
        },
    )
    assert "cannot be shorter" in response.content.decode()
    response = client.post(
        reverse("referrals:settings_calendar"),
        {"version": 0, "weekend_days": ["6", "7"], "holidays": "2026-12-25\nnot a date"},
    )
    assert "Line 2" in response.content.decode()
    response = client.post(
        reverse("referrals:settings_calendar"),
        {
            "version": 0,
            "weekend_days": ["6", "7"],
            "holidays": "2026-12-25",
            "allow_direct_routes": "on",
        },
    )
    assert response.status_code == 302
    assert WorkingCalendar.objects.get(country=world.country_a).allow_direct_routes
    client.force_login(world.user(Role.CASEWORKER))
    assert client.get(reverse("referrals:settings_overview")).status_code == 403
