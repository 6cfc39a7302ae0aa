"""Removing personal data from what leaves the process for an error tracker or a tracing backend.

Used by Sentry's `before_send` (ops.sentry) and by the span processor before export (ops.tracing). What goes:
request bodies (all of them: the lead and referral bodies are why, and no other body is worth the risk),
query strings of lead and referral endpoints, cookies, headers that carry keys or tokens, any field named like
a secret or a sealed column, and any string that looks like an email address or a phone number, wherever it
is (an exception message, a log breadcrumb, a tag).
"""

from __future__ import annotations

import re
from typing import Any

FILTERED = "[Filtered]"
# Keys (of headers, dicts, span attributes) whose values are never kept.
_SECRET_KEY = re.compile(
    r"authorization|api[-_]?key|cookie|token|secret|password|passwd|signature|session|csrf|sealed|dsn|"
    r"x-twilio|idempotency",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, with the separators phone numbers are written with: (602) 555-0142, +1 602.555.0142.
_PHONE = re.compile(r"(?<![\w/])\+?\(?\d(?:[\s().-]*\d){6,14}(?![\w/])")
# Paths whose bodies and query strings are people's words and contact details.
PERSONAL_PATHS = ("/api/v1/leads", "/api/v1/referrals", "/staff/", "/admin/leads", "/partners/")


# Values the SDKs write themselves (times, ids, versions): left as they are, whatever digits they hold.
_KEPT_KEYS = frozenset({"timestamp", "start_timestamp", "event_id", "trace_id", "span_id", "parent_span_id",
                        "release", "version", "sent_at"})  # fmt: skip


def scrub_text(value: str) -> str:
    return _PHONE.sub(FILTERED, _EMAIL.sub(FILTERED, value))


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def scrub(value: Any, *, depth: int = 0) -> Any:
    """A copy of `value` with secret-named keys filtered and personal-looking strings replaced."""
    if depth > 20:
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: item if key in _KEPT_KEYS and not isinstance(item, dict | list)
            else FILTERED if isinstance(key, str) and is_secret_key(key)
            else scrub(item, depth=depth + 1)
            for key, item in value.items()
        }  # fmt: skip
    if isinstance(value, list | tuple):
        # Sentry sends headers as [name, value] pairs in places.
        if len(value) == 2 and isinstance(value[0], str) and is_secret_key(value[0]):
            return [value[0], FILTERED]
        return [scrub(item, depth=depth + 1) for item in value]
    return value


def _strip_request(request: dict[str, Any]) -> None:
    request.pop("data", None)  # bodies: never
    request.pop("cookies", None)
    url = str(request.get("url") or "")
    if "?" in url:
        request["url"] = url.split("?", 1)[0]
    if any(part in url for part in PERSONAL_PATHS) or "query_string" in request:
        request.pop("query_string", None)
    request.pop("env", None)  # REMOTE_ADDR and the server's environment


def before_send(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's before_send (and before_send_transaction): the event without personal data."""
    request = event.get("request")
    if isinstance(request, dict):
        _strip_request(request)
    event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    return scrub(event)
