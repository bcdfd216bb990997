"""Signed checkpoints of the chain head outside the database, and verify_audit against them
(issue 9, finding 4)."""

import base64
import json
import stat
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from joserfc import jws
from joserfc.jwk import OctKey

from opentrm.audit.checkpoints import CHECKPOINT_TYP, checkpoint_write
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditChainHead, AuditEvent
from opentrm.audit.services import record_event
from opentrm.audit.tests.tampering import rehash_from, run_command, tamper

pytestmark = pytest.mark.django_db

only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)


def _events(count: int) -> list[AuditEvent]:
    return [
        record_event(
            event_type=EventType.ORGANISATION_CHANGED,
            actor=None,
            target_type="directory.organisation",
            target_id=n,
            changed_fields=["city"],
        )
        for n in range(count)
    ]


def _checkpoint_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jws"))


def _claims(path: Path) -> dict[str, object]:
    payload = path.read_text().strip().split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


# --- the reported attack ----------------------------------------------------------------------


def _verify_says(expected_code: int, *texts: str) -> str:
    """verify_audit exits with ``expected_code`` and its output (returned) says each of
    ``texts``."""
    code, output = run_command("verify_audit")
    assert code == expected_code, output
    for text in texts:
        assert text in output, output
    return output


def test_it_detects_the_newest_events_cut_off_together_with_the_head_row() -> None:
    _events(60)
    assert run_command("audit_checkpoint")[0] == 0
    tamper("DELETE FROM audit_auditevent WHERE sequence > 10")
    tamper("DELETE FROM audit_auditchainhead")

    output = _verify_says(1, "events #11-#60", "tail cut off")
    assert "intact" not in output


def test_it_detects_the_newest_events_cut_off_with_the_head_set_to_the_new_last_event() -> None:
    events = _events(60)
    assert run_command("audit_checkpoint")[0] == 0
    tamper("DELETE FROM audit_auditevent WHERE sequence > 10")
    tamper(
        "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s",
        [10, events[9].hash],
    )

    _verify_says(1, "events #11-#60", "tail cut off")


def test_it_notices_a_deleted_head_row_even_without_a_checkpoint() -> None:
    _events(60)
    tamper("DELETE FROM audit_auditevent WHERE sequence > 10")
    tamper("DELETE FROM audit_auditchainhead")

    _verify_says(1, "chain head row is missing")


def test_it_detects_a_rewritten_chain_that_hashes_up_again() -> None:
    _events(20)
    assert run_command("audit_checkpoint")[0] == 0
    tamper("UPDATE audit_auditevent SET target_id = 'forged' WHERE sequence = 5")
    rehash_from(5)

    _verify_says(1, "event #20: does not match checkpoint", "rewritten")


def test_it_detects_events_missing_below_the_checkpoint() -> None:
    _events(20)
    assert run_command("audit_checkpoint")[0] == 0
    _events(5)
    tamper("DELETE FROM audit_auditevent WHERE sequence IN (7, 8)")

    _verify_says(
        1, "events #7-#8: missing (deleted)", "counted 20 events up to #20, the table holds 18"
    )


def test_it_reports_every_fault_not_only_the_first() -> None:
    _events(10)
    tamper("UPDATE audit_auditevent SET target_id = 'forged' WHERE sequence = 2")
    tamper("DELETE FROM audit_auditevent WHERE sequence = 6")
    tamper("UPDATE audit_auditevent SET detail = '{\"x\": 1}' WHERE sequence = 9")

    _verify_says(
        1,
        "event #2: content does not match its hash (edited)",
        "event #6: missing (deleted)",
        "event #9: content does not match its hash (edited)",
        "3 fault(s)",
    )


# --- checkpoints themselves -------------------------------------------------------------------


def test_it_passes_an_intact_chain_against_its_checkpoint(checkpoint_dirs: Path) -> None:
    _events(5)
    assert run_command("audit_checkpoint")[0] == 0
    _events(3)  # appended after the checkpoint: legitimate

    _verify_says(0, "Audit chain intact: 8 events; matches checkpoint", "#5)")


def test_it_warns_but_passes_without_a_checkpoint() -> None:
    _events(5)

    _verify_says(0, "Audit chain intact: 5 events.", "Warning: no valid checkpoint")


def test_it_writes_the_head_sequence_hash_count_and_time_to_a_file(checkpoint_dirs: Path) -> None:
    events = _events(4)

    code, output = run_command("audit_checkpoint")

    assert code == 0
    [path] = _checkpoint_files(checkpoint_dirs)
    assert str(path) in output
    claims = _claims(path)
    assert claims["sequence"] == 4
    assert claims["hash"] == events[-1].hash
    assert claims["count"] == 4
    assert claims["node"]
    assert str(claims["created_at"]).endswith("+00:00")
    assert stat.S_IMODE(checkpoint_dirs.stat().st_mode) == 0o700


def test_it_signs_with_an_hmac_key_of_its_own_while_the_node_has_no_keys(
    checkpoint_dirs: Path, tmp_path: Path
) -> None:
    _events(2)

    code, output = run_command("audit_checkpoint")

    assert code == 0
    assert "HS256" in output
    key_file = tmp_path / "keys" / "audit-checkpoint-hmac.jwk.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not list(checkpoint_dirs.glob("*hmac*"))  # the secret is not beside the checkpoints
    assert run_command("verify_audit")[0] == 0


def test_it_reports_a_checkpoint_whose_signature_fails(checkpoint_dirs: Path) -> None:
    _events(5)
    assert run_command("audit_checkpoint")[0] == 0
    [path] = _checkpoint_files(checkpoint_dirs)
    header, _payload, signature = path.read_text().strip().split(".")
    claims = _claims(path)
    claims["sequence"], claims["count"] = 3, 3  # pretend the chain was shorter
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    path.write_text(f"{header}.{forged}.{signature}\n")

    _verify_says(
        1,
        f"checkpoint file {path.name} has a signature that does not verify",
        "Warning: no valid checkpoint",
    )


def test_it_reports_a_checkpoint_signed_with_a_key_the_node_does_not_hold(
    checkpoint_dirs: Path,
) -> None:
    _events(5)
    assert run_command("audit_checkpoint")[0] == 0  # creates the node's own HMAC key
    [genuine] = _checkpoint_files(checkpoint_dirs)
    other = OctKey.generate_key(256)
    token = jws.serialize_compact(
        {"alg": "HS256", "kid": other.thumbprint(), "typ": CHECKPOINT_TYP},
        json.dumps(_claims(genuine)),
        other,
    )
    (checkpoint_dirs / "20990101T000000000000Z-000000000005.jws").write_text(token)

    _verify_says(1, "is signed with a key this node does not hold")


def test_it_refuses_to_anchor_a_head_that_does_not_match_the_table(
    checkpoint_dirs: Path,
) -> None:
    _events(10)
    tamper("DELETE FROM audit_auditevent WHERE sequence = 10")

    with pytest.raises(CommandError, match="does not match the newest event"):
        run_command("audit_checkpoint")
    assert _checkpoint_files(checkpoint_dirs) == []

    assert run_command("audit_checkpoint", "--force")[0] == 0


def test_it_reads_checkpoints_from_another_directory(tmp_path: Path) -> None:
    _events(5)
    copy = tmp_path / "off-site-copy"
    checkpoint_write(directory=copy)
    tamper("DELETE FROM audit_auditevent WHERE sequence > 2")
    tamper(
        "UPDATE audit_auditchainhead SET last_sequence = 2, last_hash = "
        "(SELECT hash FROM audit_auditevent WHERE sequence = 2)"
    )

    assert run_command("verify_audit")[0] == 0  # the local directory has no checkpoint
    code, output = run_command("verify_audit", "--checkpoint-dir", str(copy))
    assert code == 1
    assert "events #3-#5" in output


# --- PostgreSQL triggers ----------------------------------------------------------------------


def _refuse_truncate_in_this_transaction() -> None:
    """The test settings let TRUNCATE through (for tests that commit); production does not."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL opentrm.allow_audit_truncate = 'off'")


@only_postgresql
def test_it_refuses_truncate_of_the_audit_tables_in_postgresql() -> None:
    _events(3)
    _refuse_truncate_in_this_transaction()

    for table in ("audit_auditevent", "audit_auditchainhead"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == 3


@only_postgresql
def test_it_refuses_deleting_the_head_or_setting_it_back_in_postgresql() -> None:
    _events(3)

    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        AuditChainHead.objects.all().delete()
    with pytest.raises(DatabaseError, match="cannot move backwards"), transaction.atomic():
        AuditChainHead.objects.update(last_sequence=1)
    assert AuditChainHead.objects.get().last_sequence == 3
    _events(1)  # appending still moves it forward
    assert AuditChainHead.objects.get().last_sequence == 4


@only_postgresql
def test_it_still_lets_the_test_suite_empty_the_tables_in_postgresql() -> None:
    from django.core.management.color import no_style

    _events(3)
    statements = connection.ops.sql_flush(no_style(), ["audit_auditevent", "audit_auditchainhead"])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 0
