"""Per-account slowing of staff sign-in, on top of django-axes' lockout of one (username, address) pair.

axes never sees guesses spread over many addresses: 4 wrong passwords from each of 4 addresses, then the
right one from a fifth, got in. Here failures are counted per account from any address. From the
`SIGN_IN_SLOWDOWN_AFTER`-th failure on, the next attempt must wait 2^(failures - SIGN_IN_SLOWDOWN_AFTER)
seconds after the last failure (1, 2, 4, … s), at most `SIGN_IN_SLOWDOWN_MAX_SECONDS`; an attempt that comes
sooner is refused before the password is checked, and is not counted. Failures are forgotten
`SIGN_IN_SLOWDOWN_WINDOW_MINUTES` after the last one; a successful sign-in forgets them at once.

It slows, it never locks: once the wait has passed the right password gets in, so nobody can shut a member
of staff out for longer than the cap by failing on purpose. One attempt per account is checked at a time, so
parallel requests cannot spend one wait on many guesses: at most one guess per wait, about 288 a day at the
5-minute cap, whatever the number of addresses or workers.

Counters live in the cache (Redis in production, local memory in `make run`) under an HMAC of the normalised
username (keyed with SECRET_KEY): no username and no address in any key. If the cache fails, sign-in goes on
without this guard (axes and TOTP still apply), as the throttles let requests through.
"""

import logging
import math
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

_KEY_SALT = "accounts.sign_in_guard"
# Longer than any password check and TOTP verification; frees the account if a worker dies mid-check.
BUSY_SECONDS = 30


class AccountSlowed(Exception):
    def __init__(self, wait_seconds: int) -> None:
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


class AccountBusy(Exception):
    """Another sign-in attempt for the same account is being checked right now."""


def normalise_username(username: str) -> str:
    # Case and Unicode variants of a username count as one account: stricter, never looser.
    return unicodedata.normalize("NFKC", username).strip().casefold()


def account_key(username: str) -> str:
    digest = salted_hmac(_KEY_SALT, normalise_username(username), algorithm="sha256").hexdigest()
    return f"sign-in:{digest[:32]}"


def delay_seconds(failures: int) -> int:
    """Seconds an account must wait after its last failure, given its failures in the window."""
    after = settings.SIGN_IN_SLOWDOWN_AFTER
    if failures < after:
        return 0
    # The exponent is bounded so that thousands of failures never build a huge integer.
    return int(min(settings.SIGN_IN_SLOWDOWN_MAX_SECONDS, 2 ** min(failures - after, 32)))


def _failures(state: Any, now: float) -> tuple[int, float]:
    """(failures, time of the last one) from the cached state, forgotten after the window."""
    if not state:
        return 0, now
    failures, last = state
    if now - last > settings.SIGN_IN_SLOWDOWN_WINDOW_MINUTES * 60:
        return 0, now
    return int(failures), float(last)


class Attempt:
    """One password check for one account, claimed in `sign_in_attempt`; the caller reports its outcome."""

    def __init__(self, key: str | None, failures: int) -> None:
        self._key = key
        self._failures = failures

    def failed(self) -> None:
        if self._key is None:
            return
        window = settings.SIGN_IN_SLOWDOWN_WINDOW_MINUTES * 60
        try:
            cache.set(self._key, (self._failures + 1, time.time()), window)
        except Exception:
            logger.warning("sign-in guard: cache unavailable; a failure was not counted")

    def succeeded(self) -> None:
        if self._key is None:
            return
        try:
            cache.delete(self._key)
        except Exception:
            logger.warning("sign-in guard: cache unavailable; earlier failures were not forgotten")


@contextmanager
def sign_in_attempt(username: str) -> Iterator[Attempt]:
    """Claims the account for one password check. Raises AccountSlowed if it must wait (the password is then
    never checked) and AccountBusy if another check for it is under way."""
    key = account_key(username)
    busy = f"{key}:busy"
    claimed: bool | None
    try:
        # Claimed before the failures are read: no other check can add a failure between the read and ours.
        claimed = bool(cache.add(busy, 1, BUSY_SECONDS))
        state = cache.get(key) if claimed else None
    except Exception:
        logger.warning("sign-in guard: cache unavailable; sign-in checked without per-account slowing")
        claimed = None
    if claimed is None:
        yield Attempt(None, 0)
        return
    if not claimed:
        raise AccountBusy
    try:
        now = time.time()
        failures, last = _failures(state, now)
        wait = delay_seconds(failures) - (now - last)
        if wait > 0:
            raise AccountSlowed(math.ceil(wait))
        yield Attempt(key, failures)
    finally:
        try:
            cache.delete(busy)
        except Exception:
            logger.warning("sign-in guard: cache unavailable; the account is freed when its claim expires")
