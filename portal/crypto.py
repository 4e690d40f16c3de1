"""Field-level encryption for personal information, and keyed blind indexes.

Contract:
- `encrypt(text) -> str` returns "<kid>:<base64(nonce||ciphertext||tag)>" using AES-256-GCM with
  the first key of settings.PORTAL_FIELD_KEYS; `decrypt` accepts any configured key id, so keys
  can be rotated by re-saving rows (see the `reencrypt` command when it exists).
- `blind_index(text) -> str` is HMAC-SHA256 under PORTAL_BLIND_INDEX_KEY (never SECRET_KEY):
  equal normalised inputs give equal digests, so duplicates are found without storing plaintext.
- The algorithm sits behind `_cipher_for(key)` so SM4-GCM can replace AES-GCM for 密评.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionError(Exception):
    """Ciphertext was altered, or its key is not configured."""


@lru_cache(maxsize=8)
def _parse_keys(spec: str) -> tuple[str, dict[str, bytes]]:
    keys: dict[str, bytes] = {}
    first = None
    for part in spec.split(","):
        kid, _, b64 = part.strip().partition(":")
        raw = base64.b64decode(b64)
        if len(raw) < 32:
            raw = hashlib.sha256(raw).digest()
        keys[kid] = raw[:32]
        first = first or kid
    if not first:
        raise ImproperlyConfigured("PORTAL_FIELD_KEYS is empty")
    return first, keys


def _keys() -> tuple[str, dict[str, bytes]]:
    return _parse_keys(settings.PORTAL_FIELD_KEYS)


def _cipher_for(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(text: str) -> str:
    kid, keys = _keys()
    nonce = os.urandom(12)
    sealed = _cipher_for(keys[kid]).encrypt(nonce, text.encode("utf-8"), kid.encode())
    return f"{kid}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str) -> str:
    kid, _, b64 = token.partition(":")
    _, keys = _keys()
    if kid not in keys:
        raise DecryptionError(f"unknown key id {kid!r}")
    try:
        raw = base64.b64decode(b64)
        return _cipher_for(keys[kid]).decrypt(raw[:12], raw[12:], kid.encode()).decode("utf-8")
    except Exception as exc:  # InvalidTag, binascii errors
        raise DecryptionError("ciphertext failed authentication") from exc


# Files (evidence scans) are sealed whole: MAGIC, key-id length (1 byte), key id, 12-byte nonce,
# AES-GCM ciphertext + tag. The associated data binds the magic, the key id and the purpose.
FILE_MAGIC = b"ZJENC1\n"


def encrypt_bytes(data: bytes, *, purpose: bytes = b"file") -> bytes:
    """Seal `data` with the current field key (same keys and rotation as the encrypted fields)."""
    kid, keys = _keys()
    encoded = kid.encode()
    nonce = os.urandom(12)
    sealed = _cipher_for(keys[kid]).encrypt(nonce, data, FILE_MAGIC + encoded + purpose)
    return FILE_MAGIC + bytes([len(encoded)]) + encoded + nonce + sealed


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(FILE_MAGIC)


def sealed_key_id(blob: bytes) -> str:
    """The key id a sealed blob was written with (for rotation)."""
    length = blob[len(FILE_MAGIC)]
    return blob[len(FILE_MAGIC) + 1:len(FILE_MAGIC) + 1 + length].decode()


def decrypt_bytes(blob: bytes, *, purpose: bytes = b"file") -> bytes:
    """Open a blob sealed by encrypt_bytes; DecryptionError if it was altered or its key is gone."""
    if not is_sealed(blob):
        raise DecryptionError("not a sealed file")
    try:
        kid = sealed_key_id(blob)
        start = len(FILE_MAGIC) + 1 + len(kid.encode())
        nonce, sealed = blob[start:start + 12], blob[start + 12:]
    except (IndexError, UnicodeDecodeError) as exc:
        raise DecryptionError("malformed sealed file") from exc
    _, keys = _keys()
    if kid not in keys:
        raise DecryptionError(f"unknown key id {kid!r}")
    try:
        return _cipher_for(keys[kid]).decrypt(nonce, sealed, FILE_MAGIC + kid.encode() + purpose)
    except Exception as exc:  # InvalidTag
        raise DecryptionError("sealed file failed authentication") from exc


def current_key_id() -> str:
    return _keys()[0]


def blind_index(text: str) -> str:
    key = settings.PORTAL_BLIND_INDEX_KEY.encode("utf-8")
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees plaintext. Not filterable: pair it with a
    blind-index column when lookups are needed."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


def mask_id_number(value: str | None) -> str:
    r"""321***********001X for an 18-character ID number (`^\d{3}\*{11}[\dX]{4}$`, security.md #23):
    first 3 and last 4 characters kept; 7 characters or fewer are masked entirely."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; landlines keep the area code and last 2 digits."""
    if not value:
        return ""
    digits = value.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    return value[:4] + "*" * max(len(value) - 6, 0) + value[-2:]
