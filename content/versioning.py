"""The content version: one token that every cached content response is stored under.

Any write to content bumps it (see `content.signals`), and so does the moment a scheduled item goes live:
the state remembers the next scheduled `publish_at` and the first reader past it draws a new token. A warm
request therefore reads the token from the cache and runs no SQL query, yet never sees a stale page.
"""

import logging
import time
import uuid
from typing import TypedDict

from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone

logger = logging.getLogger(__name__)

VERSION_KEY = "content:version"


class VersionState(TypedDict):
    token: str
    # Unix time of the next scheduled go-live, or None when nothing is scheduled.
    until: float | None
    # Unix time the token was drawn: no content changed after it, so lists may use it as Last-Modified.
    changed_at: float


def _next_go_live() -> float | None:
    from content.models import (
        AVAILABILITY_TRUSTED_FOR,
        FAQ,
        Article,
        Program,
        ProgramAvailability,
        PublicationStatus,
        Testimonial,
        Therapy,
    )

    now = timezone.now()
    upcoming = [
        model.objects.filter(status=PublicationStatus.PUBLISHED, publish_at__gt=now).aggregate(first=Min("publish_at"))[
            "first"
        ]
        for model in (Program, Therapy, Article, FAQ, Testimonial)
    ]
    # An availability turns unknown when it goes stale: that moment changes what readers see, as a go-live does.
    stale = ProgramAvailability.objects.filter(
        updated_at__gt=now - AVAILABILITY_TRUSTED_FOR, program__status=PublicationStatus.PUBLISHED
    ).aggregate(first=Min("updated_at"))["first"]
    upcoming.append(stale + AVAILABILITY_TRUSTED_FOR if stale is not None else None)
    times = [moment.timestamp() for moment in upcoming if moment is not None]
    return min(times) if times else None


def content_version_bump() -> VersionState:
    """Draw a new token (so every cached response is stale) and store it."""
    state = VersionState(token=uuid.uuid4().hex[:16], until=_next_go_live(), changed_at=time.time())
    try:
        cache.set(VERSION_KEY, state, timeout=None)
    except Exception:  # the cache is an optimisation: a Redis outage must not fail an editor's save
        logger.warning("content version could not be stored; cached responses expire by their timeout")
    return state


def content_version(state: VersionState | None) -> VersionState:
    """The current state, given the one read from the cache (None when missing)."""
    if state is None or (state["until"] is not None and time.time() >= state["until"]):
        state = content_version_bump()
    return state
