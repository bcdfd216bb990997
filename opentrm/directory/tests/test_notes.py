"""The note the system writes on a placeholder organisation (a sender an incoming referral
names that the directory lacks) is stored as a key and parameters and read in each reader's
language (issue 12 §5)."""

from importlib import import_module

from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.directory import services
from opentrm.directory.models import Organisation
from opentrm.directory.notes import PLACEHOLDER_FROM_EXCHANGE

ENGLISH = "Created from the node exchange (peer node-ro); complete or merge it."
ALBANIAN = (
    "Krijuar nga shkëmbimi ndërmjet nyjeve (nyja partnere node-ro); plotësojeni ose "
    "bashkojeni me një organizatë ekzistuese."
)


def _placeholder(world: World, name: str = "Fictional Office Abroad") -> Organisation:
    return services.organisation_placeholder_create(
        actor=world.actor(Role.CASE_MANAGER),
        country_code="AL",
        name=name,
        note_key=PLACEHOLDER_FROM_EXCHANGE,
        note_params={"node": "node-ro"},
        via="node_exchange",
    )


def test_the_placeholders_note_reads_in_the_editors_language(world: World, client: Client) -> None:
    placeholder = _placeholder(world)
    client.force_login(world.user(Role.DIRECTORY_EDITOR))
    detail = reverse("directory:organisation_detail", args=[placeholder.pk])

    albanian = client.get(detail, HTTP_ACCEPT_LANGUAGE="sq").content.decode()
    english = client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (placeholder.notes_key, placeholder.notes_params) == (
        PLACEHOLDER_FROM_EXCHANGE,
        {"node": "node-ro"},
    )
    assert placeholder.notes == ENGLISH  # the node's language, kept as the fallback
    assert "<dt>Notes</dt><dd>" + ENGLISH in english
    assert "<dt>Shënime</dt><dd>" + ALBANIAN in albanian
    assert ENGLISH not in albanian


def test_the_note_read_back_unchanged_keeps_its_key_and_an_edit_replaces_it(
    world: World,
) -> None:
    placeholder = _placeholder(world)
    editor = world.actor(Role.DIRECTORY_EDITOR)
    with translation.override("sq"):
        read = placeholder.shown_notes
    assert read == ALBANIAN

    services.organisation_update(
        actor=editor,
        organisation=placeholder,
        expected_version=placeholder.version,
        notes=read,
        city="Fictiva",
    )
    placeholder.refresh_from_db()
    assert (placeholder.notes_key, placeholder.notes) == (PLACEHOLDER_FROM_EXCHANGE, ENGLISH)

    services.organisation_update(
        actor=editor,
        organisation=placeholder,
        expected_version=placeholder.version,
        notes="Merged by hand.",
    )
    placeholder.refresh_from_db()
    assert (placeholder.notes_key, placeholder.notes_params) == ("", {})
    with translation.override("sq"):
        assert placeholder.shown_notes == "Merged by hand."


def test_the_migration_reads_the_key_back_from_notes_stored_in_any_language(
    world: World,
) -> None:
    stored = {
        ENGLISH: (PLACEHOLDER_FROM_EXCHANGE, {"node": "node-ro"}),
        (
            "Креирано на основу размене између чворова (партнерски чвор node-md); допуните "
            "податке или спојите са постојећом организацијом."  # noqa: RUF001
        ): (PLACEHOLDER_FROM_EXCHANGE, {"node": "node-md"}),
        "Fictional: a note an editor wrote": ("", {}),
    }
    rows = [
        Organisation.objects.create(country=world.country_a, name=f"Fictional {n}", notes=text)
        for n, text in enumerate(stored)
    ]
    migration = import_module("opentrm.directory.migrations.0006_organisation_notes_key")

    migration.keys_from_notes(apps, None)

    for row, (key, params) in zip(rows, stored.values(), strict=True):
        row.refresh_from_db()
        assert (row.notes_key, row.notes_params) == (key, params)
