"""Rows read on every request of a partner, kept in the cache between requests: an API key (every request of the
partners' API) and a portal user (every page of the portal), each with its partner.

Each is a pickled instance, kept at most `CACHE_SECONDS`. Saving or deleting the row or its partner forgets it
at once (partners.receivers), so a revoked key, a removed person, a new sign-in method or a deactivated partner
applies to the very next request; only a write that bypasses save() (QuerySet.update, SQL) waits for the expiry.
Without the cache (Redis down) every read goes to the database, as before.

Why: the ORM spends more CPU building these joined reads than PostgreSQL spends answering them, on every request
(bench/leads.py: about a tenth of a referral's CPU).
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Model

from partners.models import Partner

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60


class CachedRows:
    """Instances of one model, each with its partner loaded, cached by an identifier (a key's prefix, an id)."""

    def __init__(self, name: str, model: type[Model]) -> None:
        self.name = name
        self.model = model
        self._version = ""

    def _key(self, ident: Any) -> str:
        if not self._version:
            # A deploy that changes either model never unpickles an instance of the old one: the key names the
            # fields (computed on first use, when the apps are ready).
            fields = [field.attname for model in (self.model, Partner) for field in model._meta.concrete_fields]
            self._version = hashlib.sha256(" ".join(fields).encode()).hexdigest()[:8]
        return f"partners:{self.name}:{self._version}:{ident}"

    def get(self, ident: Any, load: Callable[[], Any]) -> Any:
        """The cached instance, or `load()`'s (then cached unless None)."""
        try:
            instance = cache.get(self._key(ident))
        except Exception:  # the cache is an optimisation (config/cache.py): the database answers
            logger.warning("cache unavailable; %s read from the database", self.name)
            return load()
        if instance is None:
            instance = load()
            if instance is not None:
                self.remember(ident, instance)
        return instance

    def remember(self, ident: Any, instance: Any) -> None:
        try:
            cache.set(self._key(ident), instance, CACHE_SECONDS)
        except Exception:
            logger.warning("cache unavailable; %s not cached", self.name)

    def forget(self, idents: Iterable[Any]) -> None:
        keys = [self._key(ident) for ident in idents]
        if not keys:
            return
        try:
            cache.delete_many(keys)
        except Exception:  # then an instance is at most CACHE_SECONDS old
            logger.warning("cache unavailable; %s not forgotten", self.name)
