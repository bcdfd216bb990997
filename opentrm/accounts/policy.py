"""The one place that decides what a user may do.

A user acts for one membership (organisation x role) at a time: the ``Actor``. Views, API
routes, ``visible_to`` querysets and ``access_*`` functions all ask this module, and nothing else
decides a permission. The role x action matrix is data (``ROLE_ACTIONS``), so a reviewer reads
it in one screen and the authorization-matrix test checks it route by route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from opentrm.accounts.models import Membership, RoleGrant, User
from opentrm.accounts.roles import Role


class Action(StrEnum):
    DIRECTORY_VIEW = "directory.view"
    DIRECTORY_EXPORT = "directory.export"
    DIRECTORY_EDIT = "directory.edit"  # scoped to the actor's own country
    DIRECTORY_IMPORT = "directory.import"  # scoped to the actor's own country
    AUDIT_VIEW = "audit.view"
    MEMBERS_MANAGE = "members.manage"  # scoped to the actor's own organisation
    ACCOUNT_OWN = "account.own"  # one's own account page, password, memberships
    API_TOKENS_OWN = "api_tokens.own"  # only the roles in settings.API_TOKEN_ROLES
    CASE_REGISTER = "case.register"  # open a case for a (presumed) trafficked person
    CASE_VIEW = "case.view"  # scoped to cases the actor's organisation takes part in
    CONSENT_RECORD = "consent.record"  # record or withdraw a consent on a visible case
    TASK_MANAGE = "task.manage"  # add, complete, reopen tasks on a visible case; plan contacts
    # measures (issue 3 §3-§5)
    MEASURE_EDIT = "measure.edit"  # plan and update measures, start a reflection period
    IDENTIFICATION_RECORD = "identification.record"  # formal: only the country's roles
    CASE_SETTINGS_EDIT = "case_settings.edit"  # scoped to the actor's own country
    # the rest of the case file (issue 3 §7-§12); the field group of the data decides further
    NOTE_ADD = "note.add"
    DOCUMENT_ADD = "document.add"
    CASE_PARTICIPANTS_MANAGE = "case_participants.manage"  # case managers of the owner
    # referrals (issue 4 §2-§10); scoped to referrals the actor's organisation sent or received
    REFERRAL_SEND = "referral.send"  # refer a case the actor's organisation takes part in
    REFERRAL_RESPOND = "referral.respond"  # acknowledge, accept, decline, answer, forward
    # node exchange (issue 5)
    EXCHANGE_MANAGE = "exchange.manage"  # peers, keys, the exchange dashboard and dead letters
    # agreements register (issue 4 §1); scoped to the parties in opentrm/agreements/access.py
    AGREEMENT_VIEW = "agreement.view"  # members of a party, coordinators of a party's country
    AGREEMENT_EDIT = "agreement.edit"  # drafts, parties, flows, signatures, amendments, meetings
    # Widening access by agreement (issue 9): only for the actor's own organisation -- record its
    # signature, approve the data flows out of it (``may_sign_for``, ``may_approve_flows_from``).
    AGREEMENT_SIGN = "agreement.sign"
    AGREEMENT_VIEW_COUNTRY = "agreement.view_country"  # those of every party of one's country
    # What a role does when it acts on a case; the object rules (``*/access.py``) scope them.
    CASE_DELETE = "case.delete"  # softly, the owner organisation's case managers
    CASE_COORDINATE = "case.coordinate"  # opening a case makes the actor its case manager
    CASE_CLOSE = "case.close"  # close and reopen; the owner organisation's case managers
    # the portal (issue 19): country profiles, library items; scoped to the actor's own country
    # and organisation in opentrm/portal/access.py
    PORTAL_EDIT = "portal.edit"
    # training register and meetings (issue 19 §5-§6); scoped in training/ and meetings/access.py
    TRAINING_VIEW = "training.view"  # events of one's country, or attended by one's organisation
    TRAINING_RECORD = "training.record"  # events of the actor's own country
    MEETING_VIEW = "meeting.view"  # meetings of one's country or organisation; own action items
    MEETING_RECORD = "meeting.record"  # roundtables, working groups, bilateral, own country
    # monitoring the mechanism (issue 15 §8); scoped to the actor's country in monitoring/access.py
    ACTION_PLAN_VIEW = "action_plan.view"  # the national action plans of one's own country
    ACTION_PLAN_EDIT = "action_plan.edit"  # plans, objectives, actions of one's own country
    FEEDBACK_CODE = "feedback.code"  # the feedback code of one's own organisation, to hand over
    FEEDBACK_REPORT = "feedback.report"  # aggregates of the feedback of one's own country
    # research datasets (issue 15 §6): anonymised record-level data of the actor's own country
    RESEARCH_EXPORT = "research.export"
    # data-subject rights (issue 17 §5): answering the person as the controller, i.e. for cases
    # the actor's own organisation owns (opentrm/dataprotection/access.py)
    SUBJECT_ACCESS = "dataprotection.subject_access"
    # records of processing (art. 30) and personal-data breaches (art. 33) of one's organisation
    DATA_PROTECTION_MANAGE = "dataprotection.manage"
    # identity resolution (issue 16 §4, §6); scoped to two records in opentrm/linkage/access.py
    PERSON_LINK = "person.link"  # link two person records as one person, or mark them not so
    HOLDER_QUERY = "person.holder_query"  # ask a peer node "do you hold this person?"
    # break-the-glass (issue 17 §2): open a case one's organisation is not on, in an emergency,
    # with a reason, for a limited time, no data edited, reviewed by the data-protection officer;
    # scoped to cases of the actor's own country in opentrm/cases/emergency.py
    CASE_EMERGENCY_OPEN = "case.emergency_open"
    # who opened a case file and why (issue 17 §3); the owner's case managers, in cases/access.py
    CASE_ACCESS_REVIEW = "case.access_review"
    # statistics (issue 15): aggregates only, through opentrm/stats/disclosure.py
    STATS_VIEW = "stats.view"  # dashboards, exports and the aggregate API of one's country
    # the annual report for the national rapporteur (issue 15 §5): the coordinator, and the
    # evaluator account the rapporteur's independent office holds; aggregates of one's country
    STATS_REPORT = "stats.report"

    # --- object-only actions: no role holds them as such; a rule in an app's access.py
    # decides them for one object (``can(actor, action, obj)``), and ``can`` without an
    # object answers False.
    CASE_SHARING_VIEW = "case.sharing_view"  # which consents/agreements widen a case
    ASSISTANCE_VIEW = "case.assistance_view"  # assessments, plans, services
    ASSISTANCE_EDIT = "case.assistance_edit"
    HEALTH_VIEW = "case.health_view"
    HEALTH_EDIT = "case.health_edit"
    PROCEEDINGS_VIEW = "case.proceedings_view"
    PROCEEDINGS_EDIT = "case.proceedings_edit"
    CHILD_PROTECTION_VIEW = "case.child_protection_view"
    CHILD_PROTECTION_EDIT = "case.child_protection_edit"
    CHILD_SAFEGUARDS_LOOSEN = "case.child_safeguards_loosen"
    IDENTIFICATION_FORMAL = "identification.formal"  # by the country's configured roles
    DOCUMENT_VIEW = "document.view"
    DOCUMENT_DELETE = "document.delete"
    NOTE_DELETE = "note.delete"
    REFERRAL_WITHDRAW = "referral.withdraw"
    REFERRAL_FORWARD = "referral.forward"
    REFERRAL_SHARE = "referral.share"  # change what the receiver of an accepted referral sees
    REFERRAL_EXPORT = "referral.export"
    RESOURCE_VIEW = "portal.resource_view"  # a library item: public, members, or named orgs
    ACTION_ITEM_COMPLETE = "meeting.action_item_complete"  # its owner, or the meeting's recorders
    CASE_REOPEN = "case.reopen"  # a closed case: those who may close it (``case.close``)


class FieldGroup(StrEnum):
    """Groups of a case's personal data, each guarded as a unit."""

    IDENTITY = "identity"
    CONTACT = "contact"
    HEALTH = "health"
    PROCEEDINGS = "proceedings"
    CHILD_PROTECTION = "child_protection"
    TRAVEL = "travel"
    ASSISTANCE = "assistance"  # assessments, plans and services


class Access(IntEnum):
    NONE = 0
    VIEW = 1
    EDIT = 2


_EVERY_MEMBER = frozenset({Action.DIRECTORY_VIEW, Action.DIRECTORY_EXPORT, Action.ACCOUNT_OWN})
_EVERY_MEMBER |= {Action.AGREEMENT_VIEW, Action.TRAINING_VIEW, Action.MEETING_VIEW}
_EVERY_MEMBER |= {Action.ACTION_PLAN_VIEW}

_CASE_WORK = frozenset(
    {Action.CASE_REGISTER, Action.CASE_VIEW, Action.CONSENT_RECORD, Action.TASK_MANAGE}
)
_CASE_WORK |= {
    Action.MEASURE_EDIT,
    Action.IDENTIFICATION_RECORD,
    Action.NOTE_ADD,
    Action.DOCUMENT_ADD,
    Action.REFERRAL_SEND,
    Action.REFERRAL_RESPOND,
    Action.FEEDBACK_CODE,
    Action.CASE_EMERGENCY_OPEN,
}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.NATIONAL_COORDINATOR: _EVERY_MEMBER
    | {
        Action.STATS_VIEW,
        Action.STATS_REPORT,
        Action.CASE_SETTINGS_EDIT,
        Action.AGREEMENT_EDIT,
        Action.AGREEMENT_SIGN,
        Action.AGREEMENT_VIEW_COUNTRY,
        Action.PORTAL_EDIT,
        Action.TRAINING_RECORD,
        Action.MEETING_RECORD,
        Action.ACTION_PLAN_EDIT,
        Action.FEEDBACK_REPORT,
        Action.RESEARCH_EXPORT,
    },
    Role.DIRECTORY_EDITOR: _EVERY_MEMBER
    | {
        Action.DIRECTORY_EDIT,
        Action.DIRECTORY_IMPORT,
        Action.PORTAL_EDIT,
        Action.TRAINING_RECORD,
    },
    Role.CASE_MANAGER: _EVERY_MEMBER
    | _CASE_WORK
    | {
        Action.CASE_PARTICIPANTS_MANAGE,
        Action.AGREEMENT_EDIT,
        Action.AGREEMENT_SIGN,
        Action.CASE_DELETE,
        Action.CASE_CLOSE,
        Action.CASE_COORDINATE,
        Action.MEETING_RECORD,
        Action.SUBJECT_ACCESS,
        Action.PERSON_LINK,
        Action.HOLDER_QUERY,
        Action.CASE_ACCESS_REVIEW,
    },
    Role.CASEWORKER: _EVERY_MEMBER | _CASE_WORK,
    Role.POLICE_INVESTIGATOR: _EVERY_MEMBER | _CASE_WORK,
    Role.PROSECUTOR: _EVERY_MEMBER | _CASE_WORK,
    # For a child, the guardian acts as case manager (reference ACT-32/ACT-57).
    Role.GUARDIAN: _EVERY_MEMBER
    | _CASE_WORK
    | {Action.CASE_COORDINATE, Action.CASE_ACCESS_REVIEW, Action.PERSON_LINK, Action.HOLDER_QUERY},
    Role.INTERPRETER: _EVERY_MEMBER | {Action.CASE_VIEW},
    Role.STATISTICIAN: _EVERY_MEMBER
    | {Action.STATS_VIEW, Action.FEEDBACK_REPORT, Action.RESEARCH_EXPORT},
    # An independent evaluator (issue 15): the aggregates, read only, and nothing of a case.
    Role.EVALUATOR: _EVERY_MEMBER
    | {Action.STATS_VIEW, Action.STATS_REPORT, Action.FEEDBACK_REPORT},
    Role.DATA_PROTECTION_OFFICER: _EVERY_MEMBER
    | {
        Action.AUDIT_VIEW,
        Action.SUBJECT_ACCESS,
        Action.DATA_PROTECTION_MANAGE,
    },
    Role.SYSTEM_ADMINISTRATOR: _EVERY_MEMBER | {Action.MEMBERS_MANAGE, Action.EXCHANGE_MANAGE},
}

# Where a role lands after logging in, when not on the home page (URL names): the roles whose
# work is the aggregates (issue 15).
LANDING_PAGES: dict[Role, str] = {
    Role.STATISTICIAN: "stats:dashboard",
    Role.EVALUATOR: "stats:dashboard",
}

# Roles that see a case only while personally assigned to it, after signing a confidentiality
# undertaking (an interpreter or cultural mediator: SOP-I-4, REC-44, DP-26). ``visible_to``
# applies it on top of the organisation's participation.
ASSIGNED_CASES_ONLY = frozenset({Role.INTERPRETER})

# On a node that serves several countries (OPENTRM_NODE_COUNTRY names the node's own), these
# act on the node as a whole, so only members of an organisation of the node's country may do
# them: the node's peers, keys and dead letters belong to the country that runs the node.
NODE_COUNTRY_ACTIONS = frozenset({Action.EXCHANGE_MANAGE})

# Machine access is configured per node (OPENTRM_API_TOKEN_ROLES), not fixed in ROLE_ACTIONS.
CONFIGURED_ACTIONS = frozenset({Action.API_TOKENS_OWN})


def api_token_roles() -> frozenset[Role]:
    """The roles that may hold personal API tokens on this node (settings.API_TOKEN_ROLES)."""
    codes = getattr(settings, "API_TOKEN_ROLES", None)
    if codes is None:
        from opentrm.accounts.roles import DEFAULT_API_TOKEN_ROLES

        return frozenset(DEFAULT_API_TOKEN_ROLES)
    try:
        return frozenset(Role(code) for code in codes)
    except ValueError as error:
        raise ImproperlyConfigured(f"OPENTRM_API_TOKEN_ROLES: {error}") from error


def node_country_code() -> str:
    """The node's own country (ISO code), or "" when OPENTRM_NODE_COUNTRY is not set."""
    return str(getattr(settings, "OPENTRM_NODE_COUNTRY", "") or "").upper()


_N, _V, _E = Access.NONE, Access.VIEW, Access.EDIT
_G = FieldGroup

# Role x field group, for the cases a role's organisation takes part in. Roles without case
# work (statistician, coordinator, directory editor, data-protection officer, administrator)
# see no case at all: they are absent here.
ROLE_FIELD_GROUPS: dict[Role, dict[FieldGroup, Access]] = {
    Role.CASE_MANAGER: dict.fromkeys(FieldGroup, _E),
    Role.CASEWORKER: {
        _G.IDENTITY: _E,
        _G.CONTACT: _E,
        _G.HEALTH: _V,
        _G.PROCEEDINGS: _V,
        _G.CHILD_PROTECTION: _V,
        _G.TRAVEL: _E,
        _G.ASSISTANCE: _E,
    },
    Role.POLICE_INVESTIGATOR: {
        _G.IDENTITY: _E,
        _G.CONTACT: _V,
        _G.HEALTH: _N,
        _G.PROCEEDINGS: _E,
        _G.CHILD_PROTECTION: _V,
        _G.TRAVEL: _V,
        _G.ASSISTANCE: _V,
    },
    Role.PROSECUTOR: {
        _G.IDENTITY: _V,
        _G.CONTACT: _N,
        _G.HEALTH: _N,
        _G.PROCEEDINGS: _E,
        _G.CHILD_PROTECTION: _V,
        _G.TRAVEL: _N,
        _G.ASSISTANCE: _N,
    },
    Role.GUARDIAN: {
        _G.IDENTITY: _E,
        _G.CONTACT: _E,
        _G.HEALTH: _V,
        _G.PROCEEDINGS: _V,
        _G.CHILD_PROTECTION: _E,
        _G.TRAVEL: _V,
        _G.ASSISTANCE: _E,
    },
    # What an interview needs (names, languages), nothing of the proceedings or health.
    Role.INTERPRETER: {
        _G.IDENTITY: _V,
        _G.CONTACT: _N,
        _G.HEALTH: _N,
        _G.PROCEEDINGS: _N,
        _G.CHILD_PROTECTION: _N,
        _G.TRAVEL: _N,
        _G.ASSISTANCE: _N,
    },
}


@dataclass(frozen=True)
class Actor:
    """A user acting for one membership; ``membership`` is None for a user with none active."""

    user: User
    membership: Membership | None

    # --- what the audit trail records (audit.services.AuditActor) ---------------------------
    @property
    def user_id(self) -> int | None:
        return self.user.pk

    @property
    def user_label(self) -> str:
        return self.user.get_username()

    @property
    def organisation_id(self) -> int | None:
        return self.membership.organisation_id if self.membership else None

    @property
    def organisation_label(self) -> str:
        return self.membership.organisation.name if self.membership else ""

    # --- who this is -------------------------------------------------------------------------
    @property
    def is_member(self) -> bool:
        return self.membership is not None and self.user.is_active

    @property
    def role(self) -> Role | None:
        return Role(self.membership.role) if self.membership else None

    @property
    def sees_assigned_cases_only(self) -> bool:
        """Sees a case only while personally assigned to it (``ASSIGNED_CASES_ONLY``)."""
        return self.role in ASSIGNED_CASES_ONLY

    @property
    def country_id(self) -> int | None:
        return self.membership.organisation.country_id if self.membership else None

    # --- the decisions ----------------------------------------------------------------------
    def may(self, action: Action) -> bool:
        """May this actor perform ``action`` at all (before any object scope)?"""
        role = self.role
        if action in CONFIGURED_ACTIONS:
            return self.is_member and role in api_token_roles()
        if not (self.is_member and role is not None and action in ROLE_ACTIONS[role]):
            return False
        return action not in NODE_COUNTRY_ACTIONS or self.in_node_country()

    def in_node_country(self) -> bool:
        """Is the actor's organisation in the node's own country (always, if that is unset)?"""
        node = node_country_code()
        if not node:
            return True
        return self.membership is not None and (
            self.membership.organisation.country.code.upper() == node
        )

    def field_group_access(self, group: FieldGroup) -> Access:
        """What the actor's role allows on ``group`` of a case its organisation takes part in.

        Consent and agreements narrow this further for organisations that do not own the case
        (referrals, issue 4).
        """
        role = self.role
        if not self.is_member or role is None:
            return Access.NONE
        return ROLE_FIELD_GROUPS.get(role, {}).get(group, Access.NONE)

    def visible_field_groups(self) -> frozenset[FieldGroup]:
        return frozenset(g for g in FieldGroup if self.field_group_access(g) >= Access.VIEW)

    def may_sign_for(self, organisation_id: int) -> bool:
        """Record an agreement signature of ``organisation_id``: only a coordinator or case
        manager of that very organisation; nobody records another organisation's signature."""
        return self.may(Action.AGREEMENT_SIGN) and self.organisation_id == organisation_id

    def may_approve_flows_from(self, organisation_id: int) -> bool:
        """Set or approve which data ``organisation_id`` passes to another party under an
        agreement: only that organisation decides what leaves it (same roles as signing)."""
        return self.may(Action.AGREEMENT_SIGN) and self.organisation_id == organisation_id

    def may_edit_directory_of(self, country_id: int) -> bool:
        return self.may(Action.DIRECTORY_EDIT) and self.country_id == country_id

    def directory_editable_country_ids(self) -> frozenset[int]:
        if self.may(Action.DIRECTORY_EDIT) and self.country_id is not None:
            return frozenset({self.country_id})
        return frozenset()

    def may_manage_membership(self, membership: Membership) -> bool:
        """Administrators manage their own organisation's members, never their own membership."""
        return (
            self.may(Action.MEMBERS_MANAGE)
            and self.membership is not None
            and membership.organisation_id == self.membership.organisation_id
            and membership.user_id != self.user.pk
        )

    def may_approve_role_grant(self, grant: RoleGrant) -> bool:
        """Four-eyes: another administrator of the organisation than the one who asked, and
        never for the administrator's own membership."""
        return self.may_manage_membership(grant.membership) and (
            grant.requested_by_id != self.user.pk
        )


@dataclass(frozen=True)
class MembershipPermissions:
    """What the actor may do with one membership of its organisation (the members page)."""

    can_change: bool


def membership_permissions(actor: Actor, membership: Membership) -> MembershipPermissions:
    return MembershipPermissions(can_change=actor.may_manage_membership(membership))


@dataclass(frozen=True)
class RoleGrantPermissions:
    """What the actor may do with one pending role grant: approve it (a second administrator),
    refuse it, or -- when the actor asked for it -- withdraw it."""

    can_approve: bool
    can_refuse: bool
    withdraws: bool


def role_grant_permissions(actor: Actor, grant: RoleGrant) -> RoleGrantPermissions:
    return RoleGrantPermissions(
        can_approve=actor.may_approve_role_grant(grant),
        can_refuse=actor.may_manage_membership(grant.membership),
        withdraws=grant.requested_by_id == actor.user.pk,
    )


@dataclass(frozen=True)
class AuditScope:
    """Which audit events a data-protection officer reads on a node shared by countries."""

    organisation_ids: frozenset[int]  # events of these organisations (the officer's country)
    include_unattributed: bool  # events of no organisation (anonymous, node, operator)


def audit_scope(actor: Actor) -> AuditScope:
    """The events ``actor`` may read in the audit viewer: those of the organisations of her
    own country; events that belong to no organisation (failed log-ins, the node's exchange,
    the operator's commands) only for the officers of the node's own country (every officer
    when OPENTRM_NODE_COUNTRY is unset)."""
    require(actor, Action.AUDIT_VIEW)
    # The organisations through the acting one's country, so the policy names no directory model.
    organisation = actor.membership.organisation if actor.membership is not None else None
    ids = frozenset(
        organisation.country.organisations.values_list("pk", flat=True)
        if organisation is not None
        else ()
    )
    return AuditScope(organisation_ids=ids, include_unattributed=actor.in_node_country())


def active_memberships(user: User) -> list[Membership]:
    return list(
        user.memberships.filter(is_active=True, organisation__is_active=True)
        .select_related("organisation", "organisation__country")
        .order_by("organisation__name")
    )


def actor_for(
    user: User, membership_id: int | None, *, memberships: list[Membership] | None = None
) -> Actor:
    """The actor for ``user`` acting through ``membership_id`` (or their only membership).

    ``memberships``: the user's ``active_memberships`` when the caller already read them (a
    browser request reads them once for the second-factor check and the actor)."""
    if memberships is None:
        memberships = active_memberships(user) if user.is_active else []
    chosen = next((m for m in memberships if m.pk == membership_id), None)
    if chosen is None and len(memberships) == 1:
        chosen = memberships[0]
    return Actor(user=user, membership=chosen)


# --- object rules -----------------------------------------------------------------------------
#
# ``can(actor, action)`` answers from the role matrix above. ``can(actor, action, obj)`` asks the
# rule an app's ``access.py`` registered for ``action`` on ``obj``'s type, with ``@rule``. The
# apps' access modules are imported when Django starts (``AccountsConfig.ready``), so every rule
# is known before the first request. A rule decides the whole question (it checks the role's
# action itself where one applies); an object without a rule is a programming error.

T = TypeVar("T")
Rule = Callable[[Actor, Any], bool]
_RULES: dict[tuple[Action, type], Rule] = {}


def rule(
    action: Action, on: type[T]
) -> Callable[[Callable[[Actor, T], bool]], Callable[[Actor, T], bool]]:
    """Register the decorated ``(actor, obj) -> bool`` as the rule for ``action`` on ``on``."""

    def register(decide: Callable[[Actor, T], bool]) -> Callable[[Actor, T], bool]:
        key = (action, on)
        if key in _RULES:
            raise ImproperlyConfigured(f"Two rules for {action} on {on.__name__}.")
        _RULES[key] = decide
        return decide

    return register


def registered_rules() -> frozenset[tuple[Action, type]]:
    """Which (action, type) pairs have an object rule (for docs and tests)."""
    return frozenset(_RULES)


def _rule_for(action: Action, obj: object) -> Rule:
    for cls in type(obj).__mro__:
        found = _RULES.get((action, cls))
        if found is not None:
            return found
    raise LookupError(f"No rule for {action} on {type(obj).__name__}.")


def can(actor: Actor | None, action: Action, obj: object = None) -> bool:
    """May ``actor`` perform ``action`` (on ``obj``, when one is given)?"""
    if actor is None:
        return False
    if obj is None:
        return actor.may(action)
    return _rule_for(action, obj)(actor, obj)


def require(actor: Actor | None, action: Action, obj: object = None) -> Actor:
    """Raise PermissionDenied unless ``can(actor, action, obj)``; return the actor."""
    if actor is None or not can(actor, action, obj):
        raise PermissionDenied
    return actor
