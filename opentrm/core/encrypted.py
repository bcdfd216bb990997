"""Encrypted free-text database fields (issue 17 §4): special-category free text (health,
proceedings, child protection) is stored encrypted, so a database dump, a replica or a
database administrator's query reveals none of it.

Each value gets its own random 256-bit data key (DEK); the text is sealed with it by
AES-256-GCM, the DEK is wrapped by the active key-encryption key of the key ring outside the
database (``core.keyring``), and the KEK's id is stored with it:

    "otrm:enc1:" kid ":" base64url( wrap nonce (12) | wrapped DEK (48) | nonce (12) | text+tag )

Both AES-GCM operations are bound to the column (``app_label.model.field``): a value copied
into another column does not open. The empty text stays empty (nothing to hide, and "is it
filled?" stays answerable). A value stored before the field was encrypted is read as it is,
and encrypted by the data migration or the next ``opentrm rotate_data_keys``.

Nothing may search, filter or sort on these fields: the database holds no plaintext to
compare. Only ``field=""`` keeps working.
"""

import base64
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

from opentrm.core.keyring import (
    KEY_BYTES,
    NONCE_BYTES,
    WRAPPED_BYTES,
    KeyRing,
    SealError,
    load_ring,
    unwrap_key,
    wrap_key,
)

PREFIX = "otrm:enc1:"
_WRAP_PART = NONCE_BYTES + WRAPPED_BYTES


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def _parts(stored: str) -> tuple[str, bytes]:
    """(kid, the decoded body)."""
    kid, _, body = stored[len(PREFIX) :].partition(":")
    try:
        return kid, base64.urlsafe_b64decode(body.encode("ascii"))
    except ValueError as bad:
        raise SealError("an encrypted field is damaged") from bad


def encrypt_text(plain: str, *, label: str, ring: KeyRing | None = None) -> str:
    if plain == "":
        return ""
    ring = ring or load_ring()
    dek = secrets.token_bytes(KEY_BYTES)
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(dek).encrypt(nonce, plain.encode("utf-8"), label.encode())
    wrapped = wrap_key(ring, ring.active, dek, label=label.encode())
    return f"{PREFIX}{ring.active}:{_b64(wrapped + nonce + sealed)}"


def decrypt_text(stored: str, *, label: str, ring: KeyRing | None = None) -> str:
    """The text; a value stored before encryption is returned as it is."""
    if not is_encrypted(stored):
        return stored
    ring = ring or load_ring(create=False)
    kid, body = _parts(stored)
    dek = unwrap_key(ring, kid, body[:_WRAP_PART], label=label.encode())
    nonce, sealed = body[_WRAP_PART : _WRAP_PART + NONCE_BYTES], body[_WRAP_PART + NONCE_BYTES :]
    try:
        return AESGCM(dek).decrypt(nonce, sealed, label.encode()).decode("utf-8")
    except InvalidTag as bad:
        raise SealError(f"the encrypted field {label} is damaged or altered") from bad


def rewrap_text(stored: str, *, label: str, ring: KeyRing) -> str | None:
    """The value with its DEK wrapped by the active KEK (a clear value: encrypted); None if it
    is so already or empty. The text itself is not decrypted."""
    if stored == "":
        return None
    if not is_encrypted(stored):
        return encrypt_text(stored, label=label, ring=ring)
    kid, body = _parts(stored)
    if kid == ring.active:
        return None
    dek = unwrap_key(ring, kid, body[:_WRAP_PART], label=label.encode())
    wrapped = wrap_key(ring, ring.active, dek, label=label.encode())
    return f"{PREFIX}{ring.active}:{_b64(wrapped + body[_WRAP_PART:])}"


def key_of(stored: str) -> str | None:
    return _parts(stored)[0] if is_encrypted(stored) else None


if TYPE_CHECKING:
    _TextField: TypeAlias = models.TextField[Any, Any]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    """A ``TextField`` stored encrypted (module docstring). Not for searching or filtering."""

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None:
            return None
        return decrypt_text(value, label=self.label)

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or not isinstance(value, str) or is_encrypted(value):
            return value
        return encrypt_text(value, label=self.label)


# --- whole columns: the data migration and ``rotate_data_keys`` -----------------------------

BATCH = 1000


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted field of every installed model."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.local_fields
        if isinstance(field, EncryptedTextField)
    ]


def rewrite_column(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    column: str,
    change: Callable[[str], str | None],
) -> tuple[int, set[str]]:
    """Apply ``change`` to every non-empty stored value of ``column`` as the database holds it
    (``None``: leave it), in batches by primary key; the rows changed and the KEK ids in use."""
    quote = connection.ops.quote_name
    pk_field = model._meta.pk
    assert pk_field is not None
    table, pk = quote(model._meta.db_table), quote(pk_field.column)
    select = (
        f"SELECT {pk}, {quote(column)} FROM {table} "  # noqa: S608 - quoted names only
        f"WHERE {pk} > %s AND {quote(column)} <> '' ORDER BY {pk}"
    )
    update = f"UPDATE {table} SET {quote(column)} = %s WHERE {pk} = %s"  # noqa: S608
    changed, last = 0, -1
    used: set[str] = set()
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"{select} LIMIT {BATCH}", [last])
            rows = cursor.fetchall()
            for pk_value, stored in rows:
                new = change(stored)
                if new is not None:
                    cursor.execute(update, [new, pk_value])
                    changed += 1
                    stored = new
                kid = key_of(stored)
                if kid:
                    used.add(kid)
        if len(rows) < BATCH:
            return changed, used
        last = rows[-1][0]
