"""Writes on users, memberships and API tokens; each audited in its own transaction."""

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.models import ApiToken, Membership, RoleGrant, RoleGrantStatus, User
from opentrm.accounts.policy import Action, Actor, require
from opentrm.accounts.roles import Role, needs_second_administrator
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event

TOKEN_PREFIX = "otrm"  # noqa: S105 (a label, not a secret)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def member_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of a new member's input at once, by field (issue 12 §5): the rules
    ``member_create`` applies (a user name taken or not allowed, a weak password, the e-mail),
    for a form's precheck. Nothing is written; a field not in ``values`` is not checked."""
    user = _new_user(values)
    errors: dict[str, list[str]] = {}
    if user.username and User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [_("This user name is already taken.")]
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            shown = "full_name" if name in ("first_name", "last_name") else name
            if shown in values and shown not in errors:
                errors.setdefault(shown, []).extend(messages)
    if "password" in values:
        try:
            validate_password(values["password"], user)
        except ValidationError as error:
            errors["password"] = error.messages
    return errors


def _new_user(values: Mapping[str, Any]) -> User:
    first, _sep, last = str(values.get("full_name") or "").strip().partition(" ")
    return User(
        username=values.get("username") or "",
        first_name=first,
        last_name=last,
        email=values.get("email") or "",
    )


def _member_create(
    *,
    actor: Actor | None,
    username: str,
    full_name: str,
    email: str,
    organisation_id: int,
    role: Role,
    password: str,
    detail: dict[str, str],
    four_eyes: bool,
) -> Membership:
    values = {"username": username, "full_name": full_name, "email": email, "password": password}
    errors = member_errors(values)
    if errors:
        raise ValidationError(errors)
    user = _new_user(values)
    user.set_password(password)
    user.full_clean()
    user.save()
    pending = four_eyes and needs_second_administrator(role)
    membership = Membership.objects.create(
        user=user,
        organisation_id=organisation_id,
        role=role,
        is_active=not pending,  # a role above a caseworker's waits for a second administrator
        created_by=actor.user if actor else None,
    )
    record_event(event_type=EventType.USER_CREATED, actor=actor, target=user, detail=detail)
    record_event(
        event_type=EventType.MEMBERSHIP_CREATED,
        actor=actor,
        target=membership,
        detail={"role": role.value, **detail, **({"pending": "true"} if pending else {})},
    )
    if pending:
        assert actor is not None
        _grant_request(actor=actor, membership=membership, role=role)
    return membership


@transaction.atomic
def member_create(
    *, actor: Actor, username: str, full_name: str, email: str, role: Role, password: str
) -> Membership:
    """Create a user and make them a member of the administrator's own organisation.

    A role above a caseworker's is only requested: the membership stays inactive until a second
    administrator of the organisation approves it (``role_grant_approve``).
    """
    require(actor, Action.MEMBERS_MANAGE)
    assert actor.membership is not None
    return _member_create(
        actor=actor,
        username=username,
        full_name=full_name,
        email=email,
        organisation_id=actor.membership.organisation_id,
        role=role,
        password=password,
        detail={},
        four_eyes=True,
    )


@transaction.atomic
def member_create_by_operator(
    *,
    username: str,
    full_name: str,
    email: str,
    organisation_id: int,
    role: Role,
    password: str,
) -> Membership:
    """Create a member from the server's command line (the first administrator of a node).

    Whoever runs it already controls the server, so no second administrator is asked; the
    events record that it came that way.
    """
    return _member_create(
        actor=None,
        username=username,
        full_name=full_name,
        email=email,
        organisation_id=organisation_id,
        role=role,
        password=password,
        detail={"via": "command"},
        four_eyes=False,
    )


def pending_grant(membership: Membership) -> RoleGrant | None:
    return membership.grants.filter(status=RoleGrantStatus.PENDING).first()


def _grant_decide(*, actor: Actor, grant: RoleGrant, status: RoleGrantStatus) -> None:
    """Mark the grant decided (``status``) by the actor, now."""
    grant.status = status
    grant.decided_by = actor.user
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


def _grant_event(
    event_type: EventType,
    *,
    actor: Actor,
    grant: RoleGrant,
    role: str,
    changed_fields: Sequence[str] = (),
    **detail: Any,
) -> None:
    """Audit a step of the grant of ``role`` (ids and names of accounts only)."""
    record_event(
        event_type=event_type,
        actor=actor,
        target=grant,
        changed_fields=changed_fields,
        detail={"membership_id": grant.membership_id, "role": role, **detail},
    )


def _grant_close(*, actor: Actor, grant: RoleGrant, status: RoleGrantStatus) -> None:
    _grant_decide(actor=actor, grant=grant, status=status)
    _grant_event(
        EventType.ROLE_GRANT_REFUSED,
        actor=actor,
        grant=grant,
        role=grant.role,
        status=status.value,
        requested_by=grant.requested_by.get_username(),
        decided_by=actor.user_label,
    )


def _grant_request(*, actor: Actor, membership: Membership, role: Role) -> RoleGrant:
    for stale in RoleGrant.objects.select_for_update().filter(
        membership=membership, status=RoleGrantStatus.PENDING
    ):
        _grant_close(actor=actor, grant=stale, status=RoleGrantStatus.WITHDRAWN)
    grant = RoleGrant.objects.create(membership=membership, role=role, requested_by=actor.user)
    _grant_event(
        EventType.ROLE_GRANT_REQUESTED,
        actor=actor,
        grant=grant,
        role=role.value,
        requested_by=actor.user_label,
    )
    return grant


@transaction.atomic
def membership_change(
    *, actor: Actor, membership: Membership, role: Role, is_active: bool
) -> Membership:
    """Change a member's role or end the membership. Nobody changes their own.

    Giving an active membership a role above a caseworker's it does not already hold (a new
    role, or reactivating an ended membership) is only requested: the membership keeps what it
    has until a second administrator approves. Lowering a role or ending a membership takes
    effect at once and withdraws a pending request.
    """
    if not actor.may_manage_membership(membership):
        raise PermissionDenied
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    gains = is_active and (role != membership.role or not membership.is_active)
    if gains and needs_second_administrator(role):
        pending = pending_grant(membership)
        if pending is None or pending.role != role.value:
            _grant_request(actor=actor, membership=membership, role=role)
        return membership
    changed = []
    if membership.role != role:
        changed.append("role")
    if membership.is_active != is_active:
        changed.append("is_active")
    pending = pending_grant(membership)
    if pending is not None and changed:
        _grant_close(actor=actor, grant=pending, status=RoleGrantStatus.WITHDRAWN)
    if not changed:
        return membership
    membership.role = role
    membership.is_active = is_active
    membership.save(update_fields=["role", "is_active", "updated_at"])
    record_event(
        event_type=EventType.MEMBERSHIP_CHANGED if is_active else EventType.MEMBERSHIP_ENDED,
        actor=actor,
        target=membership,
        changed_fields=changed,
        detail={"role": role.value},
    )
    return membership


def _locked_pending(actor: Actor, grant: RoleGrant) -> RoleGrant:
    """The pending grant, locked, when the actor may manage its membership (403 otherwise)."""
    if not actor.may_manage_membership(grant.membership):
        raise PermissionDenied
    locked = (
        RoleGrant.objects.select_for_update()
        .select_related("membership", "requested_by")
        .get(pk=grant.pk)
    )
    if locked.status != RoleGrantStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    return locked


@transaction.atomic
def role_grant_approve(*, actor: Actor, grant: RoleGrant) -> RoleGrant:
    """A second administrator approves a role grant: the membership gets the role, active."""
    grant = _locked_pending(actor, grant)
    if not actor.may_approve_role_grant(grant):
        raise PermissionDenied(_("A second administrator must approve a grant you requested."))
    membership = Membership.objects.select_for_update().get(pk=grant.membership_id)
    changed = [
        name
        for name, differs in (
            ("role", membership.role != grant.role),
            ("is_active", not membership.is_active),
        )
        if differs
    ]
    membership.role = grant.role
    membership.is_active = True
    membership.save(update_fields=["role", "is_active", "updated_at"])
    _grant_decide(actor=actor, grant=grant, status=RoleGrantStatus.APPROVED)
    _grant_event(
        EventType.ROLE_GRANT_APPROVED,
        actor=actor,
        grant=grant,
        role=grant.role,
        changed_fields=changed,
        requested_by=grant.requested_by.get_username(),
        requested_by_id=grant.requested_by_id,
        approved_by=actor.user_label,
    )
    return grant


@transaction.atomic
def role_grant_refuse(*, actor: Actor, grant: RoleGrant) -> RoleGrant:
    """Refuse a pending grant (another administrator), or withdraw it (its requester)."""
    grant = _locked_pending(actor, grant)
    status = (
        RoleGrantStatus.WITHDRAWN
        if grant.requested_by_id == actor.user.pk
        else RoleGrantStatus.REFUSED
    )
    _grant_close(actor=actor, grant=grant, status=status)
    return grant


@transaction.atomic
def api_token_create(*, actor: Actor, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a token acting as the actor's current membership. The secret is shown once."""
    require(actor, Action.API_TOKENS_OWN)
    assert actor.membership is not None
    lifetime = days or settings.API_TOKEN_DEFAULT_DAYS
    if not 1 <= lifetime <= 366:
        raise ValidationError({"days": _("A token lives between 1 and 366 days.")})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=actor.membership,
        name=name.strip() or _("API token"),
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        expires_at=timezone.now() + timedelta(days=lifetime),
    )
    record_event(event_type=EventType.API_TOKEN_CREATED, actor=actor, target=token)
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    if token.membership.user_id != actor.user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        record_event(event_type=EventType.API_TOKEN_REVOKED, actor=actor, target=token)
    return token


@transaction.atomic
def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every usable token of ``user`` (after a password change); returns how many.

    A token outlives no password: whoever changes a password because it leaked also shuts the
    doors the old password could have opened. Each revocation is audited as the token's own
    membership, with the reason.
    """
    now = timezone.now()
    tokens = list(
        ApiToken.objects.select_related("membership__organisation", "membership__user").filter(
            membership__user=user, revoked_at__isnull=True
        )
    )
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at", "updated_at"])
        record_event(
            event_type=EventType.API_TOKEN_REVOKED,
            actor=Actor(user=user, membership=token.membership),
            target=token,
            detail={"reason": reason},
        )
    return len(tokens)


def api_token_authenticate(raw: str) -> Actor | None:
    """The actor behind a presented token, or None if it is unknown, expired or revoked."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (
        ApiToken.objects.select_related(
            "membership", "membership__user", "membership__organisation__country"
        )
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash_secret(parts[2])):
        return None
    membership = token.membership
    if (
        not token.is_usable
        or not membership.is_active
        or not membership.user.is_active
        or not membership.organisation.is_active
    ):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return Actor(user=membership.user, membership=membership)
