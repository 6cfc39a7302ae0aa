"""Reads of partners, their people and their keys, with what their callers need already joined."""

import logging

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from partners.cached import CachedRows
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


# Read on every request of a partner: kept in each process between requests (partners.cached), dropped on any save.
API_KEYS = CachedRows()  # by prefix
PORTAL_USERS = CachedRows()  # by id


def api_key_by_prefix(prefix: str) -> ClientAPIKey | None:
    """The unrevoked key with this prefix (the library's lookup), its partner loaded; None if there is none.

    The caller checks the secret against it (`is_valid`), its expiry and its partner's state, as ever.
    """
    return API_KEYS.get(
        prefix, lambda: ClientAPIKey.objects.select_related("partner").filter(prefix=prefix, revoked=False).first()
    )


def partner_user_for_session(*, user_id: int, session_version: int) -> PartnerUser | None:
    """The person a portal session names, if it still holds: active, of an active partner, and not ended since
    (removal or a new sign-in method raise `session_version`)."""
    user: PartnerUser | None = PORTAL_USERS.get(
        user_id, lambda: PartnerUser.objects.select_related("partner").filter(pk=user_id).first()
    )
    if user is None or user.session_version != session_version or not user.is_active or not user.partner.is_active:
        return None
    return user


def partner_people(*, partner: Partner) -> QuerySet[PartnerUser]:
    """A partner's people: those in the portal first, then those removed (kept for the record)."""
    return PartnerUser.objects.filter(partner=partner).order_by("-is_active", "email")
