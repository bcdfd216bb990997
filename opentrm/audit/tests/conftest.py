from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def checkpoint_dirs(settings: Settings, tmp_path: Path) -> Path:
    """Each test its own checkpoint directory and key directory (the HMAC key lives there)."""
    settings.OPENTRM_AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    settings.OPENTRM_KEY_DIR = tmp_path / "keys"
    return tmp_path / "audit-checkpoints"
