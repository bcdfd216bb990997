"""Audit checkpoints signed with the node's exchange signing key (the exchange registers it)."""

from pathlib import Path

import pytest
from django.core.management.base import CommandError

from opentrm.audit.checkpoints import read_checkpoints
from opentrm.audit.tests.conftest import checkpoint_dirs
from opentrm.audit.tests.tampering import run_command
from opentrm.audit.tests.test_checkpoints import _events
from opentrm.exchange import keys
from opentrm.exchange.models import KeyUse

# The audit tests' own checkpoint and key directories (an autouse fixture there).
__all__ = ["checkpoint_dirs"]

pytestmark = pytest.mark.django_db


def test_it_signs_with_the_node_signing_key_and_verifies_after_rotation(
    checkpoint_dirs: Path,
) -> None:
    keys.init_node()
    signing_kid = keys.active_key(KeyUse.SIGNING).kid
    _events(3)

    code, output = run_command("audit_checkpoint")
    keys.init_node(rotate=True)

    assert code == 0
    assert f"ES256 key {signing_kid}" in output
    [checkpoint], bad = read_checkpoints(checkpoint_dirs)
    assert bad == []
    assert checkpoint.kid == signing_kid
    code, output = run_command("verify_audit")
    assert code == 0, output
    assert "matches checkpoint" in output


def test_it_says_so_when_the_node_signing_key_file_is_missing(tmp_path: Path) -> None:
    keys.init_node()
    (tmp_path / "keys" / f"{keys.active_key(KeyUse.SIGNING).kid}.jwk.json").unlink()

    with pytest.raises(CommandError, match="signing key file is missing"):
        run_command("audit_checkpoint")
