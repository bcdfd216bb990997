"""Fixtures the case tests share (the world itself comes from the root conftest.py)."""

from pathlib import Path
from typing import Any

import pytest

from conftest import World
from opentrm.cases.models import AgeBand, Case
from opentrm.cases.tests.factories import new_case
from opentrm.directory.models import Organisation, OrganisationType


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


@pytest.fixture
def inspectorate(world: World) -> Organisation:
    """Organisation A of the world made a labour inspectorate."""
    Organisation.objects.filter(pk=world.agency_a.pk).update(
        type=OrganisationType.LABOUR_INSPECTORATE
    )
    for organisation in [world.agency_a, *(m.organisation for m in world.members_a.values())]:
        organisation.type = OrganisationType.LABOUR_INSPECTORATE  # the actors' copies too
    return world.agency_a


@pytest.fixture
def police(world: World) -> Organisation:
    """A police unit in country A, on no case."""
    return Organisation.objects.create(
        country=world.country_a,
        name="Fictional Organised Crime Squad",
        type=OrganisationType.POLICE,
    )
