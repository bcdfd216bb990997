"""The second factor (docs/security-authentication.md): who needs one, setting up an
authenticator app (TOTP) with recovery codes, and checking a code at log-in.

Devices and their throttling are django-otp's (``TOTPDevice``, ``StaticDevice``): each wrong
code doubles the wait before the next is even checked. A recovery code is a one-time code of
the user's static device; using one is audited so the officer sees a lost phone.
"""

from __future__ import annotations

import hashlib
from io import BytesIO

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from opentrm.accounts.models import Membership, SecurityKey, User
from opentrm.accounts.policy import ROLE_ACTIONS, ROLE_FIELD_GROUPS, Action
from opentrm.accounts.roles import Role
from opentrm.accounts.session import current_actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event

APP_DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"
PRIVILEGES_SESSION_KEY = "opentrm_privileges"

# Roles whose members can open personal data: case work (every role with field groups), the
# audit trail (it names who opened which case), members and role grants (an administrator can
# grant herself access), the node's exchange (keys that decrypt referrals), agreements (a
# signature widens who receives case data) and record-level research datasets (anonymised, but
# drawn from every case of the country).
_POWERFUL_ACTIONS = frozenset(
    {
        Action.AUDIT_VIEW,
        Action.MEMBERS_MANAGE,
        Action.EXCHANGE_MANAGE,
        Action.AGREEMENT_SIGN,
        Action.RESEARCH_EXPORT,
    }
)
MFA_ROLES: frozenset[Role] = frozenset(ROLE_FIELD_GROUPS) | frozenset(
    role for role, actions in ROLE_ACTIONS.items() if actions & _POWERFUL_ACTIONS
)


def _roles(user: User, memberships: list[Membership] | None = None) -> list[tuple[int, str]]:
    """(pk, role) of the user's active memberships, from ``memberships`` when the caller read
    them already (``session.request_memberships``: the same filter), else from the database."""
    if memberships is not None:
        return sorted((membership.pk, membership.role) for membership in memberships)
    return list(
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("pk")
        .values_list("pk", "role")
    )


def privileges_fingerprint(user: User, memberships: list[Membership] | None = None) -> str:
    """A digest of the user's active memberships and roles: it changes with any of them."""
    text = ";".join(f"{pk}:{role}" for pk, role in _roles(user, memberships))
    return hashlib.sha256(f"{user.pk}|{user.is_active}|{text}".encode()).hexdigest()[:32]


def second_factor_required(user: User, memberships: list[Membership] | None = None) -> bool:
    """Must this user pass a second factor before any page (OPENTRM_MFA_REQUIRED and a role
    in ``MFA_ROLES``)?"""
    if not settings.OPENTRM_MFA_REQUIRED:
        return False
    return any(Role(role) in MFA_ROLES for _pk, role in _roles(user, memberships))


def has_app(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def has_security_key(user: User) -> bool:
    return bool(SecurityKey.objects.filter(user=user, confirmed=True).exists())


def has_second_factor(user: User) -> bool:
    """An authenticator app or a security key: the log-in asks for it, not for a set-up."""
    return has_app(user) or has_security_key(user)


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


@transaction.atomic
def start_enrolment(user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator device (an earlier unfinished one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device: TOTPDevice = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an SVG QR code, drawn on the server (no script)."""
    buffer = BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, xmldecl=False, title=None, border=2, light="#fff"
    )
    return buffer.getvalue().decode()


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32 groups of four, for typing into an app that cannot scan."""
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OPENTRM_MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_enrolment(request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirm the pending device with a code from the app. Returns the new recovery codes (to
    be shown once), or None when the code is wrong. The session counts as verified at once."""
    device = pending_device(user)
    if device is None or not device.verify_token(_digits(token)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        record_event(event_type=EventType.MFA_ENROLLED, actor=current_actor(request), target=user)
    mark_verified(request, device)
    return codes


@transaction.atomic
def renew_recovery_codes(request: HttpRequest, user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    record_event(
        event_type=EventType.MFA_RECOVERY_RENEWED, actor=current_actor(request), target=user
    )
    return codes


def _digits(token: str) -> str:
    return "".join(token.split())


def check_code(request: HttpRequest, user: User, token: str) -> bool:
    """Check a code from the app (six digits) or a recovery code; on success the session is
    verified and gets a new key (step-up rotates the session)."""
    token = _digits(token)
    kind = TOTPDevice if token.isdigit() else StaticDevice
    device = kind.objects.filter(user=user, confirmed=True).first()
    verified = device is not None and verify_token(user, device.persistent_id, token)
    if not verified or device is None:
        record_event(event_type=EventType.MFA_FAILED, actor=current_actor(request), target=user)
        return False
    if kind is StaticDevice:
        record_event(
            event_type=EventType.MFA_RECOVERY_USED,
            actor=current_actor(request),
            target=user,
            detail={"left": recovery_codes_left(user)},
        )
    mark_verified(request, device)
    record_event(event_type=EventType.MFA_VERIFIED, actor=current_actor(request), target=user)
    return True


def mark_verified(request: HttpRequest, device: Device) -> None:
    """The session passed the second factor with ``device``: a new session key (step-up)."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[PRIVILEGES_SESSION_KEY] = privileges_fingerprint(device.user)


def is_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


@transaction.atomic
def reset(user: User) -> int:
    """Remove every device of ``user`` (a lost phone and lost codes): the next log-in sets up a
    new app. Run by the operator after checking who asks (``opentrm reset_mfa``)."""
    removed = 0
    for model in (TOTPDevice, StaticDevice, SecurityKey):
        devices = model.objects.filter(user=user)
        removed += devices.count()  # devices, not their recovery codes deleted with them
        devices.delete()
    record_event(event_type=EventType.MFA_RESET, actor=None, target=user)
    return removed
