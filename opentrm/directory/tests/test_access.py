"""Fetching one directory object: the directory is for members only."""

import pytest
from django.http import Http404

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.directory.access import access_country


def test_it_hides_a_country_from_someone_acting_for_no_organisation(world: World) -> None:
    nobody = Actor(user=world.user(Role.CASEWORKER), membership=None)
    with pytest.raises(Http404):
        access_country(nobody, world.country_a.code)
    assert access_country(world.actor(Role.CASEWORKER), world.country_a.code) == world.country_a
