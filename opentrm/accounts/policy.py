"""The one place that decides what a user may do.

A user acts for one membership (organisation x role) at a time: the ``Actor``. Views, API
routes, ``visible_to`` querysets and ``access_*`` functions all ask this module, and nothing else
decides a permission. The role x action matrix is data (``ROLE_ACTIONS``), so a reviewer reads
it in one screen and the authorization-matrix test checks it route by route.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied

from opentrm.accounts.models import Membership, User
from opentrm.accounts.roles import Role


class Action(StrEnum):
    DIRECTORY_VIEW = "directory.view"
    DIRECTORY_EXPORT = "directory.export"
    DIRECTORY_EDIT = "directory.edit"  # scoped to the actor's own country
    DIRECTORY_IMPORT = "directory.import"  # scoped to the actor's own country
    AUDIT_VIEW = "audit.view"
    MEMBERS_MANAGE = "members.manage"  # scoped to the actor's own organisation
    API_TOKENS_OWN = "api_tokens.own"


_EVERY_MEMBER = frozenset({Action.DIRECTORY_VIEW, Action.DIRECTORY_EXPORT, Action.API_TOKENS_OWN})

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.NATIONAL_COORDINATOR: _EVERY_MEMBER,
    Role.DIRECTORY_EDITOR: _EVERY_MEMBER | {Action.DIRECTORY_EDIT, Action.DIRECTORY_IMPORT},
    Role.CASE_MANAGER: _EVERY_MEMBER,
    Role.CASEWORKER: _EVERY_MEMBER,
    Role.POLICE_INVESTIGATOR: _EVERY_MEMBER,
    Role.PROSECUTOR: _EVERY_MEMBER,
    Role.GUARDIAN: _EVERY_MEMBER,
    Role.INTERPRETER: _EVERY_MEMBER,
    Role.STATISTICIAN: _EVERY_MEMBER,
    Role.DATA_PROTECTION_OFFICER: _EVERY_MEMBER | {Action.AUDIT_VIEW},
    Role.SYSTEM_ADMINISTRATOR: _EVERY_MEMBER | {Action.MEMBERS_MANAGE},
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
    def country_id(self) -> int | None:
        return self.membership.organisation.country_id if self.membership else None

    # --- the decisions ----------------------------------------------------------------------
    def may(self, action: Action) -> bool:
        """May this actor perform ``action`` at all (before any object scope)?"""
        role = self.role
        return self.is_member and role is not None and action in ROLE_ACTIONS[role]

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


def active_memberships(user: User) -> list[Membership]:
    return list(
        user.memberships.filter(is_active=True, organisation__is_active=True)
        .select_related("organisation", "organisation__country")
        .order_by("organisation__name")
    )


def actor_for(user: User, membership_id: int | None) -> Actor:
    """The actor for ``user`` acting through ``membership_id`` (or their only membership)."""
    memberships = active_memberships(user) if user.is_active else []
    chosen = next((m for m in memberships if m.pk == membership_id), None)
    if chosen is None and len(memberships) == 1:
        chosen = memberships[0]
    return Actor(user=user, membership=chosen)


def require(actor: Actor | None, action: Action) -> Actor:
    """Raise PermissionDenied unless ``actor`` may perform ``action``; return the actor."""
    if actor is None or not actor.may(action):
        raise PermissionDenied
    return actor
