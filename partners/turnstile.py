"""Cloudflare Turnstile's siteverify (https://developers.cloudflare.com/turnstile/get-started/server-side-validation/).

One small backend: a form POST of the secret, the token and the client's address to TURNSTILE_VERIFY_URL (tests
point it at a local fake server), with a timeout. The decisions on its answer are the service's
(partners.services.embed_human_check).
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from partners.exceptions import HumanCheckUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteverifyResult:
    success: bool
    error_codes: tuple[str, ...]
    hostname: str


def siteverify(*, token: str, remote_ip: str) -> SiteverifyResult:
    """Cloudflare's verdict on a token; HumanCheckUnavailable when it cannot be had (timeout, 5xx, not JSON)."""
    form = {"secret": settings.TURNSTILE_SECRET_KEY, "response": token}
    if remote_ip:
        form["remoteip"] = remote_ip
    request = urllib.request.Request(  # noqa: S310  # the URL is a setting, https in production
        settings.TURNSTILE_VERIFY_URL,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.TURNSTILE_TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read(64 * 1024))
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        # Never the token or the address in a log line: only what failed.
        logger.warning("turnstile siteverify failed: %s", type(exc).__name__)
        raise HumanCheckUnavailable() from exc
    if not isinstance(answer, dict):
        logger.warning("turnstile siteverify answered something other than an object")
        raise HumanCheckUnavailable()
    codes = answer.get("error-codes") or []
    return SiteverifyResult(
        success=answer.get("success") is True,
        error_codes=tuple(str(code) for code in codes) if isinstance(codes, list) else (),
        hostname=str(answer.get("hostname") or ""),
    )
