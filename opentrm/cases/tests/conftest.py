"""Fixtures the case tests share (the world itself comes from the root conftest.py)."""

from pathlib import Path
from typing import Any

import pytest

from conftest import World
from opentrm.cases.models import AgeBand, Case
from opentrm.cases.tests.factories import new_case


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a folder of the test's own (a module that uploads uses it for every
    test: ``pytestmark = pytest.mark.usefixtures("media")``)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def adult(world: World) -> Case:
    """A case of an adult, no name given."""
    return new_case(world, age_band=AgeBand.OVER_18)
