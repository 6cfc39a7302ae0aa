"""Per-IP throttling of anonymous clients; fails open if the cache (Redis) is down."""

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

logger = logging.getLogger(__name__)


class AnonymousIPThrottle(AnonRateThrottle):
    """DRF's anonymous throttle keyed on the client IP (behind NUM_PROXIES trusted proxies).

    If Redis is unreachable the request is let through: refusing every visitor because a cache is down
    would hurt people looking for help more than a short window without rate limits.
    """

    def get_rate(self) -> str | None:
        # Read at call time (DRF binds the rates at import), so a changed setting applies at once.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate else None

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("throttle cache unavailable; request allowed")
            return True
