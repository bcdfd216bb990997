"""The shared test world (conventions: one world for every app's tests).

Country A (Albania) with agency A (a centre for social work) and its members, one per role;
country B (Romania) with partner agency B and its members; agency C (an NGO in country A)
as the outsider. Later issues add the agreement in force between A and B.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client
from pytest_django import DjangoDbBlocker

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.directory.models import Country, Organisation, OrganisationType

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    country_a: Country
    country_b: Country
    agency_a: Organisation
    agency_b: Organisation
    agency_c: Organisation
    members_a: dict[Role, Membership]
    members_b: dict[Role, Membership]

    def actor(self, role: Role, *, org: str = "a") -> Actor:
        membership = (self.members_a if org == "a" else self.members_b)[role]
        return Actor(user=membership.user, membership=membership)

    def user(self, role: Role, *, org: str = "a") -> User:
        return (self.members_a if org == "a" else self.members_b)[role].user


def make_member(organisation: Organisation, role: Role, username: str) -> Membership:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        email=f"{username}@example.test",
    )
    return Membership.objects.create(user=user, organisation=organisation, role=role)


def build_world() -> World:
    country_a = Country.objects.create(code="AL")
    country_b = Country.objects.create(code="RO")
    agency_a = Organisation.objects.create(
        country=country_a,
        name="Agency A Centre for Social Work",
        type=OrganisationType.SOCIAL_SERVICES,
        city="Fictiva",
    )
    agency_b = Organisation.objects.create(
        country=country_b,
        name="Agency B Partner Shelter",
        type=OrganisationType.SHELTER,
        city="Imaginara",
    )
    agency_c = Organisation.objects.create(
        country=country_a, name="Agency C Outsider NGO", type=OrganisationType.NGO, city="Fictiva"
    )
    members_a, members_b = make_members_in_bulk({"a": agency_a, "b": agency_b})
    return World(country_a, country_b, agency_a, agency_b, agency_c, members_a, members_b)


def make_members_in_bulk(
    organisations: dict[str, Organisation],
) -> list[dict[Role, Membership]]:
    """One member per role of each organisation (user name ``<prefix>_<role>``): the rows
    :func:`make_member` writes (``create_user`` saves no password change, so no hook is skipped),
    in two INSERTs instead of two per member, since most tests build the world."""
    places = [(prefix, org, role) for prefix, org in organisations.items() for role in Role]
    users = User.objects.bulk_create(
        User(
            username=f"{prefix}_{role.value}",
            password=make_password(PASSWORD),
            first_name=f"{prefix}_{role.value}".title(),
            email=f"{prefix}_{role.value}@example.test",
        )
        for prefix, _org, role in places
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=user, organisation=org, role=role)
        for (_prefix, org, role), user in zip(places, users, strict=True)
    )
    by_prefix: dict[str, dict[Role, Membership]] = {prefix: {} for prefix in organisations}
    for (prefix, _org, role), membership in zip(places, memberships, strict=True):
        by_prefix[prefix][role] = membership
    return list(by_prefix.values())


@dataclass(frozen=True)
class WorldRows:
    """The primary keys of a world already in the database."""

    countries: tuple[int, int]
    agencies: tuple[int, int, int]
    members_a: dict[Role, int]
    members_b: dict[Role, int]

    @classmethod
    def of(cls, world: World) -> "WorldRows":
        return cls(
            (world.country_a.pk, world.country_b.pk),
            (world.agency_a.pk, world.agency_b.pk, world.agency_c.pk),
            {role: m.pk for role, m in world.members_a.items()},
            {role: m.pk for role, m in world.members_b.items()},
        )

    def load(self) -> World:
        """Fresh Python objects for the rows (nothing a test changed in memory carries over)."""
        countries = Country.objects.in_bulk(self.countries)
        agencies = Organisation.objects.in_bulk(self.agencies)
        for agency in agencies.values():
            agency.country = countries[agency.country_id]
        memberships = Membership.objects.select_related("user").in_bulk(
            [*self.members_a.values(), *self.members_b.values()]
        )
        for membership in memberships.values():
            membership.organisation = agencies[membership.organisation_id]
        agency_a, agency_b, agency_c = (agencies[pk] for pk in self.agencies)
        return World(
            countries[self.countries[0]],
            countries[self.countries[1]],
            agency_a,
            agency_b,
            agency_c,
            {role: memberships[pk] for role, pk in self.members_a.items()},
            {role: memberships[pk] for role, pk in self.members_b.items()},
        )


# Test modules whose world is written once per module instead of once per test (the
# authorization matrix: thousands of tests, each a single request). A module may also opt in
# with ``SHARED_WORLD = True``. Only for modules where every database test uses ``world`` and
# none uses ``transactional_db`` or ``live_server``: the world's rows stay in the database for
# the whole module (in a transaction rolled back at its end), each test runs in a savepoint
# inside it as usual and is rolled back as usual, and each test gets fresh objects.
SHARED_WORLD_MODULES = {"tests.test_authorization_matrix"}


@contextmanager
def rolled_back_at_the_end(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Database access for a module-scoped fixture, in a transaction rolled back at its end.

    What the fixture writes stays visible to every test of the module; each test still runs in
    a savepoint of its own inside this transaction and is rolled back as usual.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# Not autouse: a module-scoped fixture is set up before the function-scoped ``db`` of the first
# test that asks for the world (pytest orders a test's fixtures by scope), and a selection of
# tests that need no database (``-k every_route``) does not create one.
@pytest.fixture(scope="module")
def _shared_world(
    request: pytest.FixtureRequest, django_db_blocker: DjangoDbBlocker
) -> Iterator[WorldRows | None]:
    module = request.module
    if module.__name__ not in SHARED_WORLD_MODULES and not getattr(module, "SHARED_WORLD", False):
        yield None
        return
    request.getfixturevalue("django_db_setup")
    with rolled_back_at_the_end(django_db_blocker):
        with django_db_blocker.unblock():
            rows = WorldRows.of(build_world())
        yield rows


@pytest.fixture
def world(db: None, _shared_world: WorldRows | None) -> World:
    if _shared_world is not None:
        return _shared_world.load()
    return build_world()


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def log_in(user: User) -> Client:
        client.force_login(user)
        return client

    return log_in


@pytest.fixture(autouse=True)
def _english_by_default() -> None:
    """Each test starts in English: a request that switched language must not leak into the next."""
    from django.utils import translation

    translation.activate("en")
