"""Secrets the product must read back, stored encrypted at rest (SPEC section 17; issue 18, security).

A webhook endpoint's signing secret cannot be hashed like a password: every delivery signs with it
(SPEC section 16). So it is kept encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from the
`cryptography` package) under a key derived with HKDF-SHA256 from `settings.FIELD_ENCRYPTION_KEY`, a
secret of the deployment like PAN_HMAC_KEY: a copy of the database (a backup, a replica, a support
dump) holds no usable secret without it. Production settings refuse to start without a real one;
development and test settings use a published development key.

`EncryptedTextField` does it transparently: the model attribute is the secret, the column holds
`fernet:<token>`. A value that is not such a token is refused on read (never taken for a secret in
clear): rows written before encryption are encrypted by their app's data migration
(`encrypt_column_rows`).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"
HKDF_INFO = b"amexprog field encryption v1"


class DecryptionError(ValueError):
    """A stored value that is not a token of this key: a row in clear, or a key that changed."""


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _key() -> str:
    key = getattr(settings, "FIELD_ENCRYPTION_KEY", "")
    if not key:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set to store secrets encrypted")
    return key


def text_encrypt(value: str) -> str:
    """`fernet:<token>` of `value` under the settings' key."""
    return PREFIX + _fernet(_key()).encrypt(value.encode()).decode("ascii")


def text_decrypt(stored: str) -> str:
    """The value `text_encrypt` stored; a DecryptionError for anything else."""
    if not stored.startswith(PREFIX):
        raise DecryptionError("not an encrypted value")
    try:
        return _fernet(_key()).decrypt(stored[len(PREFIX):].encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("not a token of FIELD_ENCRYPTION_KEY") from exc


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


class EncryptedTextField(models.TextField):
    """A text attribute stored as `fernet:<token>` (module docstring); empty stays empty. Never filter on
    it: every encryption of the same value differs."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return text_decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return text_encrypt(value)


def encrypt_column_rows(*, connection, table: str, columns: tuple[str, ...], decrypt: bool = False) -> int:
    """Encrypt the values of `columns` still in clear in `table` (a data migration's step; `decrypt`: its
    reverse): raw SQL, so the field's read never sees a clear value. Idempotent; returns how many rows
    changed."""
    quote = connection.ops.quote_name
    changed = 0

    def converted(value):
        if not value or is_encrypted(value) != decrypt:
            return None
        return text_decrypt(value) if decrypt else text_encrypt(value)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(quote(c) for c in columns)} FROM {quote(table)}")  # noqa: S608
        for pk, *values in cursor.fetchall():
            updates = {column: new for column, value in zip(columns, values, strict=True)
                       if (new := converted(value)) is not None}
            if updates:
                assignments = ", ".join(f"{quote(column)} = %s" for column in updates)
                cursor.execute(f"UPDATE {quote(table)} SET {assignments} WHERE id = %s",  # noqa: S608
                               [*updates.values(), pk])
                changed += 1
    return changed
