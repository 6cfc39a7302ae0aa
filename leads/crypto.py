"""Encryption at rest of personal fields, and keyed hashes for finding the same person again.

Personal data is sealed with Fernet (AES-128-CBC + HMAC-SHA256) under `FIELD_ENCRYPTION_KEYS`, newest
first: MultiFernet encrypts with the first and decrypts with any, so a new key is added in front and
`python manage.py rotate_lead_keys` re-seals every row under it before the old one is dropped.

Lookups (is this the same phone or email as a lead last week?) use an HMAC of the normalised value under
`LEAD_LOOKUP_KEY`, a separate secret: rotating the encryption keys never changes a lookup hash.
"""

import functools
import hashlib
import hmac
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "lookup_hash", "reseal", "seal", "unseal"]


@functools.cache
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must name at least one Fernet key.")
    return MultiFernet([Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    return _multi_fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def seal(data: dict[str, Any]) -> str:
    """Encrypt a dict of personal fields under the newest key."""
    return _fernet().encrypt(orjson.dumps(data)).decode()


def unseal(token: str) -> dict[str, Any]:
    """Decrypt what `seal` made, under whichever configured key made it."""
    if not token:
        return {}
    return orjson.loads(_fernet().decrypt(token.encode()))


def reseal(token: str) -> str:
    """The same data encrypted under the newest key (MultiFernet.rotate)."""
    return _fernet().rotate(token.encode()).decode()


def lookup_hash(kind: str, normalised_value: str) -> str:
    """A keyed hash of a normalised phone or email, for duplicate lookup without storing the value."""
    if not normalised_value:
        return ""
    key = settings.LEAD_LOOKUP_KEY.encode()
    return hmac.new(key, f"{kind}:{normalised_value}".encode(), hashlib.sha256).hexdigest()
