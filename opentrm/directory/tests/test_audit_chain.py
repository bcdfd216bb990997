import itertools

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.chain import GENESIS_HASH
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditChainHead, AuditEvent
from opentrm.audit.services import record_event
from opentrm.audit.tests.tampering import disable_triggers, enable_triggers


def _run_verify() -> tuple[int, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), err.getvalue()
    return 0, out.getvalue()


def _tamper(sql: str, params: list[str | int]) -> None:
    """Change the table behind the application's back, as a database superuser could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def _five_events(world: World) -> list[AuditEvent]:
    actor = world.actor(Role.CASEWORKER)
    return [
        record_event(
            event_type=EventType.ORGANISATION_CHANGED,
            actor=actor,
            target=world.agency_a,
            changed_fields=["city"],
        )
        for _ in range(5)
    ]


def test_it_reports_an_intact_chain(world: World) -> None:
    _five_events(world)
    code, output = _run_verify()
    assert code == 0
    assert "intact: 5 events" in output


def test_it_links_each_event_to_the_one_before(world: World) -> None:
    events = _five_events(world)
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    for before, after in itertools.pairwise(events):
        assert after.previous_hash == before.hash


@pytest.mark.parametrize(
    ("sql", "values", "index", "named"),
    [
        pytest.param(
            "UPDATE audit_auditevent SET target_id = %s WHERE sequence = %s",
            ["999"],
            2,
            "edited",
            id="the-first-edited-event",
        ),
        pytest.param(
            "DELETE FROM audit_auditevent WHERE sequence = %s",
            [],
            1,
            "deleted",
            id="a-deleted-event",
        ),
    ],
)
def test_it_names_the_tampered_event(
    world: World, sql: str, values: list[str | int], index: int, named: str
) -> None:
    events = _five_events(world)
    _tamper(sql, [*values, events[index].sequence])
    code, output = _run_verify()
    assert code == 1
    assert f"event #{index + 1}" in output
    assert named in output


def test_it_notices_the_newest_event_deleted(world: World) -> None:
    events = _five_events(world)
    _tamper("DELETE FROM audit_auditevent WHERE sequence = %s", [events[-1].sequence])
    code, output = _run_verify()
    assert code == 1
    assert "event #5" in output


def test_it_notices_a_recomputed_hash_that_no_longer_links(world: World) -> None:
    events = _five_events(world)
    _tamper(
        "UPDATE audit_auditevent SET hash = %s WHERE sequence = %s", ["f" * 64, events[3].sequence]
    )
    code, output = _run_verify()
    assert code == 1
    assert "event #4" in output


def test_it_rolls_back_the_action_when_the_audit_write_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentrm.directory import services

    editor = world.actor(Role.DIRECTORY_EDITOR)

    def broken(**kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "record_event", broken)
    with pytest.raises(RuntimeError):
        services.organisation_create(
            actor=editor, country=world.country_a, name="Never Saved Body", type="ngo"
        )
    from opentrm.directory.models import Organisation

    assert not Organisation.objects.filter(name="Never Saved Body").exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)
def test_it_refuses_updates_of_audit_rows_in_postgresql(world: World) -> None:
    from django.db import DatabaseError

    event = _five_events(world)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(target_id="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_it_keeps_personal_data_out_of_events(world: World) -> None:
    from opentrm.directory import services

    editor = world.actor(Role.DIRECTORY_EDITOR)
    organisation = services.organisation_create(
        actor=editor, country=world.country_a, name="Shelter Example", type="shelter"
    )
    services.contact_point_create(
        actor=editor,
        organisation=organisation,
        position="Director",
        person_name="Drita Imagined",
        channels=[services.ChannelData(kind="email", value="director@shelter.example")],
    )
    dumped = " ".join(
        str(row)
        for row in AuditEvent.objects.values_list(
            "actor_label", "target_type", "target_id", "changed_fields", "detail"
        )
    )
    assert "Drita" not in dumped
    assert "director@shelter.example" not in dumped


def test_it_starts_the_chain_at_the_genesis_hash_when_the_head_row_is_missing(db: None) -> None:
    disable_triggers()
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    enable_triggers()

    event = record_event(event_type=EventType.ORGANISATION_CHANGED, actor=None)

    assert (event.sequence, event.previous_hash) == (1, GENESIS_HASH)
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (1, event.hash)
