"""The authorization matrix: every route x every principal, against the one permission layer.

Principals: anonymous, and each role as a member of agency A (the organisation whose country
owns the objects: "own") and of partner agency B in another country ("other"). Each route says
what each principal must get. A route that has no row here fails ``test_every_route_has_a_row``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from functools import cached_property
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from conftest import World, WorldRows, make_member
from opentrm.accounts.models import AccessAlert, AlertKind, Membership, RoleGrant, User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import DEFAULT_API_TOKEN_ROLES, Role
from opentrm.accounts.services import api_token_create
from opentrm.agreements import services as agreement_services
from opentrm.cases.models import Case, CaseMeasure, CaseParticipant, Task
from opentrm.cases.services import (
    assessment_record,
    case_register,
    consent_record,
    document_upload,
    hearing_schedule,
    no_contact_add,
    note_add,
    plan_draft,
    proceeding_record,
    service_offer,
)
from opentrm.cases.services.emergency import emergency_open
from opentrm.cases.services.interpreters import interpreter_assign
from opentrm.directory.models import ContactPoint, Country, Function, Organisation, Responsibility
from opentrm.exchange.models import OutboxMessage, OutboxStatus, Peer, PeerStatus
from opentrm.linkage.models import LinkStatus, PersonLink
from opentrm.meetings import services as meeting_services
from opentrm.meetings.models import MeetingKind
from opentrm.portal.models import (
    CountryProfile,
    GlossaryTerm,
    GlossaryText,
    NationalTerm,
    Resource,
)
from opentrm.referrals.models import Referral
from opentrm.referrals.services import requests as request_services
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.services.national import referral_send_national
from opentrm.training.services import training_event_record


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


def metrics_token_only(p: Principal) -> Outcome:
    """No member's session opens it: only the monitoring server's bearer token
    (OPENTRM_METRICS_TOKEN, tests/test_metrics.py); without it the route is not there."""
    return Outcome.HIDDEN


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
# Who decides that two person records are one person, and asks other nodes (linkage.access).
LINK_ROLES = (Role.CASE_MANAGER, Role.GUARDIAN)


PLANNED_MEASURE = "sop2.intake_needs_assessment"
UNPLANNED_MEASURE = "sop3.social_inclusion"


def owner(role: Role) -> Expect:
    """Only the one user who owns the object; everybody else is told it does not exist."""

    def expect(p: Principal) -> Outcome:
        if p.role is None:
            return Outcome.LOGIN
        return Outcome.ALLOW if (p.role, p.org) == (role, "a") else Outcome.HIDDEN

    return expect


def _no_second_factor_yet(p: Principal) -> Outcome:
    """Routes of a second factor the user must hold: the matrix's users hold none."""
    return Outcome.LOGIN if p.role is None else Outcome.DENY


def token_holder(role: Role) -> Expect:
    """A token of one user: refused (403) to roles without machine access, missing (404) to
    every other holder; the node's default API_TOKEN_ROLES apply (``_production_token_roles``)."""

    def expect(p: Principal) -> Outcome:
        if p.role is not None and p.role not in DEFAULT_API_TOKEN_ROLES:
            return Outcome.DENY
        return owner(role)(p)

    return expect


class Objects:
    """What the routes point at, all in agency A / country A, made on first use.

    A route touches only the objects its arguments name, so each request of the matrix pays
    only for what it needs.
    """

    def __init__(self, world: World) -> None:
        self.world = world

    @cached_property
    def contact_point(self) -> ContactPoint:
        return ContactPoint.objects.create(
            organisation=self.world.agency_a, position="Duty officer"
        )

    @cached_property
    def responsibility(self) -> Responsibility:
        return Responsibility.objects.create(
            country=self.world.country_a,
            function=Function.IDENTIFICATION,
            organisation=self.world.agency_a,
        )

    @cached_property
    def token_id(self) -> int:
        actor = self.world.actor(Role.SYSTEM_ADMINISTRATOR)
        token, _secret = api_token_create(actor=actor, name="matrix")
        return token.pk

    @cached_property
    def role_grant_id(self) -> int:
        """A pending raise of agency A's interpreter, requested by a second administrator."""
        requester = Membership.objects.create(
            user=User.objects.create_user(username="a_admin_requester"),
            organisation=self.world.agency_a,
            role=Role.SYSTEM_ADMINISTRATOR,
        )
        return RoleGrant.objects.create(
            membership=self.world.members_a[Role.INTERPRETER],
            role=Role.CASE_MANAGER,
            requested_by=requester.user,
        ).pk

    @cached_property
    def case(self) -> Case:
        case = case_register(actor=self.world.actor(Role.CASEWORKER))
        CaseMeasure.objects.create(case=case, code=PLANNED_MEASURE)
        # An interpreter sees only the cases assigned (issue 14); agency A's is assigned here.
        interpreter_assign(
            actor=self.world.actor(Role.CASE_MANAGER),
            case=case,
            interpreter=self.world.user(Role.INTERPRETER),
            undertaking_signed_on=timezone.localdate(),
        )
        return case

    @cached_property
    def case_id(self) -> str:
        return str(self.case.public_id)

    @cached_property
    def restricted_case_id(self) -> str:
        """A case of agency A whose person's processing is restricted (GDPR art. 18)."""
        from opentrm.dataprotection.restriction import restriction_set

        case = case_register(actor=self.world.actor(Role.CASEWORKER))
        restriction_set(
            actor=self.world.actor(Role.DATA_PROTECTION_OFFICER),
            case=case,
            ground="accuracy",
            reason="Matrix",
        )
        return str(case.public_id)

    @cached_property
    def other_case(self) -> Case:
        """A second case of agency A, whose person a reviewer compares with the case's."""
        return case_register(actor=self.world.actor(Role.CASEWORKER))

    @cached_property
    def person_link_id(self) -> str:
        low, high = sorted([self.case.person_id, self.other_case.person_id])
        return str(
            PersonLink.objects.create(
                person_low_id=low,
                person_high_id=high,
                status=LinkStatus.LINKED,
                decided_by=self.world.user(Role.CASE_MANAGER),
                decided_for=self.world.agency_a,
                decided_at=timezone.now(),
            ).public_id
        )

    @cached_property
    def consent_id(self) -> int:
        return consent_record(
            actor=self.world.actor(Role.CASEWORKER),
            case=self.case,
            purpose="video_interview",
            decision="given",
            decided_on=timezone.localdate(),
            explained_in="sq",
            information_given="matrix",
        ).pk

    @cached_property
    def task_id(self) -> int:
        return Task.objects.create(
            case=self.case,
            title="matrix",
            due_on=timezone.localdate(),
            organisation=self.world.agency_a,
        ).pk

    @cached_property
    def assessment_id(self) -> int:
        return assessment_record(
            actor=self.world.actor(Role.CASEWORKER),
            case=self.case,
            kind="needs",
            assessed_on=timezone.localdate(),
        ).pk

    @cached_property
    def emergency_access_id(self) -> int:
        """Agency C (country A, not on the case) opened the case in an emergency."""
        member = make_member(self.world.agency_c, Role.CASEWORKER, "c_emergency")
        actor = Actor(user=member.user, membership=member)
        reason = "The person is in danger and agency A cannot be reached tonight."
        return emergency_open(actor=actor, number=self.case.number, reason=reason).pk

    @cached_property
    def access_alert_id(self) -> int:
        now = timezone.now()
        return AccessAlert.objects.create(
            key="matrix",
            kind=AlertKind.MANY_CASES,
            user=self.world.user(Role.CASEWORKER),
            organisation=self.world.agency_a,
            window_start=now,
            window_end=now,
            count=30,
            first_sequence=1,
            last_sequence=2,
        ).pk

    @cached_property
    def plan_id(self) -> int:
        return plan_draft(
            actor=self.world.actor(Role.CASEWORKER), case=self.case, goals="matrix"
        ).pk

    @cached_property
    def service_id(self) -> int:
        return service_offer(
            actor=self.world.actor(Role.CASEWORKER),
            case=self.case,
            service_type="shelter",
            offered_on=timezone.localdate(),
        ).pk

    @cached_property
    def proceeding_id(self) -> int:
        return proceeding_record(
            actor=self.world.actor(Role.PROSECUTOR),
            case=self.case,
            country_code="AL",
            kind="criminal",
        ).pk

    @cached_property
    def no_contact_id(self) -> int:
        return no_contact_add(
            actor=self.world.actor(Role.PROSECUTOR), case=self.case, name="Matrix Suspect"
        ).pk

    @cached_property
    def hearing_id(self) -> int:
        return hearing_schedule(
            actor=self.world.actor(Role.PROSECUTOR),
            case=self.case,
            kind="police_interview",
            scheduled_at=timezone.now() + timedelta(days=7),
            place="Matrix room",
            guardian_present="Matrix guardian",  # the matrix's person is of unknown age
        ).pk

    # A draft agreement between agency A and agency C (same country): B's members must not see it.
    @cached_property
    def agreement(self) -> Any:
        manager = self.world.actor(Role.CASE_MANAGER)
        agreement = agreement_services.agreement_create(
            actor=manager, title="Matrix MoU", type="mou", scope="national"
        )
        agreement_services.party_add(
            actor=manager, agreement=agreement, organisation=self.world.agency_c
        )
        return agreement

    @cached_property
    def agreement_id(self) -> int:
        return int(self.agreement.pk)

    @cached_property
    def agreement_party_id(self) -> int:
        return int(self.agreement.versions.get().parties.get(organisation=self.world.agency_a).pk)

    @cached_property
    def meeting_id(self) -> int:
        return int(
            agreement_services.meeting_schedule(
                actor=self.world.actor(Role.CASE_MANAGER),
                agreement=self.agreement,
                held_on=timezone.localdate(),
                subject="Matrix meeting",
            ).pk
        )

    @cached_property
    def breach_id(self) -> str:
        from opentrm.dataprotection.breaches import breach_record

        now = timezone.now()
        breach = breach_record(
            actor=self.world.actor(Role.DATA_PROTECTION_OFFICER),
            summary="Matrix breach",
            discovered_at=now,
            window_start=now - timedelta(hours=1),
            window_end=now,
            account=None,
        )
        return str(breach.public_id)

    # Referrals within the country: one agency A sent to agency C, one C sent to A.
    @cached_property
    def referral_out_id(self) -> str:
        referral = referral_send_national(
            actor=self.world.actor(Role.CASEWORKER),
            case=self.case,
            receiver=self.world.agency_c,
            reason="matrix",
            service_type="shelter",
        )
        return str(referral.public_id)

    @cached_property
    def referral_in_id(self) -> str:
        referral = Referral.objects.create(
            reference="REF-AL-MATRIX-IN",
            kind="national",
            case=self.case,
            sender_organisation=self.world.agency_c,
            receiver_country="AL",
            receiver_organisation=self.world.agency_a,
            status="sent",
            sent_at=timezone.now(),
        )
        return str(referral.public_id)

    # Transnational referrals of agency A to Romania, whose focal point is agency B.
    @cached_property
    def _romania_focal_point(self) -> None:
        Responsibility.objects.get_or_create(
            country=self.world.country_b,
            function=Function.NATIONAL_FOCAL_POINT,
            organisation=self.world.agency_b,
        )

    @cached_property
    def transnational_draft_id(self) -> str:
        self._romania_focal_point  # noqa: B018 (made on first use)
        draft = tn.transnational_create(
            actor=self.world.actor(Role.CASEWORKER), case=self.case, country_code="RO"
        )
        return str(draft.public_id)

    @cached_property
    def transnational_accepted_id(self) -> str:
        self._romania_focal_point  # noqa: B018 (made on first use)
        sender = self.world.actor(Role.CASEWORKER)
        accepted = tn.transnational_create(actor=sender, case=self.case, country_code="RO")
        tn.transnational_send(actor=sender, referral=accepted, expected_version=accepted.version)
        accepted.refresh_from_db()
        tn.transnational_step(
            actor=self.world.actor(Role.CASE_MANAGER, org="b"),
            referral=accepted,
            step="accept",
            expected_version=accepted.version,
        )
        return str(accepted.public_id)

    # Requests to a third country MD whose focal point D has no members on this node.
    @cached_property
    def agency_d(self) -> Organisation:
        md = Country.objects.create(code="MD")
        agency_d = Organisation.objects.create(country=md, name="Matrix focal point MD")
        Responsibility.objects.create(
            country=md, function=Function.NATIONAL_FOCAL_POINT, organisation=agency_d
        )
        return agency_d

    @cached_property
    def request_draft_id(self) -> str:
        self.agency_d  # noqa: B018 (made on first use)
        draft = request_services.request_create(
            actor=self.world.actor(Role.CASEWORKER),
            case=self.case,
            kind="family_check",
            receiver_country="MD",
            reason="matrix",
        )
        return str(draft.public_id)

    @cached_property
    def request_out_id(self) -> str:
        self.agency_d  # noqa: B018 (made on first use)
        caseworker = self.world.actor(Role.CASEWORKER)
        request = request_services.request_create(
            actor=caseworker,
            case=self.case,
            kind="identity_verification",
            receiver_country="MD",
            reason="matrix",
        )
        request = request_services.request_send(
            actor=caseworker,
            referral=request,
            expected_version=request.version,
            accept_partial=True,
        )
        return str(request.public_id)

    @cached_property
    def request_in_id(self) -> str:
        request = Referral.objects.create(
            reference="REF-MD-MATRIX-IN",
            kind="family_check",
            sender_organisation=self.agency_d,
            receiver_country="AL",
            receiver_organisation=self.world.agency_a,
            routing="focal_point",
            status="sent",
            sent_at=timezone.now(),
        )
        return str(request.public_id)

    # Node exchange: a confirmed peer and a package that became a dead letter.
    @cached_property
    def peer_id(self) -> int:
        return int(
            Peer.objects.create(
                node_id="matrix-peer",
                country_code="RO",
                name="Matrix peer node",
                base_url="https://peer.example.test",
                public_jwks={"keys": []},
                fingerprint="AAAA / BBBB",
                status=PeerStatus.ACTIVE,
            ).pk
        )

    @cached_property
    def exchange_message_id(self) -> str:
        dead = OutboxMessage.objects.create(
            peer_id=self.peer_id,
            type="ping",
            body={},
            status=OutboxStatus.DEAD,
            attempts=1,
            last_error="http_404",
        )
        return str(dead.message_id)

    # Training and meetings (issue 19): a national training event and a roundtable of country A,
    # a case conference on the matrix case, an action item of agency A's case manager.
    @cached_property
    def training_event_id(self) -> int:
        return training_event_record(
            actor=self.world.actor(Role.NATIONAL_COORDINATOR),
            title="Matrix training",
            scope="national",
            starts_on=timezone.localdate(),
        ).pk

    @cached_property
    def roundtable(self) -> Any:
        return meeting_services.meeting_record(
            actor=self.world.actor(Role.NATIONAL_COORDINATOR),
            kind=MeetingKind.NATIONAL_ROUNDTABLE,
            title="Matrix roundtable",
            held_on=timezone.localdate(),
        )

    @cached_property
    def case_conference_id(self) -> int:
        return meeting_services.case_meeting_record(
            actor=self.world.actor(Role.CASE_MANAGER),
            case=self.case,
            kind=MeetingKind.CASE_CONFERENCE,
            title="Matrix case conference",
            held_on=timezone.localdate(),
        ).pk

    @cached_property
    def action_item_id(self) -> int:
        return meeting_services.action_item_add(
            actor=self.world.actor(Role.NATIONAL_COORDINATOR),
            meeting=self.roundtable,
            title="Matrix action",
            owner=self.world.user(Role.CASE_MANAGER),
            due_on=timezone.localdate(),
        ).pk


def make_objects(world: World) -> Objects:
    return Objects(world)


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
    Route("metrics", metrics_token_only),
    Route("set_language", public, method="post", data=lambda o: {"language": "sq"}),
    # accounts
    Route("accounts:login", public),
    Route("accounts:logout", public, method="post"),
    Route("accounts:password_change", any_member),
    Route("accounts:choose_organisation", any_member),
    Route("accounts:account", any_member),
    Route("accounts:api_tokens", roles(*DEFAULT_API_TOKEN_ROLES)),
    Route(
        "accounts:api_token_revoke",
        token_holder(Role.SYSTEM_ADMINISTRATOR),
        method="post",
        args=lambda o: [o.token_id],
    ),
    Route("accounts:member_list", roles(Role.SYSTEM_ADMINISTRATOR)),
    Route(
        "accounts:member_change",
        roles(Role.SYSTEM_ADMINISTRATOR, own_only=True, other=Outcome.HIDDEN),
        args=lambda o: [o.world.members_a[Role.INTERPRETER].pk],
    ),
    Route(
        "accounts:role_grant_approve",
        roles(Role.SYSTEM_ADMINISTRATOR, own_only=True, other=Outcome.HIDDEN),
        method="post",
        args=lambda o: [o.role_grant_id],
    ),
    Route(
        "accounts:role_grant_refuse",
        roles(Role.SYSTEM_ADMINISTRATOR, own_only=True, other=Outcome.HIDDEN),
        method="post",
        args=lambda o: [o.role_grant_id],
    ),
    # the second factor (issue 17 §1): open to every logged-in user before it is passed; the
    # matrix's users have no authenticator app, so renewing recovery codes is refused to all
    Route("accounts:mfa_verify", any_member),
    Route("accounts:mfa_setup", any_member),
    Route("accounts:mfa_recovery_renew", _no_second_factor_yet, method="post"),
    # security keys: a first key may be added by anyone without a second factor; a key can
    # only be used by its holder (nobody in the matrix holds one)
    Route("accounts:security_key_register_options", any_member, method="post"),
    Route("accounts:security_key_register", any_member, method="post"),
    Route("accounts:security_key_options", _no_second_factor_yet, method="post"),
    Route("accounts:security_key_verify", _no_second_factor_yet, method="post"),
    # OpenID Connect log-in: off on this node (OPENTRM_OIDC_ENABLED), so the routes do not
    # exist for anyone (accounts/tests/test_oidc.py tests them switched on)
    Route("accounts:oidc_start", lambda p: Outcome.HIDDEN),
    Route("accounts:oidc_callback", lambda p: Outcome.HIDDEN),
    # break-the-glass and access review (issue 17 §2-§3)
    Route(
        "emergency:open",
        roles(
            Role.CASE_MANAGER,
            Role.CASEWORKER,
            Role.POLICE_INVESTIGATOR,
            Role.PROSECUTOR,
            Role.GUARDIAN,
        ),
    ),
    Route("emergency:reviews", roles(Role.DATA_PROTECTION_OFFICER)),
    Route(
        "emergency:review",
        # an officer of another country: the case is not in her scope
        roles(Role.DATA_PROTECTION_OFFICER, own_only=True),
        method="post",
        args=lambda o: [o.emergency_access_id],
        data=lambda o: {"conclusion": "justified"},
    ),
    Route(
        "cases:case_access_log",
        case_participants(
            Role.CASE_MANAGER, Role.GUARDIAN, gate=(Role.CASE_MANAGER, Role.GUARDIAN)
        ),
        args=lambda o: [o.case_id],
    ),
    Route("audit:alert_list", roles(Role.DATA_PROTECTION_OFFICER)),
    Route(
        "audit:alert_close",
        roles(Role.DATA_PROTECTION_OFFICER, own_only=True),
        method="post",
        args=lambda o: [o.access_alert_id],
        data=lambda o: {"note": "Looked into it."},
    ),
    # audit
    Route("audit:event_list", roles(Role.DATA_PROTECTION_OFFICER)),
    Route(
        "case_audit:trail",
        roles(Role.DATA_PROTECTION_OFFICER),
        data=lambda o: {"number": o.case.number},
    ),
    Route(
        "case_audit:trail_csv",
        # an officer of another country: the case is not in her scope
        roles(Role.DATA_PROTECTION_OFFICER, own_only=True, other=Outcome.HIDDEN),
        data=lambda o: {"number": o.case.number},
    ),
    # directory: reading and exporting, every member
    Route("directory:home", any_member),
    Route("directory:search", any_member),
    Route("directory:country_detail", any_member, args=_country),
    Route("directory:organisation_detail", any_member, args=_org),
    Route("directory:contact_point_detail", any_member, args=_contact),
    Route("directory:export", any_member, args=_country, data=lambda o: {"format": "csv"}),
    Route("directory:search_export", any_member, data=lambda o: {"q": "agency", "format": "csv"}),
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
        data=lambda o: {"confirm": "remove"},
    ),
    # cases
    Route("cases:case_list", roles(*CASE_ROLES)),
    Route(
        "cases:case_list",
        roles(*CASE_ROLES),
        method="post",
        data=lambda o: {"name": "Fiktiva", "status": "accepted"},
    ),
    Route("cases:case_register", roles(*[r for r in CASE_ROLES if r != Role.INTERPRETER])),
    # matching (issue 16): checking whether a person is already registered
    Route("matching:person_check", roles(*[r for r in CASE_ROLES if r != Role.INTERPRETER])),
    Route(
        "matching:person_check",
        roles(*[r for r in CASE_ROLES if r != Role.INTERPRETER]),
        method="post",
        data=lambda o: {"names": "Fiktiva Testova", "sex": "unknown"},
    ),
    Route("cases:case_detail", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    # issue 12 §4: a section of the case file (htmx, or a plain link to the page at it), and
    # the printable summary
    Route(
        "cases:case_section",
        case_participants(*CASE_ROLES),
        args=lambda o: [o.case_id, "tasks"],
    ),
    Route("cases:case_summary_pdf", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    # data-subject rights (issue 17 §5): the owner organisation answers the person
    Route(
        "dataprotection:subject_access_report",
        roles(
            Role.CASE_MANAGER,
            Role.DATA_PROTECTION_OFFICER,
            own_only=True,
            other=Outcome.HIDDEN,
        ),
        args=lambda o: [o.case_id],
    ),
    Route("dataprotection:survivor_notice", any_member),
    # records of processing and breaches (issue 17 §6): the organisation's DPO only
    Route("dataprotection:processing_records", roles(Role.DATA_PROTECTION_OFFICER)),
    Route("dataprotection:breach_list", roles(Role.DATA_PROTECTION_OFFICER)),
    Route(
        "dataprotection:breach_list",
        roles(Role.DATA_PROTECTION_OFFICER),
        method="post",
        data=lambda o: {
            "summary": "Matrix",
            "discovered_at": "2026-12-01T10:00",
            "window_start": "2026-12-01T08:00",
            "window_end": "2026-12-01T09:00",
        },
    ),
    Route(
        "dataprotection:breach_detail",
        roles(Role.DATA_PROTECTION_OFFICER, own_only=True, other=Outcome.HIDDEN),
        args=lambda o: [o.breach_id],
    ),
    Route(
        "dataprotection:breach_notified",
        roles(Role.DATA_PROTECTION_OFFICER, own_only=True, other=Outcome.HIDDEN),
        method="post",
        args=lambda o: [o.breach_id],
        data=lambda o: {"version": 1, "reference": "matrix"},
    ),
    # restriction of processing (issue 17 §5, GDPR art. 18): the controller only
    Route(
        "dataprotection:restriction",
        roles(
            Role.CASE_MANAGER,
            Role.DATA_PROTECTION_OFFICER,
            own_only=True,
            other=Outcome.HIDDEN,
        ),
        args=lambda o: [o.case_id],
    ),
    Route(
        "dataprotection:restriction",
        roles(
            Role.CASE_MANAGER,
            Role.DATA_PROTECTION_OFFICER,
            own_only=True,
            other=Outcome.HIDDEN,
        ),
        method="post",
        args=lambda o: [o.case_id],
        data=lambda o: {"ground": "accuracy", "reason": "Matrix"},
    ),
    Route(
        "dataprotection:restriction_lift",
        roles(
            Role.CASE_MANAGER,
            Role.DATA_PROTECTION_OFFICER,
            own_only=True,
            other=Outcome.HIDDEN,
        ),
        method="post",
        args=lambda o: [o.restricted_case_id],
        data=lambda o: {"reason": "Matrix", "person_informed_on": "2026-01-05"},
    ),
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
    # identity resolution (issue 16 §4-§6): the linked records of a case, the decision on two
    # records (a case manager or guardian who may open both), the question to another node
    Route("linkage:case_links", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route("linkage:case_queries", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route(
        "linkage:compare",
        case_participants(*LINK_ROLES, gate=LINK_ROLES),
        args=lambda o: [o.case_id],
        data=lambda o: {"number": o.other_case.number},
    ),
    Route(
        "linkage:decide",
        case_participants(*LINK_ROLES, gate=LINK_ROLES),
        args=lambda o: [o.case_id, o.other_case.public_id],
    ),
    Route(
        "linkage:decide",
        case_participants(*LINK_ROLES, gate=LINK_ROLES),
        method="post",
        args=lambda o: [o.case_id, o.other_case.public_id],
        data=lambda o: {"decision": "not_same", "version": 0},
    ),
    Route(
        "linkage:undo",
        case_participants(*LINK_ROLES, gate=LINK_ROLES),
        method="post",
        args=lambda o: [o.case_id, o.person_link_id],
        data=lambda o: {"version": 1},
    ),
    Route(
        "linkage:ask", case_participants(*LINK_ROLES, gate=LINK_ROLES), args=lambda o: [o.case_id]
    ),
    Route(
        "linkage:ask",
        case_participants(*LINK_ROLES, gate=LINK_ROLES),
        method="post",
        args=lambda o: [o.case_id],
        data=lambda o: {"peer": ""},
    ),
    # the same as JSON (issue 16): the check, the decisions, the question to another node
    Route(
        "api-1:matching_check",
        roles(*CONSENT_ROLES),
        method="post",
        json=True,
        data=lambda o: {"names": ["Fiktiva Testova"]},
    ),
    Route(
        "api-1:linkage_decide",
        case_participants(*LINK_ROLES, gate=LINK_ROLES),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {
            "other_case_id": str(o.other_case.public_id),
            "decision": "not_same",
            "version": 0,
        },
    ),
    Route(
        "api-1:linkage_undo",
        case_participants(*LINK_ROLES, gate=LINK_ROLES),
        method="post",
        args=lambda o: [o.case_id, o.person_link_id],
        json=True,
        data=lambda o: {"version": 1},
    ),
    Route(
        "api-1:linkage_ask",
        case_participants(*LINK_ROLES, gate=LINK_ROLES),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {"peer_id": o.peer_id},  # 422 for those admitted: no key with it
    ),
    Route("api-1:linkage_queries", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
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
        "cases:best_interests_assessment_create",
        case_participants(Role.CASE_MANAGER, Role.GUARDIAN),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:best_interests_assessment_create",
        case_participants(Role.CASE_MANAGER, Role.GUARDIAN),
        method="post",
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
        "api-1:cases_search",
        roles(*CASE_ROLES),
        method="post",
        json=True,
        data=lambda o: {"name": "Matrix"},
    ),
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
    Route("api-1:account_tokens", roles(*DEFAULT_API_TOKEN_ROLES)),
    Route(
        "api-1:account_token_revoke",
        token_holder(Role.SYSTEM_ADMINISTRATOR),
        method="post",
        args=lambda o: [o.token_id],
    ),
]

# --- issue 3: assessments, health and plans -----------------------------------------------

ASSISTANCE_VIEW = (Role.CASE_MANAGER, Role.CASEWORKER, Role.POLICE_INVESTIGATOR, Role.GUARDIAN)
ASSISTANCE_EDIT = (Role.CASE_MANAGER, Role.CASEWORKER, Role.GUARDIAN)

ASSESSMENT_ROUTES = [
    # cases: assessments and health
    Route(
        "cases:assessment_list",
        case_participants(*ASSISTANCE_VIEW),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:assessment_create",
        case_participants(*ASSISTANCE_EDIT),
        args=lambda o: [o.case_id, "needs"],
    ),
    Route(
        "cases:assessment_create",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, "needs"],
    ),
    Route(
        "cases:assessment_edit",
        case_participants(*ASSISTANCE_EDIT),
        args=lambda o: [o.case_id, o.assessment_id],
    ),
    Route(
        "cases:assessment_edit",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.assessment_id],
    ),
    Route(
        "cases:assessment_delete",
        case_participants(*ASSISTANCE_EDIT),
        args=lambda o: [o.case_id, o.assessment_id],
    ),
    Route(
        "cases:assessment_delete",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.assessment_id],
    ),
    Route("cases:health_edit", case_participants(Role.CASE_MANAGER), args=lambda o: [o.case_id]),
    Route(
        "cases:health_edit",
        case_participants(Role.CASE_MANAGER),
        method="post",
        args=lambda o: [o.case_id],
    ),
    # cases: the individual assistance plan and the risk management plan
    Route("cases:plan_create", case_participants(*ASSISTANCE_EDIT), args=lambda o: [o.case_id]),
    Route(
        "cases:plan_create",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:plan_detail",
        case_participants(*ASSISTANCE_VIEW),
        args=lambda o: [o.case_id, o.plan_id],
    ),
    Route(
        "cases:plan_edit",
        case_participants(*ASSISTANCE_EDIT),
        args=lambda o: [o.case_id, o.plan_id],
    ),
    Route(
        "cases:plan_edit",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.plan_id],
    ),
    Route(
        "cases:plan_acknowledge",
        case_participants(*ASSISTANCE_EDIT),
        args=lambda o: [o.case_id, o.plan_id],
    ),
    Route(
        "cases:plan_acknowledge",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.plan_id],
    ),
    Route(
        "cases:plan_activate",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.plan_id],
    ),
    Route(
        "cases:plan_revise",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.plan_id],
    ),
    Route(
        "cases:plan_close",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.plan_id],
    ),
    Route("cases:risk_plan_edit", case_participants(*ASSISTANCE_EDIT), args=lambda o: [o.case_id]),
    Route(
        "cases:risk_plan_edit",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:risk_plan_review", case_participants(*ASSISTANCE_EDIT), args=lambda o: [o.case_id]
    ),
    Route(
        "cases:risk_plan_review",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id],
    ),
    # API: assessments, health, plans
    Route(
        "api-1:cases_assessments", case_participants(*ASSISTANCE_VIEW), args=lambda o: [o.case_id]
    ),
    Route(
        "api-1:cases_assessment_record",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {"kind": "needs", "assessed_on": timezone.localdate().isoformat()},
    ),
    Route(
        "api-1:cases_health",
        case_participants(Role.CASE_MANAGER, Role.CASEWORKER, Role.GUARDIAN),
        args=lambda o: [o.case_id],
    ),
    Route(
        "api-1:cases_health_update",
        case_participants(Role.CASE_MANAGER),
        method="put",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {"version": 0, "comments": "matrix"},
    ),
    Route("api-1:cases_plans", case_participants(*ASSISTANCE_VIEW), args=lambda o: [o.case_id]),
    Route(
        "api-1:cases_plan_draft",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {"goals": "matrix"},  # 422: a draft exists already
    ),
    Route(
        "api-1:cases_plan_acknowledge",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.plan_id],
        json=True,
        data=lambda o: {
            "version": 1,
            "acknowledged_on": timezone.localdate().isoformat(),
            "how": "matrix",
        },
    ),
    Route(
        "api-1:cases_plan_activate",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id, o.plan_id],
        json=True,
        data=lambda o: {"version": 1},  # 422: not acknowledged, no consent
    ),
    Route("api-1:cases_risk_plan", case_participants(*ASSISTANCE_VIEW), args=lambda o: [o.case_id]),
    Route(
        "api-1:cases_risk_plan_save",
        case_participants(*ASSISTANCE_EDIT),
        method="put",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {
            "version": 0,
            "risks": "matrix",
            "measures": "matrix",
            "review_every_days": 30,
            "next_review_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    ),
    Route(
        "api-1:cases_risk_plan_review",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {"version": 1, "reviewed_on": timezone.localdate().isoformat()},
    ),  # 422: no risk plan yet
]

# --- issue 3: services, proceedings, no-contact list, hearings ------------------------------

SERVICE_EDITORS = (Role.CASE_MANAGER, Role.CASEWORKER, Role.GUARDIAN)
SERVICE_VIEWERS = (*SERVICE_EDITORS, Role.POLICE_INVESTIGATOR)
PROCEEDING_EDITORS = (Role.CASE_MANAGER, Role.POLICE_INVESTIGATOR, Role.PROSECUTOR)
PROCEEDING_VIEWERS = (*PROCEEDING_EDITORS, Role.CASEWORKER, Role.GUARDIAN)


def _service(o: Objects) -> list[Any]:
    return [o.case_id, o.service_id]


def _proceeding(o: Objects) -> list[Any]:
    return [o.case_id, o.proceeding_id]


def _no_contact(o: Objects) -> list[Any]:
    return [o.case_id, o.no_contact_id]


def _hearing(o: Objects) -> list[Any]:
    return [o.case_id, o.hearing_id]


def _case(o: Objects) -> list[Any]:
    return [o.case_id]


ROUTES_SERVICES: list[Route] = [
    # cases: services (ASSISTANCE)
    *[
        Route(name, case_participants(*SERVICE_EDITORS), method=method, args=args)
        for name, args in (
            ("cases:service_create", _case),
            ("cases:service_edit", _service),
            ("cases:service_status", _service),
            ("cases:service_delete", _service),
        )
        for method in ("get", "post")
    ],
    # cases: proceedings, no-contact list, interviews and hearings (PROCEEDINGS)
    *[
        Route(name, case_participants(*PROCEEDING_EDITORS), method=method, args=args)
        for name, args in (
            ("cases:proceeding_create", _case),
            ("cases:proceeding_edit", _proceeding),
            ("cases:no_contact_add", _case),
            ("cases:no_contact_remove", _no_contact),
            ("cases:hearing_schedule", _case),
            ("cases:hearing_edit", _hearing),
        )
        for method in ("get", "post")
    ],
    Route(
        "cases:hearing_cancel",
        case_participants(*PROCEEDING_EDITORS),
        method="post",
        args=_hearing,
        data=lambda o: {"version": 1},
    ),
    Route(
        "cases:hearing_cancel",
        case_participants(*PROCEEDING_EDITORS),
        method="post",
        args=_hearing,
    ),
    # API: services
    Route("api-1:cases_services", case_participants(*SERVICE_VIEWERS), args=_case),
    Route(
        "api-1:cases_service_create",
        case_participants(*SERVICE_EDITORS),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {"service_type": "medical", "offered_on": "2026-01-05"},
    ),
    Route(
        "api-1:cases_service_update",
        case_participants(*SERVICE_EDITORS),
        method="patch",
        args=_service,
        json=True,
        data=lambda o: {"version": 1, "comments": "matrix"},
    ),
    # API: proceedings, no-contact list, hearings
    Route("api-1:cases_proceedings", case_participants(*PROCEEDING_VIEWERS), args=_case),
    Route(
        "api-1:cases_proceeding_create",
        case_participants(*PROCEEDING_EDITORS),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {"country_code": "AL", "kind": "civil"},
    ),
    Route(
        "api-1:cases_proceeding_update",
        case_participants(*PROCEEDING_EDITORS),
        method="patch",
        args=_proceeding,
        json=True,
        data=lambda o: {"version": 1, "testified": True},
    ),
    Route("api-1:cases_no_contact", case_participants(*PROCEEDING_VIEWERS), args=_case),
    Route(
        "api-1:cases_no_contact_add",
        case_participants(*PROCEEDING_EDITORS),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {"name": "Matrix Person"},
    ),
    Route(
        "api-1:cases_no_contact_remove",
        case_participants(*PROCEEDING_EDITORS),
        method="post",
        args=_no_contact,
        json=True,
        data=lambda o: {"reason": "matrix"},
    ),
    Route("api-1:cases_hearings", case_participants(*PROCEEDING_VIEWERS), args=_case),
    Route(
        "api-1:cases_hearing_schedule",
        case_participants(*PROCEEDING_EDITORS),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {
            "kind": "police_interview",
            "scheduled_at": (timezone.now() + timedelta(days=3)).isoformat(),
            "place": "Matrix room",
            "guardian_present": "Matrix guardian",
        },
    ),
    Route(
        "api-1:cases_hearing_cancel",
        case_participants(*PROCEEDING_EDITORS),
        method="post",
        args=_hearing,
        json=True,
        data=lambda o: {"version": 1},
    ),
]

# --- issue 3: documents, notes, timeline, organisations on a case ---------------------------


def _matrix_case(o: Objects) -> Case:
    return Case.objects.get(public_id=o.case_id)


def _document(o: Objects) -> list[Any]:
    """An identity document uploaded by agency A's caseworker (every case role may see
    identity, so every role of agency A may open it; prosecutors and interpreters only view
    identity, so they may not delete it)."""
    document = document_upload(
        actor=o.world.actor(Role.CASEWORKER),
        case=_matrix_case(o),
        upload=SimpleUploadedFile("matrix.pdf", b"%PDF-1.4 matrix"),
        title="matrix",
        kind="identity_document",
    )
    return [o.case_id, str(document.public_id)]


def _note(o: Objects) -> list[Any]:
    note = note_add(
        actor=o.world.actor(Role.CASEWORKER),
        case=_matrix_case(o),
        text="matrix",
        visibility="case",
        field_group="identity",  # a note every case role may read
    )
    return [o.case_id, note.pk]


def _owner_participant(o: Objects) -> list[Any]:
    participant = CaseParticipant.objects.get(
        case__public_id=o.case_id, organisation=o.world.agency_a
    )
    return [o.case_id, participant.pk]


def _added_participant(o: Objects) -> list[Any]:
    """Agency C (same country as A) taking part; only a case manager of the owner removes it."""
    participant, _ = CaseParticipant.objects.get_or_create(
        case=_matrix_case(o), organisation=o.world.agency_c
    )
    return [o.case_id, participant.pk]


# Who may edit identity (delete an identity document): not the prosecutor, not the interpreter.
IDENTITY_EDITORS = (Role.CASE_MANAGER, Role.CASEWORKER, Role.POLICE_INVESTIGATOR, Role.GUARDIAN)

ROUTES_DOCUMENTS = [
    # cases: documents, notes, timeline, organisations on the case
    Route(
        "cases:document_create",  # GET the form; an empty POST re-shows it (200)
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:document_create",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id],
    ),
    Route("cases:document_download", case_participants(*CASE_ROLES), args=_document),
    Route(
        "cases:document_delete",
        case_participants(*IDENTITY_EDITORS, gate=CONSENT_ROLES),
        args=_document,
    ),
    Route(
        "cases:document_delete",  # empty POST: the reason is asked for (200)
        case_participants(*IDENTITY_EDITORS, gate=CONSENT_ROLES),
        method="post",
        args=_document,
    ),
    Route(
        "cases:note_create",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:note_delete",  # the note is agency A's: every A role that writes notes
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=_note,
    ),
    Route("cases:case_timeline", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    # issue 9: the owner's view of what widens access (a participant that is not the owner: 403,
    # proved in opentrm/cases/tests/test_sharing_overview.py)
    Route("cases:case_sharing", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route(
        "cases:participant_add",
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        args=lambda o: [o.case_id],
    ),
    # issue 14: interpreters assigned per case, by the owner's case managers
    Route(
        "cases:interpreter_create",
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:interpreter_create",
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=lambda o: [o.case_id],
    ),
    Route(
        "cases:interpreter_end",  # POST only; ends agency A's interpreter's assignment (302)
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=lambda o: [o.case_id, _matrix_case(o).interpreters.get().pk],
    ),
    Route(
        "cases:participant_remove",  # POST only; removes agency C, redirects (302)
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=_added_participant,
    ),
    Route(
        "cases:participant_consent_taker",  # names agency C consent-taker, redirects (302)
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=_added_participant,
        data=lambda o: {"takes_consent": "1"},
    ),
    Route(
        "cases:participant_case_manager",  # agency A's own row: A's case manager
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        args=_owner_participant,
    ),
    # API: documents, notes, timeline, participants
    Route("api-1:cases_documents", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route(
        "api-1:cases_document_upload",  # empty multipart POST: 422 (no file, no title)
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id],
    ),
    Route(
        "api-1:cases_document_download",
        case_participants(*CASE_ROLES),
        args=lambda o: [*_document(o)],
    ),
    Route("api-1:cases_notes", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route(
        "api-1:cases_note_add",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {"text": "matrix", "visibility": "case"},
    ),
    Route("api-1:cases_timeline", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route("api-1:cases_sharing", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route("api-1:cases_participants", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    # issue 14: interpreters and best-interests assessments
    Route(
        "api-1:cases_interpreters", case_participants(*CONSENT_ROLES), args=lambda o: [o.case_id]
    ),
    Route(
        "api-1:cases_interpreter_create",
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {
            "interpreter_id": o.world.user(Role.INTERPRETER).pk,
            "undertaking_signed_on": timezone.localdate().isoformat(),
        },
    ),
    Route(
        "api-1:cases_interpreter_end",
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=lambda o: [o.case_id, _matrix_case(o).interpreters.get().pk],
        json=True,
    ),
    Route(
        "api-1:cases_best_interests_assessments",
        case_participants(*[r for r in CASE_ROLES if r != Role.INTERPRETER]),
        args=lambda o: [o.case_id],
    ),
    Route(
        "api-1:cases_best_interests_create",
        case_participants(Role.CASE_MANAGER, Role.GUARDIAN),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {
            "action": "interview",
            "assessed_on": timezone.localdate().isoformat(),
            "child_participated": True,
            "conclusion": "matrix",
        },
    ),
    Route(
        "api-1:cases_participant_add",
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=lambda o: [o.case_id],
        json=True,
        data=lambda o: {"organisation_id": o.world.agency_c.pk},
    ),
    Route(
        "api-1:cases_participant_consent_taker",
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=_added_participant,
        json=True,
        data=lambda o: {"takes_consent": True},
    ),
    Route(
        "api-1:cases_participant_case_manager",
        case_participants(Role.CASE_MANAGER, gate=(Role.CASE_MANAGER,)),
        method="post",
        args=_owner_participant,
        json=True,
        data=lambda o: {"case_manager_id": None},
    ),
]

# --- issue 4 §1: the agreements register -----------------------------------------------------

AGREEMENT_EDITORS = (Role.NATIONAL_COORDINATOR, Role.CASE_MANAGER)


def agreement_parties(*allowed: Role, gate: tuple[Role, ...] = tuple(Role)) -> Expect:
    """Agreements: roles the gate does not admit are refused; members of organisations that
    are not parties are told the agreement does not exist; in agency A ``allowed`` roles are
    served and the others refused."""

    def expect(p: Principal) -> Outcome:
        if p.role is None:
            return Outcome.LOGIN
        if p.role not in gate:
            return Outcome.DENY
        if p.org != "a":
            return Outcome.HIDDEN
        return Outcome.ALLOW if p.role in allowed else Outcome.DENY

    return expect


def _agreement(o: Objects) -> list[Any]:
    return [o.agreement_id]


AGREEMENT_EDIT = agreement_parties(*AGREEMENT_EDITORS, gate=AGREEMENT_EDITORS)
AGREEMENT_VIEW = agreement_parties(*Role)
# Deciding for another party (its signature, a flow out of it): refused to everyone in A.
NOBODY_OF_ANOTHER_PARTY = agreement_parties(gate=AGREEMENT_EDITORS)


def _approval(o: Objects, sender: Organisation, receiver: Organisation, *, html: bool) -> Any:
    """A flow sender -> receiver set by the sender's case manager, and the approval's body."""
    actor = Actor(
        user=o.world.user(Role.CASE_MANAGER),
        membership=o.world.members_a[Role.CASE_MANAGER],
    )
    agreement_services.flow_set(
        actor=actor,
        agreement=o.agreement,
        sender_id=sender.pk,
        receiver_id=receiver.pk,
        categories=["identity"],
    )
    if html:
        return {
            "version": 1,
            "sender": sender.pk,
            "receiver": receiver.pk,
            "categories": "identity",
        }
    return {"version": 1, "sender_id": sender.pk, "receiver_id": receiver.pk}


# --- rows ---------------------------------------------------------------------------------------
AGREEMENT_ROUTES: list[Route] = [
    # pages
    Route("agreements:agreement_list", any_member),
    Route("agreements:agreement_create", roles(*AGREEMENT_EDITORS)),
    Route("agreements:agreement_create", roles(*AGREEMENT_EDITORS), method="post"),
    Route("agreements:agreement_detail", AGREEMENT_VIEW, args=_agreement),
    Route("agreements:agreement_pdf", AGREEMENT_VIEW, args=_agreement),
    Route("agreements:agreement_edit", AGREEMENT_EDIT, args=_agreement),
    Route("agreements:agreement_edit", AGREEMENT_EDIT, method="post", args=_agreement),
    Route("agreements:party_add", AGREEMENT_EDIT, args=_agreement),
    Route("agreements:party_add", AGREEMENT_EDIT, method="post", args=_agreement),
    Route(
        "agreements:party_edit",
        AGREEMENT_EDIT,
        args=lambda o: [o.agreement_id, o.agreement_party_id],
    ),
    Route(
        "agreements:party_edit",
        AGREEMENT_EDIT,
        method="post",
        args=lambda o: [o.agreement_id, o.agreement_party_id],
    ),
    Route("agreements:flow_edit", AGREEMENT_EDIT, args=_agreement),
    Route("agreements:flow_edit", AGREEMENT_EDIT, method="post", args=_agreement),
    # issue 9: only the sender approves a flow out of it; nobody approves for another party
    Route(
        "agreements:flow_approve",
        AGREEMENT_EDIT,
        method="post",
        args=_agreement,
        data=lambda o: _approval(o, o.world.agency_a, o.world.agency_c, html=True),
    ),
    Route(
        "agreements:flow_approve",
        NOBODY_OF_ANOTHER_PARTY,
        method="post",
        args=_agreement,
        data=lambda o: _approval(o, o.world.agency_c, o.world.agency_a, html=True),
    ),
    Route("agreements:signature_record", AGREEMENT_EDIT, args=_agreement),
    Route("agreements:signature_record", AGREEMENT_EDIT, method="post", args=_agreement),
    Route("agreements:agreement_amend", AGREEMENT_EDIT, args=_agreement),
    Route("agreements:agreement_amend", AGREEMENT_EDIT, method="post", args=_agreement),
    Route("agreements:agreement_terminate", AGREEMENT_EDIT, args=_agreement),
    Route("agreements:agreement_terminate", AGREEMENT_EDIT, method="post", args=_agreement),
    Route("agreements:meeting_add", AGREEMENT_EDIT, args=_agreement),
    Route("agreements:meeting_add", AGREEMENT_EDIT, method="post", args=_agreement),
    Route(
        "agreements:meeting_cancel",
        AGREEMENT_EDIT,
        args=lambda o: [o.agreement_id, o.meeting_id],
    ),
    Route(
        "agreements:meeting_cancel",
        AGREEMENT_EDIT,
        method="post",
        args=lambda o: [o.agreement_id, o.meeting_id],
    ),
    # API
    Route("api-1:agreements_list", any_member),
    Route(
        "api-1:agreements_create",
        roles(*AGREEMENT_EDITORS),
        method="post",
        json=True,
        data=lambda o: {"title": "Matrix API MoU", "type": "mou", "scope": "national"},
    ),
    Route("api-1:agreements_detail", AGREEMENT_VIEW, args=_agreement),
    Route(
        "api-1:agreements_update",
        AGREEMENT_EDIT,
        method="patch",
        json=True,
        args=_agreement,
        data=lambda o: {"version": 1, "purpose": "Matrix"},
    ),
    Route(
        "api-1:agreements_party_add",
        AGREEMENT_EDIT,
        method="post",
        json=True,
        args=_agreement,
        data=lambda o: {"organisation_id": o.world.agency_b.pk},
    ),
    Route(
        "api-1:agreements_flow_set",
        AGREEMENT_EDIT,
        method="put",
        json=True,
        args=_agreement,
        data=lambda o: {
            "sender_id": o.world.agency_a.pk,
            "receiver_id": o.world.agency_c.pk,
            "categories": ["identity"],
        },
    ),
    Route(
        "api-1:agreements_signature_record",
        AGREEMENT_EDIT,
        method="post",
        json=True,
        args=_agreement,
        data=lambda o: {
            "version": 1,
            "organisation_id": o.world.agency_a.pk,
            "signed_on": timezone.localdate().isoformat(),
            "signed_by": "Matrix Director",
        },
    ),
    Route(
        "api-1:agreements_signature_record",
        NOBODY_OF_ANOTHER_PARTY,
        method="post",
        json=True,
        args=_agreement,
        data=lambda o: {
            "version": 1,
            "organisation_id": o.world.agency_c.pk,
            "signed_on": timezone.localdate().isoformat(),
            "signed_by": "Matrix Director",
        },
    ),
    Route(
        "api-1:agreements_flow_approve",
        AGREEMENT_EDIT,
        method="post",
        json=True,
        args=_agreement,
        data=lambda o: _approval(o, o.world.agency_a, o.world.agency_c, html=False),
    ),
    Route(
        "api-1:agreements_flow_approve",
        NOBODY_OF_ANOTHER_PARTY,
        method="post",
        json=True,
        args=_agreement,
        data=lambda o: _approval(o, o.world.agency_c, o.world.agency_a, html=False),
    ),
    Route(
        "api-1:agreements_amend",
        AGREEMENT_EDIT,
        method="post",
        json=True,
        args=_agreement,
        data=lambda o: {"note": "Matrix"},
    ),
    Route(
        "api-1:agreements_terminate",
        AGREEMENT_EDIT,
        method="post",
        json=True,
        args=_agreement,
        data=lambda o: {
            "version": 1,
            "terminated_on": timezone.localdate().isoformat(),
            "reason": "Matrix",
        },
    ),
    Route(
        "api-1:agreements_meeting_schedule",
        AGREEMENT_EDIT,
        method="post",
        json=True,
        args=_agreement,
        data=lambda o: {"held_on": timezone.localdate().isoformat(), "subject": "Matrix"},
    ),
]
# ROUTES += AGREEMENT_ROUTES

# --- issue 4: referrals within the country, inbox and outbox ----------------------------------


def _ref_out(o: Objects) -> list[Any]:
    return [o.referral_out_id]


def _ref_in(o: Objects) -> list[Any]:
    return [o.referral_in_id]


REFERRAL_RESPONDERS = case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES)
REFERRAL_READERS = case_participants(*CASE_ROLES)

REFERRAL_NATIONAL_ROUTES: list[Route] = [
    # pages
    Route("referrals:referral_list", roles(*CASE_ROLES)),
    Route("referrals:referral_create", REFERRAL_RESPONDERS, args=lambda o: [o.case_id]),
    Route(
        "referrals:referral_create", REFERRAL_RESPONDERS, method="post", args=lambda o: [o.case_id]
    ),
    Route("referrals:referral_detail", REFERRAL_READERS, args=_ref_out),
    Route("referrals:referral_acknowledge", REFERRAL_RESPONDERS, method="post", args=_ref_in),
    Route("referrals:referral_accept", REFERRAL_RESPONDERS, method="post", args=_ref_in),
    Route("referrals:referral_decline", REFERRAL_RESPONDERS, args=_ref_in),
    Route("referrals:referral_decline", REFERRAL_RESPONDERS, method="post", args=_ref_in),
    Route("referrals:referral_withdraw", REFERRAL_RESPONDERS, args=_ref_out),
    Route("referrals:referral_withdraw", REFERRAL_RESPONDERS, method="post", args=_ref_out),
    # API
    Route("api-1:referrals_list", roles(*CASE_ROLES)),
    Route(
        "api-1:referrals_preview",
        REFERRAL_RESPONDERS,
        data=lambda o: {"case": o.case_id, "receiver": o.world.agency_c.pk},
    ),
    Route(
        "api-1:referrals_create",
        REFERRAL_RESPONDERS,
        method="post",
        json=True,
        data=lambda o: {
            "case_public_id": o.case_id,
            "receiver_organisation_id": o.world.agency_c.pk,
            "reason": "matrix",
            "service_type": "shelter",
        },
    ),
    Route("api-1:referrals_detail", REFERRAL_READERS, args=_ref_out),
    Route(
        "api-1:referrals_acknowledge",
        REFERRAL_RESPONDERS,
        method="post",
        json=True,
        args=_ref_in,
        data=lambda o: {"version": 1},
    ),
    Route(
        "api-1:referrals_accept",
        REFERRAL_RESPONDERS,
        method="post",
        json=True,
        args=_ref_in,
        data=lambda o: {"version": 1},
    ),
    Route(
        "api-1:referrals_decline",
        REFERRAL_RESPONDERS,
        method="post",
        json=True,
        args=_ref_in,
        data=lambda o: {"version": 1, "reason": "matrix"},
    ),
    Route(
        "api-1:referrals_withdraw",
        REFERRAL_RESPONDERS,
        method="post",
        json=True,
        args=_ref_out,
        data=lambda o: {"version": 1, "reason": "matrix"},
    ),
]

# --- issue 4: the transnational referral and its template --------------------------------------


def referral_side(side: str, *allowed: Role, gate: tuple[Role, ...] = CASE_ROLES) -> Expect:
    """A referral both organisations see: ``side`` ("sender" = agency A, "receiver" = agency
    B) with an ``allowed`` role is served; everyone else the gate admits is refused (403)."""

    def expect(p: Principal) -> Outcome:
        if p.role is None:
            return Outcome.LOGIN
        if p.role not in gate:
            return Outcome.DENY
        on_side = (p.org == "a") == (side == "sender")
        return Outcome.ALLOW if on_side and p.role in allowed else Outcome.DENY

    return expect


def _draft(o: Objects) -> list[Any]:
    return [o.transnational_draft_id]


def _accepted(o: Objects) -> list[Any]:
    return [o.transnational_accepted_id]


# --- rows ---------------------------------------------------------------------------------------
TEMPLATE_ROUTES = [
    # create from a case: the owner's REFERRAL_SEND roles; B does not take part in the case (404)
    Route(
        "referrals:transnational_create",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route(
        "referrals:transnational_create",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=lambda o: [o.case_id],
    ),
    # the editor: both sides of a sent referral, every case role (read-only for the interpreter)
    Route("referrals:template_editor", roles(*CASE_ROLES), args=_accepted),
    # one section of a draft: the sender's REFERRAL_SEND roles; the draft is hidden from B;
    # the interpreter may edit nothing (403)
    Route(
        "referrals:template_section_edit",
        case_participants(*CONSENT_ROLES),
        args=lambda o: [o.transnational_draft_id, "header"],
    ),
    Route(
        "referrals:template_section_edit",
        case_participants(*CONSENT_ROLES),
        method="post",
        args=lambda o: [o.transnational_draft_id, "header"],
    ),
    # send a draft (empty POST: redirect with a message)
    Route(
        "referrals:template_send",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=_draft,
    ),
    # a step (empty POST: redirect with a message); both sides reach the view
    Route(
        "referrals:template_step",
        roles(*CASE_ROLES),
        method="post",
        args=lambda o: [o.transnational_accepted_id, "arrival_confirmed"],
    ),
    # follow-up reports: the receiving side only
    Route(
        "referrals:template_follow_up",
        referral_side("receiver", *CONSENT_ROLES, gate=CONSENT_ROLES),
        args=_accepted,
    ),
    Route(
        "referrals:template_follow_up",
        referral_side("receiver", *CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=_accepted,
    ),
    # sharing more or less later (issue 11): the case owner's senders only; the receiver 403
    Route(
        "referrals:referral_sharing",
        referral_side("sender", *CONSENT_ROLES, gate=CONSENT_ROLES),
        args=_accepted,
    ),
    Route(
        "referrals:referral_sharing",
        referral_side("sender", *CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=_accepted,
    ),
    Route(
        "api-1:referrals_sharing",
        referral_side("sender", *CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        json=True,
        args=_accepted,
        data=lambda o: {"version": 0, "groups": []},  # a stale version: 409, nothing written
    ),
    # documents (audited print / export); the gate decides the content, not the access
    Route("referrals:template_document", roles(*CASE_ROLES), args=_accepted),
    Route("referrals:template_pdf", roles(*CASE_ROLES), args=_accepted),
    # the blank template holds no personal data: every member
    Route("referrals:template_blank", any_member),
    # a request kind's blank form holds no personal data either: every member
    Route("referrals:request_blank", any_member, args=lambda o: ["family_check"]),
    # the country's profile: national coordinators, each for its own country
    Route("referrals:template_profile", roles(Role.NATIONAL_COORDINATOR)),
    Route("referrals:template_profile", roles(Role.NATIONAL_COORDINATOR), method="post"),
    # API (empty JSON bodies: 422 for those admitted, before any object is looked up)
    Route(
        "api-1:referrals_transnational_create",
        roles(*CONSENT_ROLES),
        method="post",
        json=True,
    ),
    Route("api-1:referrals_template_profile", roles(Role.NATIONAL_COORDINATOR)),
    Route(
        "api-1:referrals_template_profile_change",
        roles(Role.NATIONAL_COORDINATOR),
        method="put",
        json=True,
    ),
    Route("api-1:referrals_template_get", roles(*CASE_ROLES), args=_accepted),
    Route(
        "api-1:referrals_template_put",
        roles(*CASE_ROLES),
        method="put",
        args=_accepted,
        json=True,
    ),
    Route(
        "api-1:referrals_template_send",
        roles(*CONSENT_ROLES),
        method="post",
        args=_draft,
        json=True,
    ),
    Route(
        "api-1:referrals_template_step",
        roles(*CASE_ROLES),
        method="post",
        args=lambda o: [o.transnational_accepted_id, "close"],
        json=True,
    ),
    Route(
        "api-1:referrals_template_follow_up",
        roles(*CONSENT_ROLES),
        method="post",
        args=_accepted,
        json=True,
    ),
    Route("api-1:referrals_template_pdf", roles(*CASE_ROLES), args=_accepted),
]

# --- issue 4: requests, routing, time limits, export --------------------------------------------


def _req_out(o: Objects) -> list[Any]:
    return [o.request_out_id]


def _req_draft(o: Objects) -> list[Any]:
    return [o.request_draft_id]


def _req_in(o: Objects) -> list[Any]:
    return [o.request_in_id]


REQUEST_SENDERS = case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES)
REQUEST_READERS = case_participants(*CASE_ROLES)
COORDINATORS = roles(Role.NATIONAL_COORDINATOR)
_TIME_LIMIT = {
    "acknowledge_within": 2,
    "acknowledge_unit": "working_days",
    "answer_within": 10,
    "answer_unit": "working_days",
}

REFERRAL_REQUEST_ROUTES: list[Route] = [
    # creating: from a case, or thematic (no case: every sending role of A and B)
    Route("referrals:request_create_for_case", REQUEST_SENDERS, args=lambda o: [o.case_id]),
    Route(
        "referrals:request_create_for_case",
        REQUEST_SENDERS,
        method="post",
        args=lambda o: [o.case_id],
    ),
    Route("referrals:request_create_thematic", roles(*CONSENT_ROLES)),
    Route("referrals:request_create_thematic", roles(*CONSENT_ROLES), method="post"),
    # the sender's steps
    Route("referrals:request_send", REQUEST_SENDERS, method="post", args=_req_draft),
    Route("referrals:request_withdraw", REQUEST_SENDERS, args=_req_out),
    Route("referrals:request_withdraw", REQUEST_SENDERS, method="post", args=_req_out),
    Route("referrals:request_close", REQUEST_SENDERS, method="post", args=_req_out),
    # issue 14: the sender marks it confidential (SOP-P14)
    Route("referrals:referral_confidential", REQUEST_SENDERS, method="post", args=_req_out),
    # the receiver's steps
    Route("referrals:request_acknowledge", REQUEST_SENDERS, method="post", args=_req_in),
    Route("referrals:request_answer", REQUEST_SENDERS, args=_req_in),
    Route("referrals:request_answer", REQUEST_SENDERS, method="post", args=_req_in),
    Route("referrals:request_decline", REQUEST_SENDERS, args=_req_in),
    Route("referrals:request_decline", REQUEST_SENDERS, method="post", args=_req_in),
    Route("referrals:referral_forward", REQUEST_SENDERS, args=_req_in),
    Route("referrals:referral_forward", REQUEST_SENDERS, method="post", args=_req_in),
    # export for a country not on OpenTRM (MD has nobody on the node)
    Route("referrals:referral_export", REQUEST_SENDERS, args=_req_out),
    Route("referrals:referral_export", REQUEST_SENDERS, method="post", args=_req_out),
    Route("referrals:dispatch_record", REQUEST_SENDERS, args=_req_out),
    Route("referrals:dispatch_record", REQUEST_SENDERS, method="post", args=_req_out),
    # the country's settings
    Route("referrals:settings_overview", COORDINATORS),
    Route("referrals:settings_calendar", COORDINATORS),
    Route("referrals:settings_calendar", COORDINATORS, method="post"),
    Route("referrals:settings_time_limit", COORDINATORS, args=lambda o: ["family_check"]),
    Route(
        "referrals:settings_time_limit",
        COORDINATORS,
        method="post",
        args=lambda o: ["family_check"],
    ),
    # API
    Route(
        "api-1:referrals_request_create",
        roles(*CONSENT_ROLES),
        method="post",
        json=True,
        data=lambda o: {
            "kind": "socio_economic_risk",
            "receiver_country": "MD",
            "reason": "matrix",
        },
    ),
    Route("api-1:referrals_request_detail", REQUEST_READERS, args=_req_out),
    Route(
        "api-1:referrals_request_send",
        REQUEST_SENDERS,
        method="post",
        json=True,
        args=_req_draft,
        data=lambda o: {"version": 1, "accept_partial": True},
    ),
    Route(
        "api-1:referrals_request_acknowledge",
        REQUEST_SENDERS,
        method="post",
        json=True,
        args=_req_in,
        data=lambda o: {"version": 1},
    ),
    Route(
        "api-1:referrals_request_answer",
        REQUEST_SENDERS,
        method="post",
        json=True,
        args=_req_in,
        data=lambda o: {"version": 1, "answer": "matrix"},
    ),
    Route(
        "api-1:referrals_request_decline",
        REQUEST_SENDERS,
        method="post",
        json=True,
        args=_req_in,
        data=lambda o: {"version": 1, "reason": "matrix"},
    ),
    Route(
        "api-1:referrals_forward",
        REQUEST_SENDERS,
        method="post",
        json=True,
        args=_req_in,
        data=lambda o: {"version": 1, "to_organisation_id": o.world.agency_c.pk},
    ),
    Route("api-1:referrals_time_limits", COORDINATORS),
    Route(
        "api-1:referrals_time_limit_set",
        COORDINATORS,
        method="put",
        json=True,
        args=lambda o: ["family_check"],
        data=lambda o: _TIME_LIMIT,
    ),
    Route("api-1:referrals_calendar", COORDINATORS),
    Route(
        "api-1:referrals_calendar_set",
        COORDINATORS,
        method="put",
        json=True,
        data=lambda o: {
            "version": 0,
            "weekend_days": [6, 7],
            "holidays": [],
            "allow_direct_routes": False,
        },
    ),
    Route("api-1:referrals_exports", REQUEST_SENDERS, args=_req_out),
    Route(
        "api-1:referrals_confidential",
        REQUEST_SENDERS,
        method="post",
        json=True,
        args=_req_out,
        data=lambda o: {"version": 0, "confidential": True},
    ),
    Route(
        "api-1:referrals_dispatch_record",
        REQUEST_SENDERS,
        method="post",
        json=True,
        args=_req_out,
        data=lambda o: {"version": 1, "channel": "email", "sent_on": "2026-01-01"},
    ),
]

ROUTES += ASSESSMENT_ROUTES + ROUTES_SERVICES + ROUTES_DOCUMENTS + AGREEMENT_ROUTES
# --- issue 4: importing a referral from a country not on OpenTRM --------------------------------

REFERRAL_IMPORT_ROUTES: list[Route] = [
    Route("referrals:referral_import", roles(*CONSENT_ROLES)),
    Route("referrals:referral_import", roles(*CONSENT_ROLES), method="post"),
    Route("api-1:referrals_import", roles(*CONSENT_ROLES), method="post"),
]
# ROUTES += REFERRAL_IMPORT_ROUTES

# --- issue 5: node identity, peers, the exchange dashboard ------------------------------------

EXCHANGE_ADMIN = roles(Role.SYSTEM_ADMINISTRATOR)


def _dead_letter(o: Objects) -> list[Any]:
    return [o.exchange_message_id]


EXCHANGE_ROUTES: list[Route] = [
    # exchange: node identity and peers
    Route("node_document", public),
    Route("exchange:peer_list", roles(Role.SYSTEM_ADMINISTRATOR)),
    Route("exchange:peer_register", roles(Role.SYSTEM_ADMINISTRATOR)),
    Route("exchange:peer_register", roles(Role.SYSTEM_ADMINISTRATOR), method="post"),
    Route("exchange:peer_detail", roles(Role.SYSTEM_ADMINISTRATOR), args=lambda o: [o.peer_id]),
    Route(
        "exchange:peer_confirm",
        roles(Role.SYSTEM_ADMINISTRATOR),
        method="post",
        args=lambda o: [o.peer_id],
    ),
    Route(
        "exchange:peer_suspend",
        roles(Role.SYSTEM_ADMINISTRATOR),
        method="post",
        args=lambda o: [o.peer_id],
    ),
    Route(
        "exchange:peer_resume",
        roles(Role.SYSTEM_ADMINISTRATOR),
        method="post",
        args=lambda o: [o.peer_id],
    ),
    Route(
        "exchange:peer_refresh",
        roles(Role.SYSTEM_ADMINISTRATOR),
        method="post",
        args=lambda o: [o.peer_id],
    ),
    Route("exchange_dashboard:dashboard", EXCHANGE_ADMIN),
    Route("exchange_dashboard:dead_letters", EXCHANGE_ADMIN),
    Route("exchange_dashboard:dead_letter_retry", EXCHANGE_ADMIN, method="post", args=_dead_letter),
    Route(
        "exchange_dashboard:dead_letters_retry",
        EXCHANGE_ADMIN,
        method="post",
        data=lambda o: {"scope": "selected", "message_id": o.exchange_message_id},
    ),
    Route("api-1:exchange_peer_stats", EXCHANGE_ADMIN),
    Route("api-1:exchange_dead_letters", EXCHANGE_ADMIN),
    Route(
        "api-1:exchange_dead_letters_retry",
        EXCHANGE_ADMIN,
        method="post",
        data=lambda o: {"message_ids": [o.exchange_message_id]},
        json=True,
    ),
    Route(
        "api-1:exchange_dead_letter_retry",
        EXCHANGE_ADMIN,
        method="post",
        args=_dead_letter,
        json=True,
    ),
]

ROUTES += REFERRAL_NATIONAL_ROUTES + TEMPLATE_ROUTES + REFERRAL_REQUEST_ROUTES
ROUTES += REFERRAL_IMPORT_ROUTES + EXCHANGE_ROUTES

# --- issue 19: the portal ------------------------------------------------------------------------
# Public pages answer everyone the same, without reading the session; members' pages need a login;
# a profile is edited by the editors (directory editors, national coordinators) of its country.

PORTAL_EDITORS = (Role.NATIONAL_COORDINATOR, Role.DIRECTORY_EDITOR)


def _portal_term(o: Objects) -> list[Any]:
    term, _made = GlossaryTerm.objects.get_or_create(slug="matrix-term")
    GlossaryText.objects.get_or_create(
        term=term, language="sq", defaults={"name": "Termi", "definition": "Përkufizimi."}
    )
    return ["sq", term.slug]


def _portal_profile(o: Objects) -> list[Any]:
    CountryProfile.objects.get_or_create(country=o.world.country_a)
    return ["sq", o.world.country_a.code]


def _portal_item(o: Objects, visibility: str) -> list[Any]:
    item, _made = Resource.objects.get_or_create(
        title=f"Matrix {visibility} link",
        defaults={
            "kind": "law",
            "language": "en",
            "owner": o.world.agency_a,
            "url": "https://example.test/law",
            "visibility": visibility,
        },
    )
    return [item.pk]


def _portal_national_term(o: Objects) -> list[Any]:
    term = GlossaryTerm.objects.get(slug=_portal_term(o)[1])
    national, _made = NationalTerm.objects.get_or_create(
        term=term, country=o.world.country_a, name="Termi i ligjit", defaults={"language": "sq"}
    )
    return [national.pk]


PORTAL_ROUTES: list[Route] = [
    Route("portal:home", public, args=lambda o: ["sq"]),
    Route("portal:glossary", public, args=lambda o: ["sq"]),
    Route("portal:glossary_term", public, args=_portal_term),
    Route("portal:sop_list", public, args=lambda o: ["sq"]),
    Route("portal:sop_guide", public, args=lambda o: ["sq", "sop1"]),
    Route("portal:country_list", public, args=lambda o: ["sq"]),
    Route("portal:country_profile", public, args=_portal_profile),
    Route("portal:library", public, args=lambda o: ["sq"]),
    Route("portal:search", public, args=lambda o: ["sq"], data=lambda o: {"q": "viktimë"}),
    Route("portal:resource_file", public, args=lambda o: _portal_item(o, "public")),
    Route("portal:member_library", any_member),
    Route(
        "portal:resource_review",
        roles(*PORTAL_EDITORS, own_only=True),
        method="post",
        args=lambda o: _portal_item(o, "members"),
        data=lambda o: {"version": 1},
    ),
    Route(
        "portal:resource_delete",
        roles(*PORTAL_EDITORS, own_only=True),
        method="post",
        args=lambda o: _portal_item(o, "members"),
        data=lambda o: {"version": 1, "reason": "outdated"},
    ),
    Route("portal:national_terms", roles(*PORTAL_EDITORS), args=lambda o: _portal_term(o)[1:]),
    Route(
        "portal:national_terms",
        roles(*PORTAL_EDITORS),
        method="post",
        args=lambda o: _portal_term(o)[1:],
        data=lambda o: {"name": "Termi kombëtar", "language": "sq"},
    ),
    Route(
        "portal:national_term_remove",
        roles(*PORTAL_EDITORS, own_only=True),
        method="post",
        args=_portal_national_term,
    ),
    Route("portal:member_search", any_member, data=lambda o: {"q": "victim"}),
    Route("portal:resource_create", roles(*PORTAL_EDITORS)),
    Route("portal:resource_create", roles(*PORTAL_EDITORS), method="post"),
    Route("portal:country_contacts", any_member, args=lambda o: [o.world.country_a.code]),
    Route(
        "portal:profile_edit",
        roles(*PORTAL_EDITORS, own_only=True),
        args=lambda o: [o.world.country_a.code],
    ),
    Route(
        "portal:profile_edit",
        roles(*PORTAL_EDITORS, own_only=True),
        method="post",
        args=lambda o: [o.world.country_a.code],
    ),
]
ROUTES += PORTAL_ROUTES


# --- issue 19: the training register and meetings ---------------------------------------------

TRAINING_RECORDERS = (Role.NATIONAL_COORDINATOR, Role.DIRECTORY_EDITOR)
MEETING_RECORDERS = (Role.NATIONAL_COORDINATOR, Role.CASE_MANAGER)


def country_a(*allowed: Role) -> Expect:
    """An object of country A that no organisation of B takes part in: hidden from B; in A,
    ``allowed`` roles are served and the others refused."""

    def expect(p: Principal) -> Outcome:
        if p.role is None:
            return Outcome.LOGIN
        if p.org != "a":
            return Outcome.HIDDEN
        return Outcome.ALLOW if p.role in allowed else Outcome.DENY

    return expect


def case_meeting(*allowed: Role) -> Expect:
    """A meeting on the matrix case: hidden from whoever does not see the case (B, and roles
    without case work); in A, ``allowed`` roles (by their access to its field group) served."""

    def expect(p: Principal) -> Outcome:
        if p.role is None:
            return Outcome.LOGIN
        if p.org != "a" or p.role not in CASE_ROLES:
            return Outcome.HIDDEN
        return Outcome.ALLOW if p.role in allowed else Outcome.DENY

    return expect


def _training(o: Objects) -> list[Any]:
    return [o.training_event_id]


def _roundtable(o: Objects) -> list[Any]:
    return [o.roundtable.pk]


def _conference(o: Objects) -> list[Any]:
    return [o.case_conference_id]


ASSISTANCE_READERS = (
    Role.CASE_MANAGER,
    Role.CASEWORKER,
    Role.POLICE_INVESTIGATOR,
    Role.GUARDIAN,
)
ASSISTANCE_WRITERS = (Role.CASE_MANAGER, Role.CASEWORKER, Role.GUARDIAN)

TRAINING_MEETING_ROUTES: list[Route] = [
    Route("training:event_list", any_member),
    Route("training:trained", any_member),
    Route("training:event_create", roles(*TRAINING_RECORDERS)),
    Route("training:event_create", roles(*TRAINING_RECORDERS), method="post"),
    Route("training:event_detail", country_a(*Role), args=_training),
    Route(
        "training:event_edit",
        roles(*TRAINING_RECORDERS, own_only=True, other=Outcome.HIDDEN),
        args=_training,
    ),
    Route(
        "training:event_edit",
        roles(*TRAINING_RECORDERS, own_only=True, other=Outcome.HIDDEN),
        method="post",
        args=_training,
    ),
    Route(
        "training:attendance_add",
        roles(*TRAINING_RECORDERS, own_only=True, other=Outcome.HIDDEN),
        method="post",
        args=_training,
    ),
    Route(
        "training:attendance_remove",
        roles(*TRAINING_RECORDERS, own_only=True, other=Outcome.HIDDEN),
        method="post",
        args=_training,
    ),
    # meetings of a country
    Route("meetings:meeting_list", any_member),
    Route("meetings:my_action_items", any_member),
    Route("meetings:meeting_create", roles(*MEETING_RECORDERS)),
    Route("meetings:meeting_create", roles(*MEETING_RECORDERS), method="post"),
    Route("meetings:meeting_detail", country_a(*Role), args=_roundtable),
    Route("meetings:meeting_edit", country_a(*MEETING_RECORDERS), args=_roundtable),
    Route("meetings:meeting_edit", country_a(*MEETING_RECORDERS), method="post", args=_roundtable),
    Route(
        "meetings:participant_add",
        country_a(*MEETING_RECORDERS),
        method="post",
        args=_roundtable,
    ),
    Route("meetings:decision_add", country_a(*MEETING_RECORDERS), method="post", args=_roundtable),
    Route(
        "meetings:action_item_add",
        country_a(*MEETING_RECORDERS),
        method="post",
        args=_roundtable,
    ),
    # its owner (agency A's case manager) or the roundtable's recorders
    Route(
        "meetings:action_item_done",
        country_a(*MEETING_RECORDERS),
        method="post",
        args=lambda o: [o.action_item_id],
    ),
    # a meeting on a case: the case's assistance field group decides
    Route("meetings:meeting_detail", case_meeting(*ASSISTANCE_READERS), args=_conference),
    Route("meetings:meeting_edit", case_meeting(*ASSISTANCE_WRITERS), args=_conference),
    Route(
        "meetings:meeting_edit",
        case_meeting(*ASSISTANCE_WRITERS),
        method="post",
        args=_conference,
    ),
    Route(
        "meetings:decision_add", case_meeting(*ASSISTANCE_WRITERS), method="post", args=_conference
    ),
    Route(
        "meetings:case_meeting_create",
        case_participants(*ASSISTANCE_WRITERS),
        args=lambda o: [o.case_id],
    ),
    Route(
        "meetings:case_meeting_create",
        case_participants(*ASSISTANCE_WRITERS),
        method="post",
        args=lambda o: [o.case_id],
    ),
    # the minutes of a meeting scheduled on an agreement: those who may change the agreement
    Route(
        "meetings:agreement_meeting_record",
        AGREEMENT_EDIT,
        method="post",
        args=lambda o: [o.meeting_id],
    ),
]
TRAINING_MEETING_ROUTES += [
    Route("api-1:training_events", any_member),
    Route("api-1:meetings_action_items", any_member),
]
ROUTES += TRAINING_MEETING_ROUTES

# --- issue 15 §8: monitoring the mechanism (action plan, anonymous feedback) -------------------

PLAN_WRITERS = roles(Role.NATIONAL_COORDINATOR, own_only=True, other=Outcome.HIDDEN)
FEEDBACK_CODE_HOLDERS = (
    Role.CASE_MANAGER,
    Role.CASEWORKER,
    Role.POLICE_INVESTIGATOR,
    Role.PROSECUTOR,
    Role.GUARDIAN,
)
FEEDBACK_READERS = (Role.NATIONAL_COORDINATOR, Role.STATISTICIAN, Role.EVALUATOR)


def _plan_action(o: Objects) -> Any:
    """An action under objective 1 of a plan of country A, by A's national coordinator."""
    from opentrm.monitoring.tests.factories import make_action, make_objective, make_plan

    return make_action(o.world, make_objective(o.world, make_plan(o.world)))


def _plan(o: Objects) -> list[Any]:
    return [_plan_action(o).objective.plan_id]


def _objective(o: Objects) -> list[Any]:
    return [_plan_action(o).objective_id]


def _action(o: Objects) -> list[Any]:
    return [_plan_action(o).pk]


def _feedback_code(o: Objects) -> list[Any]:
    from opentrm.monitoring.feedback import feedback_code_issue

    return [feedback_code_issue(actor=o.world.actor(Role.CASEWORKER)).code]


def _plan_form(o: Objects) -> dict[str, Any]:
    return {"title": "Matrix plan", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}


MONITORING_ROUTES: list[Route] = [
    Route("monitoring:plan_list", any_member),
    Route("monitoring:plan_create", roles(Role.NATIONAL_COORDINATOR)),
    Route("monitoring:plan_create", roles(Role.NATIONAL_COORDINATOR), "post", data=_plan_form),
    Route("monitoring:plan_detail", country_a(*Role), args=_plan),
    Route("monitoring:plan_export", country_a(*Role), args=_plan),
    Route("monitoring:action_detail", country_a(*Role), args=_action),
    Route("monitoring:feedback_code", roles(*FEEDBACK_CODE_HOLDERS)),
    Route("monitoring:feedback_code", roles(*FEEDBACK_CODE_HOLDERS), method="post"),
    Route("monitoring:feedback_report", roles(*FEEDBACK_READERS)),
    # the public feedback form: no login, for everyone
    Route("feedback:start", public),
    Route("feedback:thanks", public),
    Route("feedback:answer", public, args=_feedback_code),
    Route(
        "feedback:answer",
        public,
        method="post",
        args=_feedback_code,
        data=lambda o: {"satisfaction": "5", "felt_safe": "yes"},
    ),
    Route("api-1:monitoring_plans", any_member),
    Route("api-1:monitoring_plan", country_a(*Role), args=_plan),
    Route("api-1:monitoring_feedback", roles(*FEEDBACK_READERS)),
]
# Writing the plan: only the national coordinator of the plan's country; everyone else refused.
for _name, _args in (
    ("monitoring:plan_edit", _plan),
    ("monitoring:objective_create", _plan),
    ("monitoring:objective_edit", _objective),
    ("monitoring:action_create", _objective),
    ("monitoring:action_edit", _action),
):
    MONITORING_ROUTES += [
        Route(_name, PLAN_WRITERS, args=_args),
        Route(_name, PLAN_WRITERS, method="post", args=_args),
    ]
ROUTES += MONITORING_ROUTES

# Routes served by a library, not by our views: named here so the completeness check knows them.
LIBRARY_ROUTES = {"api-1:api-root"}
# Authenticated by the package's signature, not by a session: every principal gets 400 for an
# empty body. Its refusals are tested one by one in opentrm/exchange/tests/test_inbox.py.
PROTOCOL_ROUTES = {"exchange:inbox"}  # ninja's index of /api/v1/: 404 for everyone


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
    declared = {route.name for route in ROUTES} | LIBRARY_ROUTES | PROTOCOL_ROUTES
    served = _route_names(get_resolver().url_patterns)
    assert served - declared == set(), "routes without a row in the authorization matrix"
    assert declared - served == set(), "rows for routes that no longer exist"


@pytest.fixture(scope="module", autouse=True)
def _production_token_roles() -> Iterator[None]:
    """The matrix checks the node's default: API tokens only for the roles that need them (the
    rest of the suite lets every role hold one, settings_test.py)."""
    roles = [role.value for role in DEFAULT_API_TOKEN_ROLES]
    with override_settings(API_TOKEN_ROLES=roles):
        yield


@pytest.fixture(scope="module", autouse=True)
def _pdf_laid_out_once_per_document() -> Iterator[None]:
    """Many principals fetch the same document: WeasyPrint lays out each distinct one once.

    The template is still rendered for every request, and a request whose HTML differs (another
    gate, another language, another minute) gets its own PDF; the layout itself is tested in
    the apps' PDF tests. An identical input is the only thing reused.
    """
    try:
        from opentrm.core import pdf_engine
    except OSError:  # no Pango: the routes answer without WeasyPrint
        yield
        return
    original = pdf_engine.write_pdf
    made: dict[tuple[str, str, str | None, tuple[str, ...]], bytes] = {}

    def write_pdf(template_name: str, context: Mapping[str, Any], **options: Any) -> bytes:
        sheets = tuple(options.pop("stylesheets", ()))
        html = render_to_string(template_name, dict(context))
        key = (template_name, html, options.get("base_url"), sheets)
        if key not in made:
            made[key] = original(template_name, context, stylesheets=sheets, **options)
        return made[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_engine, "write_pdf", write_pdf)
        yield


@pytest.fixture(scope="module")
def session_cookies(
    _shared_world: WorldRows, django_db_blocker: DjangoDbBlocker
) -> dict[Principal, SimpleCookie]:
    """Each principal logs in once per module; each request starts from a copy of its cookies.

    The sessions (and the log-in audit events) are rows of the module's shared world, written in
    its transaction and rolled back with it.
    """
    cookies: dict[Principal, SimpleCookie] = {}
    with django_db_blocker.unblock():
        world = _shared_world.load()
        for principal in PRINCIPALS:
            client = Client()
            if principal.role is not None:
                members = world.members_a if principal.org == "a" else world.members_b
                client.force_login(members[principal.role].user)
                # Every request is rolled back, its session renewal too: on a loaded machine
                # the module outlasts the 30-minute idle time-out, so the sessions last a day.
                session = client.session
                session.set_expiry(24 * 3600)
                session.save()
            cookies[principal] = client.cookies
    return cookies


def _outcome(route: Route, status: int, location: str) -> Outcome | str:
    login = reverse("accounts:login")
    if status == 401 or (
        status == 302 and location.startswith(login) and route.name != "accounts:logout"
    ):
        return Outcome.LOGIN
    if status == 403:
        return Outcome.DENY
    if status == 404:
        return Outcome.HIDDEN
    if status >= 400 and status not in (409, 422):
        return f"answered {status}"
    return Outcome.ALLOW


@pytest.fixture(scope="module")
def matrix_client() -> Client:
    """One test client (one request handler, its middleware loaded once, as a server process
    keeps it) for the module's requests; each request brings its own principal's cookies."""
    return Client()


def _request_as(
    client: Client, cookies: SimpleCookie, route: Route, url: str, data: dict[str, Any]
) -> Outcome | str:
    """One request with a copy of ``cookies`` only; whatever it writes is rolled back afterwards."""
    client.cookies = copy.deepcopy(cookies)
    savepoint = transaction.atomic()
    # Like the test's own block (django.test.TestCase): a durable block inside stays allowed.
    savepoint._from_testcase = True  # type: ignore[attr-defined]
    with savepoint:
        try:
            if route.json:
                response = getattr(client, route.method)(
                    url, json.dumps(data), content_type="application/json"
                )
            else:
                response = getattr(client, route.method)(url, data)
        except Exception as error:
            return f"raised {error!r}"
        finally:
            transaction.set_rollback(True)
    return _outcome(route, response.status_code, response.get("Location", ""))


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_authorization_matrix(
    world: World,
    session_cookies: dict[Principal, SimpleCookie],
    matrix_client: Client,
    route: Route,
) -> None:
    """The route's objects are made once; each principal's request runs in a savepoint rolled
    back after it, so every principal meets the same state. Every mismatch is reported."""
    objects = make_objects(world)
    url = reverse(route.name, args=route.args(objects))
    data = route.data(objects)
    failures = []
    for principal in PRINCIPALS:
        got = _request_as(matrix_client, session_cookies[principal], route, url, data)
        expected = route.expect(principal)
        if got != expected:
            shown = got if isinstance(got, str) else got.value
            failures.append(f"{route} as {principal}: expected {expected.value}, got {shown}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


# --- issue 12: the home page and notifications ------------------------------------------------


def _notification_of_caseworker_a(o: Objects) -> list[Any]:
    """A notification of agency A's caseworker: hers to open, missing to everyone else."""
    from opentrm.notifications.models import Kind, Notification

    notification = Notification.objects.create(
        recipient=o.world.user(Role.CASEWORKER),
        kind=Kind.TASK_ASSIGNED,
        reference="2026-MATRIX",
        path=reverse("notifications:home"),
    )
    return [notification.pk]


NOTIFICATION_ROUTES = [
    Route("notifications:home", any_member),
    Route("notifications:notification_list", any_member),
    Route("notifications:notifications_read", any_member, method="post"),
    Route("notifications:preference_edit", any_member),
    Route(
        "notifications:preference_edit",
        any_member,
        method="post",
        data=lambda o: {"email": "every"},
    ),
    Route(
        "notifications:notification_open",
        owner(Role.CASEWORKER),
        args=_notification_of_caseworker_a,
    ),
]
ROUTES += NOTIFICATION_ROUTES


# --- issue 14 part A: the case's data, statuses, closure, information given ------------------

_PROCEEDINGS_EDIT = (Role.CASE_MANAGER, Role.POLICE_INVESTIGATOR, Role.PROSECUTOR)
_DATA_EDIT = tuple(role for role in CASE_ROLES if role != Role.INTERPRETER)


def _closed_case(o: Objects) -> list[Any]:
    """A case of agency A closed by its case manager: only reopening writes to it."""
    from opentrm.cases.services import case_close
    from opentrm.cases.tests.factories import assign_interpreter

    case = case_register(actor=o.world.actor(Role.CASEWORKER))
    assign_interpreter(o.world, case)  # an interpreter sees only the cases assigned
    case_close(actor=o.world.actor(Role.CASE_MANAGER), case=case, reason="completed")
    return [str(case.public_id)]


def _case_and(word: str) -> Callable[[Objects], list[Any]]:
    return lambda o: [o.case_id, word]


CASE_DATA_ROUTES = [
    Route("cases:case_data_edit", case_participants(*_DATA_EDIT), args=lambda o: [o.case_id]),
    Route(
        "cases:status_override",
        case_participants(*ASSISTANCE_EDIT),
        args=_case_and("assistance"),
    ),
    Route(
        "cases:status_override",
        case_participants(*_PROCEEDINGS_EDIT),
        method="post",
        args=_case_and("witness"),
        data=lambda o: {"value": "witness", "reason": "Matrix"},
    ),
    Route(
        "cases:status_override_end",
        case_participants(*_PROCEEDINGS_EDIT),
        method="post",
        args=_case_and("witness"),
    ),
    # Closing and reopening: a case manager of the owner only; everyone else is refused.
    Route("cases:case_close", case_participants(Role.CASE_MANAGER), args=lambda o: [o.case_id]),
    Route(
        "cases:case_close",
        case_participants(Role.CASE_MANAGER),
        method="post",
        args=lambda o: [o.case_id],
        data=lambda o: {"reason": "completed"},
    ),
    Route("cases:case_reopen", case_participants(Role.CASE_MANAGER), args=_closed_case),
    Route(
        "cases:case_reopen",
        case_participants(Role.CASE_MANAGER),
        method="post",
        args=_closed_case,
        data=lambda o: {"reason": "Matrix"},
    ),
    Route(
        "cases:information_create",
        case_participants(*ASSISTANCE_EDIT),
        args=lambda o: [o.case_id],
    ),
    Route("api-1:cases_case_data", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route(
        "api-1:cases_case_data_update",
        case_participants(*_PROCEEDINGS_EDIT),
        method="put",
        json=True,
        args=lambda o: [o.case_id],
        data=lambda o: {"version": 1, "references": {"court_reference": "K-1"}},
    ),
    Route("api-1:cases_case_statuses", case_participants(*CASE_ROLES), args=lambda o: [o.case_id]),
    Route(
        "api-1:cases_case_status_override",
        case_participants(*_PROCEEDINGS_EDIT),
        method="post",
        json=True,
        args=_case_and("witness"),
        data=lambda o: {"value": "witness", "reason": "Matrix"},
    ),
    Route(
        "api-1:cases_case_status_derive",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=_case_and("assistance"),
    ),
    Route(
        "api-1:cases_case_closure_list",
        case_participants(*CASE_ROLES),
        args=lambda o: [o.case_id],
    ),
    Route(
        "api-1:cases_case_close",
        case_participants(Role.CASE_MANAGER),
        method="post",
        json=True,
        args=lambda o: [o.case_id],
        data=lambda o: {"reason": "completed"},
    ),
    Route(
        "api-1:cases_case_reopen",
        case_participants(Role.CASE_MANAGER),
        method="post",
        json=True,
        args=_closed_case,
        data=lambda o: {"reason": "Matrix"},
    ),
    Route(
        "api-1:cases_information_list",
        case_participants(*ASSISTANCE_VIEW),
        args=lambda o: [o.case_id],
    ),
    Route(
        "api-1:cases_information_record",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        json=True,
        args=lambda o: [o.case_id],
        data=lambda o: {
            "given_on": timezone.localdate().isoformat(),
            "language": "sq",
            "format": "oral",
            "topics": ["assistance"],
        },
    ),
]
ROUTES += CASE_DATA_ROUTES
# --- issue 14 part C: measures, identification, reflection, tasks, child safeguards by API ---

CHILD_VIEWERS = tuple(role for role in CASE_ROLES if role != Role.INTERPRETER)


def _today(o: Objects) -> str:
    return timezone.localdate().isoformat()


CASEWORK_API_ROUTES = [
    *[
        Route(name, case_participants(*CASE_ROLES), args=_case)
        for name in (
            "api-1:cases_measures",
            "api-1:cases_identification",
            "api-1:cases_reflection_periods",
            "api-1:cases_tasks",
        )
    ],
    Route(
        "api-1:cases_measure_plan",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {"code": UNPLANNED_MEASURE},
    ),
    Route(
        "api-1:cases_measure_update",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="patch",
        args=lambda o: [o.case_id, PLANNED_MEASURE],
        json=True,
        data=lambda o: {"version": 1, "status": "in_progress"},
    ),
    Route(
        "api-1:cases_identification_record",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {"outcome": "identified", "decided_on": _today(o)},
    ),
    Route(
        "api-1:cases_reflection_start",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {},
    ),
    Route(
        "api-1:cases_task_create",
        case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {"title": "matrix", "due_on": _today(o)},
    ),
    *[
        Route(
            name,
            case_participants(*CONSENT_ROLES, gate=CONSENT_ROLES),
            method="post",
            args=lambda o: [o.case_id, o.task_id],
            json=True,
            data=lambda o: {"version": 1},
        )
        for name in ("api-1:cases_task_complete", "api-1:cases_task_reopen")
    ],
    Route("api-1:cases_child", case_participants(*CHILD_VIEWERS), args=_case),
    Route(
        "api-1:cases_child_update",
        case_participants(Role.CASE_MANAGER, Role.GUARDIAN),
        method="patch",
        args=_case,
        json=True,
        data=lambda o: {"version": 0, "guardian_name": "Matrix guardian"},
    ),
]
ROUTES += CASEWORK_API_ROUTES

# --- issue 14 part C: request kinds as data, escalation of an informal request ---------------

ESCALATION_ROUTES = [
    Route("api-1:referrals_request_kinds", roles(*CASE_ROLES)),
    Route("referrals:request_escalate", REQUEST_SENDERS, args=_req_out),
    Route(
        "referrals:request_escalate",
        REQUEST_SENDERS,
        method="post",
        args=_req_out,
        data=lambda o: {"formality": "formal", "channel": "central_authority", "reason": "m"},
    ),
    Route(
        "api-1:referrals_request_escalate",
        REQUEST_SENDERS,
        method="post",
        args=_req_out,
        json=True,
        data=lambda o: {"formality": "formal", "reason": "matrix"},
    ),
]
ROUTES += ESCALATION_ROUTES

# --- issue 14 part C: follow-up visits after return, labour inspections ----------------------


def _visit(o: Objects) -> list[Any]:
    from opentrm.cases.models import FollowUpVisit

    visit = FollowUpVisit.objects.create(
        case=o.case,
        organisation=o.world.agency_a,
        due_on=timezone.localdate(),
        scheduled_by=o.world.user(Role.CASEWORKER),
    )
    return [o.case_id, visit.pk]


def _inspectorate(o: Objects) -> list[Any]:
    """Agency A acts as a labour inspectorate for these routes (B does not)."""
    Organisation.objects.filter(pk=o.world.agency_a.pk).update(type="labour_inspectorate")
    return []


def _inspection(o: Objects) -> list[Any]:
    from opentrm.cases.models import LabourInspection

    _inspectorate(o)
    inspection = LabourInspection.objects.create(
        organisation=o.world.agency_a,
        inspected_on=timezone.localdate(),
        trigger="complaint",
        classification="forced_labour",
        recorded_by=o.world.user(Role.CASEWORKER),
    )
    return [inspection.pk]


INSPECTORS = roles(*CONSENT_ROLES, own_only=True)
_VISIT_RECORD = {"version": 1, "visited_on": "2026-01-05", "outcome": "no_risk"}

AFTERCARE_ROUTES = [
    Route("cases:visit_schedule", case_participants(*ASSISTANCE_EDIT), args=_case),
    Route(
        "cases:visit_schedule",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=_case,
        data=lambda o: {"first_on": _today(o), "every_days": 30, "count": 2},
    ),
    Route("cases:visit_record", case_participants(*ASSISTANCE_EDIT), args=_visit),
    Route(
        "cases:visit_record",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=_visit,
        data=lambda o: _VISIT_RECORD,
    ),
    Route("api-1:cases_visits", case_participants(*ASSISTANCE_VIEW), args=_case),
    Route(
        "api-1:cases_visit_schedule",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=_case,
        json=True,
        data=lambda o: {"first_on": _today(o)},
    ),
    Route(
        "api-1:cases_visit_record",
        case_participants(*ASSISTANCE_EDIT),
        method="post",
        args=_visit,
        json=True,
        data=lambda o: _VISIT_RECORD,
    ),
    Route("cases:labour_list", INSPECTORS, args=_inspectorate),
    Route("cases:labour_create", INSPECTORS, args=_inspectorate),
    Route(
        "cases:labour_create",
        INSPECTORS,
        method="post",
        args=_inspectorate,
        data=lambda o: {
            "inspected_on": _today(o),
            "trigger": "complaint",
            "classification": "none",
        },
    ),
    Route("cases:labour_detail", INSPECTORS, args=_inspection),
    Route("cases:labour_register_case", INSPECTORS, method="post", args=_inspection),
    Route("api-1:labour_inspections", INSPECTORS, args=_inspectorate),
    Route(
        "api-1:labour_inspection_record",
        INSPECTORS,
        method="post",
        args=_inspectorate,
        json=True,
        data=lambda o: {"inspected_on": _today(o), "trigger": "planned", "classification": "none"},
    ),
    Route("api-1:labour_inspection_case", INSPECTORS, method="post", args=_inspection),
]
ROUTES += AFTERCARE_ROUTES

# --- issue 15 §6: research datasets --------------------------------------------------------

RESEARCHERS = (Role.NATIONAL_COORDINATOR, Role.STATISTICIAN)


def _research_dataset(o: Objects) -> list[Any]:
    """A k-anonymous export of country A (of no case: what is checked is who reaches it)."""
    from opentrm.research.services import kanon_generate

    return [kanon_generate(actor=o.world.actor(Role.STATISTICIAN)).pk]


RESEARCH_ROUTES = [
    Route("research:dataset_list", roles(*RESEARCHERS)),
    Route(
        "research:dataset_list",
        roles(*RESEARCHERS),
        method="post",
        data=lambda o: {"kind": "kanon", "k": "11"},
    ),
    Route(
        "research:dataset_download",
        roles(*RESEARCHERS, own_only=True, other=Outcome.HIDDEN),
        args=_research_dataset,
    ),
]
ROUTES += RESEARCH_ROUTES
# --- issue 15: statistics (aggregates only) ----------------------------------------------------

STATS_ROLES = (Role.NATIONAL_COORDINATOR, Role.STATISTICIAN, Role.EVALUATOR)
STATS_ROUTES = [
    Route("stats:dashboard", roles(*STATS_ROLES)),
    Route("stats:dashboard", roles(*STATS_ROLES), data=lambda o: {"export": "csv"}),
    Route("stats:dashboard", roles(*STATS_ROLES), data=lambda o: {"export": "xlsx"}),
    Route("stats:htcds_export", roles(*STATS_ROLES)),
    Route("api-1:stats_indicators", roles(*STATS_ROLES)),
    Route("api-1:stats_table", roles(*STATS_ROLES), data=lambda o: {"breakdown": "sex"}),
    Route("api-1:stats_htcds", roles(*STATS_ROLES)),
    # the annual report for the national rapporteur (the evaluator account of the rapporteur's
    # office) and the coordinator; a PDF of aggregates, audited
    Route(
        "stats:annual_report",
        roles(Role.NATIONAL_COORDINATOR, Role.EVALUATOR),
        data=lambda o: {"year": "2025"},
    ),
]
ROUTES += STATS_ROUTES

# A case, a person or a referral: every route that opens one, by name.
_RECORD_ROUTES = ("cases:", "referrals:", "api-1:cases_", "api-1:referrals_", "api-1:labour_")
# Blank paper forms (the referral template, a request form): no record in them.
_BLANK_FORMS = {"referrals:template_blank", "referrals:request_blank"}


@pytest.mark.parametrize("role", [Role.STATISTICIAN, Role.EVALUATOR])
def test_statistician_and_evaluator_open_no_case_person_or_referral_route(role: Role) -> None:
    """The rows above are checked request by request in ``test_authorization_matrix``; here:
    none of them lets the aggregate roles in, in their own organisation or abroad."""
    record_routes = [
        route
        for route in ROUTES
        if route.name.startswith(_RECORD_ROUTES) and route.name not in _BLANK_FORMS
    ]
    assert len(record_routes) > 100
    let_in = [
        f"{route} as {principal}"
        for route in record_routes
        for principal in (Principal(role, "a"), Principal(role, "b"))
        if route.expect(principal) == Outcome.ALLOW
    ]
    assert let_in == []
