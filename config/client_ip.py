"""The client's address, read one way for the throttles, the sign-in lockout (django-axes), idempotency scopes
and logs.

There is one setting, the number of trusted reverse proxies in front of gunicorn: `NUM_PROXIES` in the
environment, read into DRF's `REST_FRAMEWORK["NUM_PROXIES"]`. Each proxy appends the address it received the
request from to X-Forwarded-For, so the client is the `NUM_PROXIES`-th entry counted from the right; whatever
stands further left was written by the client and is never trusted. With 0, X-Forwarded-For is ignored and
REMOTE_ADDR is the client. That is DRF's `BaseThrottle.get_ident`, which the throttles use: `client_ip` calls
it rather than copying it, so the throttles and everything else read the same address by construction.
"""

import functools
import ipaddress
import logging
import threading

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4096)  # every request asks, mostly about the same few thousand clients
def _is_address(value: str) -> bool:
    # A scope id ("fe80::1%eth0") parses in Python but not in PostgreSQL's inet, where axes stores addresses.
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return "%" not in value


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address behind NUM_PROXIES trusted proxies (DRF's reading), or REMOTE_ADDR if the entry
    found there is not an address at all: a proxy count larger than the real one lets a client write it, and
    a non-address must never reach axes' inet column (a 500 on the sign-in page)."""
    ident = BaseThrottle().get_ident(request)  # type: ignore[arg-type]  # it reads request.META, which both have
    if ident and _is_address(ident):
        return str(ident)
    return str(request.META.get("REMOTE_ADDR") or "")


class _OnceFlag:
    """Set once per process; `reset` is for tests."""

    def __init__(self) -> None:
        self._set = False
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return self._set

    def claim(self) -> bool:
        """True for the first caller only."""
        with self._lock:
            first, self._set = not self._set, True
        return first

    def reset(self) -> None:
        with self._lock:
            self._set = False


forwarded_without_proxies_warned = _OnceFlag()


def warn_if_forwarded_without_proxies(request: HttpRequest) -> None:
    """Once per process, a warning when a request carries X-Forwarded-For while NUM_PROXIES is 0: a proxy
    in front then makes every visitor one client for the throttles and the sign-in lockout."""
    if forwarded_without_proxies_warned or "HTTP_X_FORWARDED_FOR" not in request.META:
        return
    if api_settings.NUM_PROXIES == 0 and forwarded_without_proxies_warned.claim():
        # No address in the message: the header is the client's (or the proxy's) business, not the log's.
        logger.warning(
            "A request carried X-Forwarded-For while NUM_PROXIES is 0: if a proxy is in front of this server, "
            "every client shares its address for throttles and sign-in lockouts. Set NUM_PROXIES to the number "
            "of trusted proxies (docs/security.md). This warning is given once per process."
        )
