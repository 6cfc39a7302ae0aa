"""Reads of partners, their people and their keys, with what their callers need already joined."""

import hashlib
import logging
from functools import cache as once
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from partners.models import ClientAPIKey, Partner, PartnerUser

logger = logging.getLogger(__name__)

_ORIGINS_CACHE_KEY = "partners:publishable-origins:v1"
# A new key's origin is answered at once (the services forget the set); a key that expires on its own stops
# being answered within this many seconds. The set is read on every CORS preflight of the referrals endpoint.
ORIGINS_CACHE_SECONDS = 60


def publishable_origins() -> frozenset[str]:
    """Every origin of a usable publishable key (not revoked, not expired, its partner active).

    This answers a CORS preflight, which carries no key: an origin in here may try; the referral itself is then
    checked against its own key's origins.
    """
    try:
        origins = cache.get(_ORIGINS_CACHE_KEY)
    except Exception:  # the cache is an optimisation (config/cache.py): the database answers
        logger.warning("cache unavailable; publishable origins read from the database")
        return frozenset(_origins_from_database())
    if origins is None:
        origins = _origins_from_database()
        try:
            cache.set(_ORIGINS_CACHE_KEY, origins, ORIGINS_CACHE_SECONDS)
        except Exception:
            logger.warning("cache unavailable; publishable origins not cached")
    return frozenset(origins)


def _origins_from_database() -> list[str]:
    rows = ClientAPIKey.objects.filter(
        Q(expiry_date__isnull=True) | Q(expiry_date__gt=timezone.now()),
        kind=ClientAPIKey.Kind.PUBLISHABLE,
        revoked=False,
        partner__is_active=True,
    ).values_list("allowed_origins", flat=True)
    return sorted({origin for row in rows for origin in row})


def publishable_origins_forget() -> None:
    """After a publishable key is issued, changed or revoked: the next preflight reads the keys again."""
    try:
        cache.delete(_ORIGINS_CACHE_KEY)
    except Exception:  # then the set is at most ORIGINS_CACHE_SECONDS old
        logger.warning("cache unavailable; publishable origins not forgotten")


# The key behind an `Authorization: Api-Key` header, with its partner, is read on every partner request: the cache
# holds it (a pickled instance) for at most this many seconds. Saving or deleting the key or its partner forgets it
# at once (partners.receivers), so a revocation, a new scope or a deactivated partner applies to the next request;
# only a write that bypasses save() (QuerySet.update, SQL) waits this long. Expiry is checked on every request.
API_KEY_CACHE_SECONDS = 60


@once
def _api_key_cache_version() -> str:
    # A deploy that changes either model never unpickles an instance of the old one: the key names the fields.
    fields = [field.attname for model in (ClientAPIKey, Partner) for field in model._meta.concrete_fields]
    return hashlib.sha256(" ".join(fields).encode()).hexdigest()[:8]


def _api_key_cache_key(prefix: str) -> str:
    return f"partners:api-key:{_api_key_cache_version()}:{prefix}"


def api_key_by_prefix(prefix: str) -> ClientAPIKey | None:
    """The unrevoked key with this prefix (the library's lookup), its partner loaded; None if there is none.

    The caller checks the secret against it (`is_valid`), its expiry and its partner's state, as ever.
    """
    try:
        api_key = cache.get(_api_key_cache_key(prefix))
    except Exception:  # the cache is an optimisation (config/cache.py): the database answers
        logger.warning("cache unavailable; API key read from the database")
        return _api_key_from_database(prefix)
    if api_key is None:
        api_key = _api_key_from_database(prefix)
        if api_key is not None:
            api_key_remember(api_key)
    return api_key


def _api_key_from_database(prefix: str) -> ClientAPIKey | None:
    return ClientAPIKey.objects.select_related("partner").filter(prefix=prefix, revoked=False).first()


def api_key_remember(api_key: ClientAPIKey) -> None:
    """Keep this key (with its partner loaded) for the next requests that send it."""
    try:
        cache.set(_api_key_cache_key(api_key.prefix), api_key, API_KEY_CACHE_SECONDS)
    except Exception:
        logger.warning("cache unavailable; API key not cached")


def api_keys_forget(prefixes: list[Any]) -> None:
    """After these keys (or their partner) changed: the next request reads them from the database."""
    try:
        cache.delete_many([_api_key_cache_key(prefix) for prefix in prefixes])
    except Exception:  # then a key is at most API_KEY_CACHE_SECONDS old
        logger.warning("cache unavailable; API keys not forgotten")


def partner_user_for_session(*, user_id: int, session_version: int) -> PartnerUser | None:
    """The person a portal session names, if it still holds: active, of an active partner, and not ended since
    (removal or a new sign-in method raise `session_version`)."""
    return (
        PartnerUser.objects.select_related("partner")
        .filter(pk=user_id, session_version=session_version, is_active=True, partner__is_active=True)
        .first()
    )


def partner_people(*, partner: Partner) -> QuerySet[PartnerUser]:
    """A partner's people: those in the portal first, then those removed (kept for the record)."""
    return PartnerUser.objects.filter(partner=partner).order_by("-is_active", "email")
