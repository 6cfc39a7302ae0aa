"""Per-IP throttling of anonymous clients: a fixed-window counter, one Redis round trip per request.

DRF's stock throttles keep a list of timestamps per client and read and write it whole on every request
(two round trips and a growing pickle); a counter per window costs one `INCR`. A client may get up to twice
the rate across a window boundary, which is acceptable for abuse protection. If Redis is unreachable the
request is let through: refusing every visitor because a cache is down would hurt people looking for help
more than a short window without rate limits.

Counters are named by a keyed hash of the client's address (or of its API key's id), never the address or
the key's stored hash itself: an address tied to a contact request to a mental-health center is personal
data, and Redis is no place for it.
"""

import functools
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import ngettext
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from api.authentication import APIClient
from config.cache import RedisCache
from config.client_ip import client_ip
from content.versioning import VERSION_KEY
from leads.crypto import lookup_hash

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4096)
def _pseudonym(lookup_key: str, kind: str, value: str) -> str:
    # Memoised per process (an HMAC is some 3 µs, on every request); the key is an argument so that a
    # rotated LEAD_LOOKUP_KEY never meets an old name.
    return lookup_hash(kind, value)[:32]


def client_pseudonym(kind: str, value: str) -> str:
    """A keyed hash naming a client in a counter's key (32 hex digits are plenty to keep clients apart)."""
    return _pseudonym(settings.LEAD_LOOKUP_KEY, kind, value)


def count_hits(counters: list[tuple[str, int]], *, also_get: str | None = None) -> tuple[list[int], Any]:
    """Count one hit in each (key, timeout) window counter, which expires after `timeout` seconds; also read
    `also_get`. On Redis, one round trip whatever the number of counters."""
    backend = caches["default"]  # the backend itself: `django.core.cache.cache` is a proxy
    if isinstance(backend, RedisCache):
        return backend.incr_with_expiry(counters, also_get=also_get)
    hits = []
    for key, timeout in counters:  # local-memory cache of `make run`
        backend.add(key, 0, timeout)
        hits.append(backend.incr(key))
    return hits, backend.get(also_get) if also_get else None


class AnonymousIPThrottle(AnonRateThrottle):
    """Anonymous clients, keyed on the client IP (behind NUM_PROXIES trusted proxies, config.client_ip)."""

    # A cache key the view will need at once: read in the throttle's round trip, left on the request
    # as `prefetched_cache_value`.
    also_read: str | None = None

    def identity(self, request: Request) -> str:
        return "ip:" + client_pseudonym("throttle-ip", client_ip(request))

    def windows(self, request: Request) -> list[tuple[str, str]]:
        """(scope, identity) of each counter a request adds to: its scope's rate applies to each."""
        return [(self.scope or "", self.identity(request))]

    def get_rate(self) -> str | None:
        # Read at call time (DRF binds the rates at import), so a changed setting applies at once.
        return self._rate_of(self.scope or "")

    @staticmethod
    def _rate_of(scope: str) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        return str(rate) if rate else None

    def allow_request(self, request: Request, view: Any) -> bool:
        now = time.time()
        limits = []  # (counter key, seconds, requests allowed, window number)
        for scope, identity in self.windows(request):
            num_requests, duration = self.parse_rate(self._rate_of(scope))
            if num_requests is not None and duration is not None:
                window = int(now // duration)
                limits.append((f"throttle:{scope}:{identity}:{window}", duration, num_requests, window))
        if not limits:
            return True
        try:
            hits, value = count_hits([(key, duration) for key, duration, _, _ in limits], also_get=self.also_read)
        except Exception:
            logger.warning("throttle cache unavailable; request allowed")
            if self.also_read is not None:
                request.prefetched_cache_value = None  # type: ignore[attr-defined]  # not read: not asked again
            return True
        if self.also_read is not None:
            request.prefetched_cache_value = value  # type: ignore[attr-defined]
        waits = [
            (window + 1) * duration - now
            for (_, duration, allowed, window), count in zip(limits, hits, strict=True)
            if count > allowed
        ]
        if not waits:
            return True
        self.retry_after = max(waits)
        return False

    def wait(self) -> float | None:
        return getattr(self, "retry_after", None)


class ContentReadThrottle(AnonymousIPThrottle):
    """The anonymous throttle of content reads, which also fetches the content version state: a warm
    content request then makes a single Redis round trip. A request is counted once, even when
    `api.warm_reads` checked it before DRF's own check (`content_throttle_verdict`)."""

    also_read = VERSION_KEY

    def allow_request(self, request: Request, view: Any) -> bool:
        verdict = getattr(request, "content_throttle_verdict", None)
        if verdict is not None:
            allowed, self.retry_after = verdict
            return bool(allowed)
        allowed = super().allow_request(request, view)
        request.content_throttle_verdict = (allowed, getattr(self, "retry_after", None))  # type: ignore[attr-defined]
        return allowed


class LeadSubmissionThrottle(AnonymousIPThrottle):
    """Contact requests per client IP (THROTTLE_LEADS_RATE)."""

    scope = "leads"


class PartnerThrottle(AnonymousIPThrottle):
    """Requests per API key (THROTTLE_PARTNER_RATE); anonymous callers are refused before this runs."""

    scope = "partner"

    def identity(self, request: Request) -> str:
        client = request.user
        if isinstance(client, APIClient):
            return "key:" + client_pseudonym("throttle-key", client.key_id)
        return super().identity(request)


class EmbedThrottle(PartnerThrottle):
    """Referrals with a publishable key: per key (THROTTLE_EMBED_KEY_RATE: a key in a web page is anybody's to
    copy) and per client IP (THROTTLE_EMBED_IP_RATE, whichever key it uses), both counted in one round trip."""

    scope = "embed_key"

    def windows(self, request: Request) -> list[tuple[str, str]]:
        return [("embed_key", self.identity(request)), ("embed_ip", AnonymousIPThrottle.identity(self, request))]


class SubmissionThrottled(Throttled):
    """A contact request or referral over its rate, said so that a person can act on it (a form shows `detail`):
    nothing was sent, when to try again in minutes (DRF's says seconds, thousands of them for an hourly rate),
    and the phone. `code` stays `throttled` and `Retry-After` the seconds, for machines."""

    def __init__(self, wait: float | None = None) -> None:
        minutes = max(1, math.ceil((wait or 0) / 60))
        detail = ngettext(
            "Too many forms were sent from here in a short time, so this one was not sent. Please try again in "
            "%(minutes)s minute, or call us at 602-926-7729.",
            "Too many forms were sent from here in a short time, so this one was not sent. Please try again in "
            "%(minutes)s minutes, or call us at 602-926-7729.",
            minutes,
        ) % {"minutes": minutes}
        super().__init__(detail=detail)
        self.wait = math.ceil(wait) if wait is not None else None
