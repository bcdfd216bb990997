"""Special-category free text encrypted in the database (issue 17 §4): what the database holds,
what the application shows, key rotation, the data migration, and that nothing searches it."""

import importlib
import json
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.cases.models import Case, HealthRecord, Hearing
from opentrm.cases.services import health_update
from opentrm.cases.services.proceedings import hearing_schedule
from opentrm.cases.tests.factories import new_case
from opentrm.core.encrypted import PREFIX, encrypted_fields
from opentrm.core.keyring import SealError

HISTORY = "Fictional asthma since childhood"
ATTENDING = "Fictional uncle Marko, the defence lawyer"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def key_ring(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "files"  # rotation also walks the stored files
    path = tmp_path / "keys" / "data-keys.json"
    settings.OPENTRM_DATA_KEYS_FILE = path
    return path


@pytest.fixture
def case(world: World) -> Case:
    case = new_case(world, "Fictiva Cifrata", role=Role.CASE_MANAGER, interpreter=False)
    health_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=0,
        changes={"medical_history": HISTORY},
    )
    hearing_schedule(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        kind="court_hearing",
        scheduled_at=timezone.now() + timedelta(days=3),
        place="Court of Fictiva",
        participants=ATTENDING,
    )
    return case


def raw(table: str, column: str, case: Case) -> str:
    """The value as the database holds it, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE case_id = %s",  # noqa: S608 - test constants
            [case.pk],
        )
        (value,) = cursor.fetchone()
    return str(value)


def active_key(path: Path) -> str:
    return str(json.loads(path.read_text())["active"])


def test_the_database_holds_ciphertext_and_the_application_shows_the_text(
    world: World, case: Case, key_ring: Path
) -> None:
    stored = raw("cases_healthrecord", "medical_history", case)
    assert stored.startswith(f"{PREFIX}{active_key(key_ring)}:")
    assert "asthma" not in stored
    assert "Marko" not in raw("cases_hearing", "participants", case)
    assert HealthRecord.objects.get(case=case).medical_history == HISTORY
    assert Hearing.objects.values_list("participants", flat=True).get(case=case) == ATTENDING
    page = browser(world, Role.CASE_MANAGER).get(
        reverse("cases:health_edit", args=[case.public_id])
    )
    assert HISTORY in page.content.decode()


def test_the_same_text_is_stored_differently_and_an_empty_one_stays_empty(
    world: World, case: Case
) -> None:
    other = new_case(world, interpreter=False)
    health_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=other,
        expected_version=0,
        changes={"medical_history": HISTORY},
    )
    assert raw("cases_healthrecord", "medical_history", case) != raw(
        "cases_healthrecord", "medical_history", other
    )
    assert raw("cases_healthrecord", "addiction", case) == ""
    assert HealthRecord.objects.filter(case=case).exclude(addiction="").count() == 0


def test_a_value_moved_to_another_column_does_not_open(case: Case) -> None:
    stolen = raw("cases_healthrecord", "medical_history", case)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_healthrecord SET comments = %s WHERE case_id = %s", [stolen, case.pk]
        )
    with pytest.raises(SealError):
        HealthRecord.objects.get(case=case)


def test_rotation_rewraps_every_field_keeps_it_readable_and_retires_the_old_key(
    case: Case, key_ring: Path
) -> None:
    first = active_key(key_ring)
    call_command("rotate_data_keys")
    second = active_key(key_ring)
    assert second != first
    assert raw("cases_healthrecord", "medical_history", case).startswith(f"{PREFIX}{second}:")
    assert raw("cases_hearing", "participants", case).startswith(f"{PREFIX}{second}:")
    call_command("rotate_data_keys", "--retire")
    assert set(json.loads(key_ring.read_text())["keys"]) == {second}
    assert HealthRecord.objects.get(case=case).medical_history == HISTORY
    assert Hearing.objects.get(case=case).participants == ATTENDING


def test_text_stored_before_encryption_is_read_and_the_migration_encrypts_it(
    case: Case,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_hearing SET separation_arrangements = %s WHERE case_id = %s",
            ["Fictional separate waiting rooms", case.pk],
        )
    assert Hearing.objects.get(case=case).separation_arrangements == (
        "Fictional separate waiting rooms"
    )
    migration = importlib.import_module(
        "opentrm.cases.migrations.0020_encrypt_special_category_text"
    )
    migration.encrypt_existing(apps, SimpleNamespace(connection=connection))
    assert raw("cases_hearing", "separation_arrangements", case).startswith(PREFIX)
    assert Hearing.objects.get(case=case).separation_arrangements == (
        "Fictional separate waiting rooms"
    )
    migration.decrypt_existing(apps, SimpleNamespace(connection=connection))
    assert raw("cases_hearing", "participants", case) == ATTENDING


def test_no_search_filter_or_sort_reads_an_encrypted_field() -> None:
    """The database has no plaintext to compare: no lookup on these fields anywhere but
    ``= ""`` (the code is read, as a reviewer would)."""
    names = {field.name for _model, field in encrypted_fields()}
    lookups = re.compile(
        r"\b("
        + "|".join(sorted(names))
        + r")__(?!isnull\b)\w+|order_by\([^)]*\b("
        + "|".join(sorted(names))
        + r")\b"
    )
    sources = [
        path
        for path in (REPO / "opentrm").rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    ]
    found = [
        f"{path.relative_to(REPO)}: {match.group(0)}"
        for path in sources
        for match in lookups.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert names >= {"medical_history", "participants", "conclusion", "child_views"}


def test_a_note_is_stored_encrypted_and_read_on_the_case_page(
    world: World, case: Case, key_ring: Path
) -> None:
    """A note filed under health is health data: its text never reaches the database in clear."""
    from opentrm.cases.services.notes import note_add

    manager = world.actor(Role.CASE_MANAGER)
    note = note_add(
        actor=manager,
        case=case,
        text="Fictional note: insulin twice a day",
        visibility="case",
        field_group="health",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM cases_casenote WHERE id = %s", [note.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith(f"{PREFIX}{active_key(key_ring)}:")
    assert "insulin" not in stored
    page = browser(world, Role.CASE_MANAGER).get(
        reverse("cases:case_detail", args=[case.public_id]) + "?section=notes"
    )
    assert "insulin twice a day" in page.content.decode()
