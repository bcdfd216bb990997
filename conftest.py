"""The shared test world (conventions: one world for every app's tests).

Country A (Albania) with agency A (a centre for social work) and its members, one per role;
country B (Romania) with partner agency B and its members; agency C (an NGO in country A)
as the outsider. Later issues add the agreement in force between A and B.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

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


@pytest.fixture
def world(db: None) -> World:
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
    members_a = {role: make_member(agency_a, role, f"a_{role.value}") for role in Role}
    members_b = {role: make_member(agency_b, role, f"b_{role.value}") for role in Role}
    return World(country_a, country_b, agency_a, agency_b, agency_c, members_a, members_b)


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
