"""The authorization matrix: every route x every principal, against the one permission layer.

Principals: anonymous, and each role as a member of agency A (the organisation whose country
owns the objects: "own") and of partner agency B in another country ("other"). Each route says
what each principal must get. A route that has no row here fails ``test_every_route_has_a_row``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.cases.models import CaseMeasure, Task
from opentrm.cases.services import case_register, consent_record
from opentrm.directory.models import ContactPoint, Function, Responsibility


class Outcome(Enum):
    ALLOW = "allow"  # served: 2xx, or a redirect that is not to the login page
    LOGIN = "login"  # HTML: redirect to the login page; API: 401
    DENY = "deny"  # 403
    HIDDEN = "hidden"  # 404: missing and not-yours look the same


@dataclass(frozen=True)
class Principal:
    role: Role | None  # None: anonymous
    org: str = "a"  # "a": the objects' own organisation and country; "b": the partner abroad

    def __str__(self) -> str:
        return "anonymous" if self.role is None else f"{self.role.value}@{self.org}"


PRINCIPALS = [Principal(None)] + [Principal(role, org) for org in ("a", "b") for role in Role]

Expect = Callable[[Principal], Outcome]


def public(p: Principal) -> Outcome:
    return Outcome.ALLOW


def any_member(p: Principal) -> Outcome:
    return Outcome.LOGIN if p.role is None else Outcome.ALLOW


def roles(*allowed: Role, own_only: bool = False, other: Outcome = Outcome.DENY) -> Expect:
    """Only ``allowed`` roles; with ``own_only`` only in the objects' own organisation/country."""

    def expect(p: Principal) -> Outcome:
        if p.role is None:
            return Outcome.LOGIN
        if p.role not in allowed:
            return Outcome.DENY
        if own_only and p.org != "a":
            return other
        return Outcome.ALLOW

    return expect


CASE_ROLES = (
    Role.CASE_MANAGER,
    Role.CASEWORKER,
    Role.POLICE_INVESTIGATOR,
    Role.PROSECUTOR,
    Role.GUARDIAN,
    Role.INTERPRETER,
)


def case_participants(*allowed: Role, gate: tuple[Role, ...] = CASE_ROLES) -> Expect:
    """Case work. Roles the route's gate does not admit are refused; members of an organisation
    that does not take part are told the case does not exist; in the case's own organisation
    ``allowed`` roles are served and the others refused."""

    def expect(p: Principal) -> Outcome:
        if p.role is None:
            return Outcome.LOGIN
        if p.role not in gate:
            return Outcome.DENY
        if p.org != "a":
            return Outcome.HIDDEN
        return Outcome.ALLOW if p.role in allowed else Outcome.DENY

    return expect


CONSENT_ROLES = tuple(role for role in CASE_ROLES if role != Role.INTERPRETER)


PLANNED_MEASURE = "sop2.intake_needs_assessment"
UNPLANNED_MEASURE = "sop3.social_inclusion"


def owner(role: Role) -> Expect:
    """Only the one user who owns the object; everybody else is told it does not exist."""

    def expect(p: Principal) -> Outcome:
        if p.role is None:
            return Outcome.LOGIN
        return Outcome.ALLOW if (p.role, p.org) == (role, "a") else Outcome.HIDDEN

    return expect


@dataclass
class Objects:
    """What the routes point at, all in agency A / country A."""

    world: World
    contact_point: ContactPoint
    responsibility: Responsibility
    token_id: int
    case_id: str
    consent_id: int
    task_id: int


def make_objects(world: World) -> Objects:
    contact_point = ContactPoint.objects.create(
        organisation=world.agency_a, position="Duty officer"
    )
    responsibility = Responsibility.objects.create(
        country=world.country_a, function=Function.IDENTIFICATION, organisation=world.agency_a
    )
    token, _secret = api_token_create(actor=world.actor(Role.CASEWORKER), name="matrix")
    case = case_register(actor=world.actor(Role.CASEWORKER))
    consent = consent_record(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        purpose="video_interview",
        decision="given",
        decided_on=timezone.localdate(),
        explained_in="sq",
        information_given="matrix",
    )
    CaseMeasure.objects.create(case=case, code=PLANNED_MEASURE)
    task = Task.objects.create(
        case=case, title="matrix", due_on=timezone.localdate(), organisation=world.agency_a
    )
    return Objects(
        world, contact_point, responsibility, token.pk, str(case.public_id), consent.pk, task.pk
    )


@dataclass(frozen=True)
class Route:
    name: str
    expect: Expect
    method: str = "get"
    args: Callable[[Objects], list[Any]] = field(default=lambda o: [])
    data: Callable[[Objects], dict[str, Any]] = field(default=lambda o: {})
    json: bool = False  # send ``data`` as a JSON body (API writes)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}"


def _org(o: Objects) -> list[Any]:
    return [o.world.agency_a.pk]


def _country(o: Objects) -> list[Any]:
    return [o.world.country_a.code]


def _contact(o: Objects) -> list[Any]:
    return [o.contact_point.pk]


ROUTES: list[Route] = [
    # core
    Route("healthz", public),
    Route("set_language", public, method="post", data=lambda o: {"language": "sq"}),
    # accounts
    Route("accounts:login", public),
    Route("accounts:logout", public, method="post"),
    Route("accounts:password_change", any_member),
    Route("accounts:choose_organisation", any_member),
    Route("accounts:account", any_member),
    Route(
        "accounts:api_token_revoke",
        owner(Role.CASEWORKER),
        method="post",
        args=lambda o: [o.token_id],
    ),
    Route("accounts:member_list", roles(Role.SYSTEM_ADMINISTRATOR)),
    Route(
        "accounts:member_change",
        roles(Role.SYSTEM_ADMINISTRATOR, own_only=True, other=Outcome.HIDDEN),
        args=lambda o: [o.world.members_a[Role.INTERPRETER].pk],
    ),
    # audit
    Route("audit:event_list", roles(Role.DATA_PROTECTION_OFFICER)),
    # directory: reading and exporting, every member
    Route("directory:home", any_member),
    Route("directory:search", any_member),
    Route("directory:country_detail", any_member, args=_country),
    Route("directory:organisation_detail", any_member, args=_org),
    Route("directory:contact_point_detail", any_member, args=_contact),
    Route("directory:export", any_member, args=_country, data=lambda o: {"format": "csv"}),
    # directory: editing, directory editors of the country only
    Route("directory:review", roles(Role.DIRECTORY_EDITOR)),
    Route("directory:import", roles(Role.DIRECTORY_EDITOR)),
    Route(
        "directory:organisation_create", roles(Role.DIRECTORY_EDITOR, own_only=True), args=_country
    ),
    Route("directory:organisation_edit", roles(Role.DIRECTORY_EDITOR, own_only=True), args=_org),
    Route(
        "directory:organisation_verify",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="post",
        args=_org,
    ),
    Route("directory:contact_point_create", roles(Role.DIRECTORY_EDITOR, own_only=True), args=_org),
    Route(
        "directory:contact_point_edit", roles(Role.DIRECTORY_EDITOR, own_only=True), args=_contact
    ),
    Route(
        "directory:contact_point_verify",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="post",
        args=_contact,
    ),
    Route(
        "directory:responsibility_create",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        args=_country,
    ),
    Route(
        "directory:responsibility_remove",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="post",
        args=lambda o: [o.responsibility.pk],
    ),
    # cases
    Route("cases:case_list", roles(*CASE_ROLES)),
    Route("cases:case_register", roles(*[r for r in CASE_ROLES if r != Role.INTERPRETER])),
    Route("cases:case_detail", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route(
        "cases:case_delete",
        case_participants(Role.CASE_MANAGER),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:person_edit",
        case_participants(
            Role.CASE_MANAGER,
            Role.CASEWORKER,
            Role.POLICE_INVESTIGATOR,
            Role.GUARDIAN,
        ),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:consent_create",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:consent_withdraw",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id, o.consent_id],
    ),
    # cases: measures, identification, reflection period, country settings
    Route(
        "cases:measure_plan",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id, UNPLANNED_MEASURE],
    ),
    Route(
        "cases:measure_edit",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id, PLANNED_MEASURE],
    ),
    Route(
        "cases:identification_create",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:reflection_start",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route("cases:case_settings", roles(Role.NATIONAL_COORDINATOR)),
    Route("cases:measure_setting_create", roles(Role.NATIONAL_COORDINATOR)),
    Route(
        "cases:measure_setting_edit",
        roles(Role.NATIONAL_COORDINATOR),
        args=lambda o: ["sop1.initial_referral"],
    ),
    # cases: child safeguards, contacts towards a country, tasks
    Route(
        "cases:child_safeguards_edit",
        case_participants(Role.CASE_MANAGER, Role.GUARDIAN),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:country_contact",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route("cases:task_list", roles(*CASE_ROLES)),
    Route(
        "cases:task_create",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:task_complete",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id, o.task_id],
        data=lambda o: {"version": 1},
    ),
    Route(
        "cases:task_reopen",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id, o.task_id],
        data=lambda o: {"version": 1},
    ),
    # API: the OpenAPI document and its interactive docs
    Route("api-1:openapi-json", any_member),
    Route("api-1:openapi-view", any_member),
    # API: directory reads, every member
    Route("api-1:directory_countries", any_member),
    Route("api-1:directory_contact_list", any_member, args=_country),
    Route("api-1:directory_organisations", any_member),
    Route("api-1:directory_organisation", any_member, args=_org),
    Route("api-1:directory_contact_point", any_member, args=_contact),
    # API: directory writes, directory editors of the country only
    Route(
        "api-1:directory_organisation_create",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="post",
        json=True,
        data=lambda o: {"country": "AL", "name": "Matrix body", "type": "ngo"},
    ),
    Route(
        "api-1:directory_organisation_update",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="patch",
        args=_org,
        json=True,
        data=lambda o: {"version": 1, "city": "Matrixville"},
    ),
    Route(
        "api-1:directory_organisation_verify",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="post",
        args=_org,
    ),
    Route(
        "api-1:directory_contact_point_create",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="post",
        args=_org,
        json=True,
        data=lambda o: {"position": "Matrix desk"},
    ),
    Route(
        "api-1:directory_contact_point_update",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="patch",
        args=_contact,
        json=True,
        data=lambda o: {"version": 1, "unit": "Matrix unit"},
    ),
    Route(
        "api-1:directory_contact_point_verify",
        roles(Role.DIRECTORY_EDITOR, own_only=True),
        method="post",
        args=_contact,
    ),
    # API: cases
    Route("api-1:cases_list", roles(*CASE_ROLES)),
    Route(
        "api-1:cases_register",
        roles(*CONSENT_ROLES),
        method="post",
        json=True,
        data=lambda o: {"names": [{"value": "Matrix"}]},
    ),
    Route("api-1:cases_detail", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route("api-1:cases_consents", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route(
        "api-1:cases_consent_record",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {
            "purpose": "return",
            "decision": "given",
            "decided_on": "2026-01-05",
            "explained_in": "sq",
            "information_given": "matrix",
        },
    ),
    Route(
        "api-1:cases_consent_withdraw",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id, o.consent_id],
    ),
    # API: the member's own tokens
    Route("api-1:account_tokens", any_member),
    Route(
        "api-1:account_token_revoke",
        owner(Role.CASEWORKER),
        method="post",
        args=lambda o: [o.token_id],
    ),
]

# Routes served by a library, not by our views: named here so the completeness check knows them.
LIBRARY_ROUTES = {"api-1:api-root"}  # ninja's index of /api/v1/: 404 for everyone


def _route_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern.url_patterns, inner)
        elif pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_has_a_row() -> None:
    declared = {route.name for route in ROUTES} | LIBRARY_ROUTES
    served = _route_names(get_resolver().url_patterns)
    assert served - declared == set(), "routes without a row in the authorization matrix"
    assert declared - served == set(), "rows for routes that no longer exist"


def _client_for(world: World, principal: Principal) -> Client:
    client = Client()
    if principal.role is not None:
        membership = (world.members_a if principal.org == "a" else world.members_b)[principal.role]
        client.force_login(membership.user)
    return client


def _outcome(route: Route, status: int, location: str) -> Outcome:
    login = reverse("accounts:login")
    if status == 401 or (
        status == 302 and location.startswith(login) and route.name != "accounts:logout"
    ):
        return Outcome.LOGIN
    if status == 403:
        return Outcome.DENY
    if status == 404:
        return Outcome.HIDDEN
    assert status < 400 or status in (409, 422), f"{route} answered {status}"
    return Outcome.ALLOW


@pytest.mark.parametrize("principal", PRINCIPALS, ids=str)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_authorization_matrix(world: World, route: Route, principal: Principal) -> None:
    objects = make_objects(world)
    client = _client_for(world, principal)
    url = reverse(route.name, args=route.args(objects))
    if route.json:
        response = getattr(client, route.method)(
            url, json.dumps(route.data(objects)), content_type="application/json"
        )
    else:
        response = getattr(client, route.method)(url, route.data(objects))
    got = _outcome(route, response.status_code, response.get("Location", ""))
    assert got == route.expect(principal), f"{route} as {principal}: {response.status_code}"
