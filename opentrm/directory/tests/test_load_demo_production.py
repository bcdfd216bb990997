"""``opentrm load_demo`` on a production node (an empty database, unlike test_load_demo's)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_django import Settings

from opentrm.directory.models import Organisation

pytestmark = pytest.mark.django_db


def test_it_refuses_to_run_on_a_production_node_without_force(settings: Settings) -> None:
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", stdout=StringIO())
    assert not Organisation.objects.exists()

    call_command("load_demo", "--force", stdout=StringIO())
    assert Organisation.objects.exists()
