"""WebAuthn security keys as a second factor (issue 17 §1), with py_webauthn.

Registration and authentication are two steps each: the server makes options with a fresh
challenge (kept in the session, used once), the browser asks the key
(``static/opentrm/webauthn.js``), and the server checks the answer against the challenge, the
relying party (the host the user reached, ALLOWED_HOSTS having vetted it) and the origin.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    UserVerificationRequirement,
)

from opentrm.accounts import mfa
from opentrm.accounts.models import SecurityKey, User
from opentrm.accounts.session import current_actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event

CHALLENGE_KEY = "opentrm_webauthn_challenge"
RP_NAME = "OpenTRM"


class KeyRefused(Exception):  # noqa: N818 - a refusal, shown as "the key was not accepted"
    pass


def _rp_id(request: HttpRequest) -> str:
    """The host the user reached, without its port (an IPv6 address without its brackets)."""
    return urlsplit(f"//{request.get_host()}").hostname or ""


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid))
        for cid in SecurityKey.objects.filter(user=user, confirmed=True).values_list(
            "credential_id", flat=True
        )
    ]


def registration_options(request: HttpRequest, user: User) -> str:
    options = generate_registration_options(
        rp_id=_rp_id(request),
        rp_name=RP_NAME,
        user_name=user.get_username(),
        user_id=str(user.pk).encode(),
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            user_verification=UserVerificationRequirement.PREFERRED
        ),
    )
    request.session[CHALLENGE_KEY] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def _challenge(request: HttpRequest) -> bytes:
    challenge = request.session.pop(CHALLENGE_KEY, None)  # used once, whatever the outcome
    if not challenge:
        raise KeyRefused
    return base64url_to_bytes(challenge)


def register(
    request: HttpRequest, user: User, credential: dict[str, Any], name: str
) -> SecurityKey:
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=_challenge(request),
            expected_rp_id=_rp_id(request),
            expected_origin=_origin(request),
        )
    # WebAuthnException: any answer the library refuses, malformed JSON structure included.
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise KeyRefused from error
    with transaction.atomic():
        key: SecurityKey = SecurityKey.objects.create(
            user=user,
            name=(name or "security key")[:64],
            confirmed=True,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
        )
        record_event(
            event_type=EventType.MFA_ENROLLED,
            actor=current_actor(request),
            target=user,
            detail={"device": "security_key"},
        )
    if not mfa.is_verified(request):
        mfa.mark_verified(request, key)
    return key


def authentication_options(request: HttpRequest, user: User) -> str:
    options = generate_authentication_options(
        rp_id=_rp_id(request),
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    request.session[CHALLENGE_KEY] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def authenticate(request: HttpRequest, user: User, credential: dict[str, Any]) -> SecurityKey:
    """Check the key's answer; on success the session is verified and gets a new key."""
    challenge = _challenge(request)
    key: SecurityKey | None = SecurityKey.objects.filter(
        user=user, confirmed=True, credential_id=str(credential.get("id", ""))
    ).first()
    try:
        if key is None:
            raise KeyRefused
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=_rp_id(request),
            expected_origin=_origin(request),
            credential_public_key=bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
        )
    except (KeyRefused, WebAuthnException, ValueError, KeyError, TypeError) as error:
        record_event(
            event_type=EventType.MFA_FAILED,
            actor=current_actor(request),
            target=user,
            detail={"device": "security_key"},
        )
        raise KeyRefused from error
    key.sign_count = verified.new_sign_count
    key.last_used_at = timezone.now()
    key.save(update_fields=["sign_count", "last_used_at"])
    mfa.mark_verified(request, key)
    record_event(
        event_type=EventType.MFA_VERIFIED,
        actor=current_actor(request),
        target=user,
        detail={"device": "security_key"},
    )
    return key


def credential_from(body: bytes) -> tuple[dict[str, Any], str]:
    """The browser's JSON: ``{"credential": {...}, "name": "..."}``."""
    try:
        data = json.loads(body or b"{}")
    except ValueError as error:
        raise KeyRefused from error
    credential = data.get("credential") if isinstance(data, dict) else None
    if not isinstance(credential, dict):
        raise KeyRefused
    return credential, str(data.get("name", ""))[:64]
