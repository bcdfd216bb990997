"""Notes the system writes on a referral's steps are stored as a key and parameters and read in
each reader's language (issue 12 §5)."""

from importlib import import_module

from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import Task
from opentrm.cases.task_titles import NOMINATE_MANAGER
from opentrm.cases.tests.factories import new_case
from opentrm.cases.tests.test_notification import _first_point
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.event_notes import IMPORTED_FROM_FILE, ON_NODE_AS, Note
from opentrm.referrals.models import ReferralEvent, ReferralStatus
from opentrm.referrals.tests.test_exchange_link import arrive, sent_referral


def test_a_step_noted_by_another_node_reads_in_albanian_and_in_english(world: World) -> None:
    ro = peer("RO")  # before sending: the referral travels to its node
    _s, referral = sent_referral(world)
    body = {"reference": referral.reference, "status": "accepted", "at": "2026-01-01T10:00:00Z"}
    arrive(ro, "status_update", {**body, "receiver_reference": "REF-RO-2026-000009"})

    event = ReferralEvent.objects.get(referral=referral, status=ReferralStatus.ACCEPTED)
    with translation.override("sq"):
        albanian = event.shown_note
    with translation.override("en"):
        english = event.shown_note

    assert (event.note_key, event.note_params) == (
        ON_NODE_AS,
        {"node": "node-ro", "reference": "REF-RO-2026-000009"},
    )
    assert english == "On node node-ro as REF-RO-2026-000009"
    assert albanian == "Në nyjen node-ro si REF-RO-2026-000009"
    assert event.note == english  # the node's language, kept as the fallback


def test_the_referral_page_shows_the_note_in_the_readers_language(
    world: World, client: Client
) -> None:
    ro = peer("RO")  # before sending: the referral travels to its node
    _s, referral = sent_referral(world)
    body = {"reference": referral.reference, "status": "accepted", "at": "2026-01-01T10:00:00Z"}
    arrive(ro, "status_update", {**body, "receiver_reference": "REF-RO-2026-000009"})
    client.force_login(world.user(Role.CASE_MANAGER))
    detail = reverse("referrals:referral_detail", args=[referral.public_id])

    english = client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    albanian = client.get(detail, HTTP_ACCEPT_LANGUAGE="sq").content.decode()

    assert "On node node-ro as REF-RO-2026-000009" in english
    assert "Në nyjen node-ro si REF-RO-2026-000009" in albanian


def test_a_note_of_an_unknown_key_falls_back_to_the_stored_text(world: World) -> None:
    _s, referral = sent_referral(world)
    event = ReferralEvent.objects.filter(referral=referral).first()
    assert event is not None
    event.note, event.note_key, event.note_params = "stored", "no_such_key", {}

    assert event.shown_note == "stored"


def test_the_migration_reads_keys_back_from_notes_stored_in_any_language(world: World) -> None:
    _s, referral = sent_referral(world)
    event = ReferralEvent.objects.filter(referral=referral).first()
    assert event is not None
    stored = {
        "Në nyjen node-al si REF-AL-1": (ON_NODE_AS, {"node": "node-al", "reference": "REF-AL-1"}),
        "Imported from a file received from outside OpenTRM.": (IMPORTED_FROM_FILE, {}),
        "Fictional: a note no key words": ("", {}),
    }
    events = [
        ReferralEvent.objects.create(
            referral=referral, status=event.status, at=event.at, by=event.by, note=text
        )
        for text in stored
    ]
    migration = import_module("opentrm.referrals.migrations.0006_referralevent_note_key")

    migration.keys_from_notes(apps, None)

    for row, (key, params) in zip(events, stored.values(), strict=True):
        row.refresh_from_db()
        assert (row.note_key, row.note_params) == (key, params)


def test_a_note_stores_the_node_language_text_beside_its_key() -> None:
    with translation.override("sq"):
        fields = Note(IMPORTED_FROM_FILE).fields()

    assert fields == {
        "note": "Imported from a file received from outside OpenTRM.",
        "note_key": IMPORTED_FROM_FILE,
        "note_params": {},
    }


def test_the_nomination_task_reads_in_the_readers_language(world: World) -> None:
    _first_point(world)
    case = new_case(world, "Fictional Routed Person")
    task = Task.objects.get(case=case, source="nomination")

    with translation.override("sq"):
        albanian = task.shown_title
    with translation.override("en"):
        english = task.shown_title

    assert task.title_key == NOMINATE_MANAGER
    assert english == "Nominate the case manager"
    assert albanian == "Caktoni menaxherin e rastit"
