"""Acknowledge links: signed, expiring, single-use, and short enough for a 160-character SMS.

A token is `<notification id>.<issued at>.<MAC>` (base 36, base 36, 72 bits of HMAC-SHA256 under the
SECRET_KEY): about 24 characters, where `django.core.signing` would take 60. Single use is recorded on the
notification row (`ack_used_at`).
"""

import base64
import time

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "notifications.ack"


class InvalidToken(Exception):
    pass


class ExpiredToken(InvalidToken):
    pass


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _mac(payload: str) -> str:
    digest = salted_hmac(_SALT, payload, algorithm="sha256").digest()[:9]
    return base64.urlsafe_b64encode(digest).decode()


def make_token(notification_id: int, *, issued_at: float | None = None) -> str:
    payload = f"{_base36(notification_id)}.{_base36(int(issued_at if issued_at is not None else time.time()))}"
    return f"{payload}.{_mac(payload)}"


def read_token(token: str, *, now: float | None = None) -> int:
    """The notification id the token was made for; raises if it was tampered with or has expired."""
    try:
        id_part, issued_part, mac = token.split(".")
        notification_id, issued_at = int(id_part, 36), int(issued_part, 36)
    except ValueError:
        raise InvalidToken("malformed") from None
    if not constant_time_compare(mac, _mac(f"{id_part}.{issued_part}")):
        raise InvalidToken("bad signature")
    age = (now if now is not None else time.time()) - issued_at
    if age > settings.ACK_TOKEN_MAX_AGE_HOURS * 3600 or age < -300:
        raise ExpiredToken("expired")
    return notification_id
