"""Rows read on every request of a partner, kept in each process between requests: an API key (every request of
the partners' API) and a portal user (every page of the portal), each with its partner.

Kept in the process's memory, never in Redis: these rows hold secrets' hashes (the key's, the person's password
and TOTP secret), and Redis holds no key material (tests/leads/test_redis_privacy.py). What Redis holds is one
number, the version of these rows: saving or deleting a key, a portal user or a partner raises it
(partners.receivers), and every process drops what it read under an older version on its next request. So a
revoked key, a removed person, a new sign-in method or a deactivated partner applies to the very next request;
only a write that bypasses save() (QuerySet.update, SQL) waits for an entry's age limit, `MAX_AGE_SECONDS`.
Without Redis every read goes to the database, as before.

Why: the ORM spends more CPU building these joined reads than PostgreSQL spends answering them, on every request
(bench/leads.py: about a tenth of a referral's CPU); one GET of a small number costs a fraction of that.
"""

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)

MAX_AGE_SECONDS = 60
MAX_ENTRIES = 512
_VERSION_KEY = "partners:cached-rows:version"


def _version() -> int | None:
    """The rows' version now; None when the cache cannot say."""
    try:
        value = cache.get(_VERSION_KEY)
        if not isinstance(value, int):
            # First use, or the number was lost (Redis flushed, or evicted): a random start, never a version an
            # entry kept from before the loss could carry.
            cache.add(_VERSION_KEY, secrets.randbits(48), None)
            value = cache.get(_VERSION_KEY)
    except Exception:  # the cache is an optimisation (config/cache.py): the database answers
        logger.warning("cache unavailable; partner rows read from the database")
        return None
    return value if isinstance(value, int) else None


def rows_changed() -> None:
    """A key, a portal user or a partner changed: every process reads them from the database again."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:  # no number yet: a new random one is as good as a raised one
        _version()
    except Exception:  # then an entry lives at most MAX_AGE_SECONDS
        logger.warning("cache unavailable; cached partner rows not forgotten")


class CachedRows:
    """Instances of one model, each with its partner loaded, kept in this process by an identifier (a key's
    prefix, a person's id): at most MAX_ENTRIES, the least recently used dropped first."""

    def __init__(self) -> None:
        self._entries: OrderedDict[Any, tuple[int, float, Any]] = OrderedDict()

    def get(self, ident: Any, load: Callable[[], Any]) -> Any:
        """The instance kept under the current version and younger than MAX_AGE_SECONDS, or `load()`'s.

        The version is read before the row: a change committed in between raises it, so what was read here
        is dropped on the next request."""
        version = _version()
        if version is None:
            return load()
        entry = self._entries.get(ident)
        if entry is not None and entry[0] == version and time.monotonic() - entry[1] < MAX_AGE_SECONDS:
            self._entries.move_to_end(ident)
            return entry[2]
        instance = load()
        self._keep(ident, instance, version)
        return instance

    def refresh(self, ident: Any, instance: Any) -> None:
        """Keep this process's copy of a row it has just changed itself (without save(), so without a signal)."""
        entry = self._entries.get(ident)
        if entry is not None:
            self._entries[ident] = (entry[0], entry[1], instance)

    def _keep(self, ident: Any, instance: Any, version: int) -> None:
        if instance is None:
            self._entries.pop(ident, None)
            return
        self._entries[ident] = (version, time.monotonic(), instance)
        self._entries.move_to_end(ident)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
