"""Generated task titles are stored as a key + parameters and shown in the reader's language
with the reader's date format (issue 12 §5); tasks from before keep their stored text."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone, translation

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.cases.models import Case, ReflectionPeriod, Task, TaskSource
from opentrm.cases.services import sync_generated_tasks
from opentrm.cases.tests.factories import detail_page, new_case, record_consent

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva", role=Role.CASE_MANAGER)


def _period(world: World, case: Case, ends_on: date) -> Task:
    ReflectionPeriod.objects.create(
        case=case,
        starts_on=TODAY(),
        ends_on=ends_on,
        granted_by=world.user(Role.CASEWORKER),
        organisation=world.agency_a,
    )
    sync_generated_tasks(case)
    return Task.objects.get(source=TaskSource.REFLECTION)


def test_it_stores_the_key_and_iso_parameters_not_a_formatted_english_text(
    world: World, case: Case
) -> None:
    ends = TODAY() + timedelta(days=40)
    task = _period(world, case, ends)
    assert (task.title_key, task.title_params) == ("reflection_ends", {"date": ends.isoformat()})
    # The stored fallback is English with the day first.
    assert ends.strftime("%d/%m/%Y") in task.title


def test_it_shows_the_title_in_the_readers_language_and_date_format(
    world: World, case: Case
) -> None:
    ends = date(TODAY().year + 1, 12, 4)
    task = _period(world, case, ends)
    with translation.override("sq"):
        albanian = task.shown_title
    with translation.override("ro"):
        romanian = task.shown_title
    with translation.override("en"):
        english = task.shown_title
    assert albanian.startswith(f"Periudha e reflektimit mbaron më {ends.year}-12-04")
    assert romanian.startswith("Perioada de reflecție se încheie la 04.12.")
    assert english == f"The reflection period ends on 04/12/{ends.year}: plan what follows"


def test_a_consent_task_names_the_purpose_in_the_readers_language(world: World, case: Case) -> None:
    record_consent(
        world.actor(Role.CASEWORKER),
        case,
        "video_interview",
        "How the recording is used.",
        expires_on=TODAY() + timedelta(days=60),
    )
    task = Task.objects.get(source=TaskSource.CONSENT_EXPIRY)
    assert task.title_params["purpose"] == "video_interview"
    with translation.override("sr"):
        serbian = task.shown_title
    assert serbian.startswith("Пристанак (")
    assert "Video-recorded interview" not in serbian


def test_the_case_page_shows_the_title_in_the_readers_language(world: World, case: Case) -> None:
    _period(world, case, TODAY() + timedelta(days=40))
    client = browser(world, Role.CASE_MANAGER)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sq"
    page = detail_page(client, case)
    assert "Periudha e reflektimit mbaron më" in page


def test_a_task_from_before_keys_or_an_unknown_key_shows_its_stored_text(
    world: World, case: Case
) -> None:
    old = Task.objects.create(
        case=case,
        organisation=world.agency_a,
        due_on=TODAY(),
        title="Measure due: shelter",
        source=TaskSource.MEASURE,
        source_key="sop2.shelter",
    )
    assert old.shown_title == "Measure due: shelter"
    old.title_key = "no_longer_known"
    assert old.shown_title == "Measure due: shelter"
    old.title_key, old.title_params = "reflection_ends", {"date": "not a date"}
    assert old.shown_title == "Measure due: shelter"


def test_the_migration_keys_the_generated_tasks_made_before(world: World, case: Case) -> None:
    """Existing rows (English text with the date baked in) get their key from their source."""
    migration = importlib.import_module("opentrm.cases.migrations.0014_task_title_key")
    expires = TODAY() + timedelta(days=30)
    consent = record_consent(
        world.actor(Role.CASEWORKER), case, "video_interview", "Told.", expires_on=expires
    )
    Task.objects.update(title_key="", title_params={})
    manual = Task.objects.create(
        case=case, organisation=world.agency_a, due_on=TODAY(), title="Call the shelter"
    )
    migration.keys_from_sources(django_apps, None)
    task = Task.objects.get(source=TaskSource.CONSENT_EXPIRY)
    assert (task.title_key, task.title_params) == (
        "consent_expires",
        {"purpose": consent.purpose, "date": expires.isoformat()},
    )
    manual.refresh_from_db()
    assert manual.title_key == ""
    with translation.override("ro"):
        assert task.shown_title.startswith("Un consimțământ")
