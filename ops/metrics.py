"""The metrics the service exports (Prometheus), and the one-line calls that record them.

Every label can take a handful of values only and none can identify anyone: a route *template*, a method, a
status, a lead kind or source, a channel, a task name. Never a path, a reference, an id or an address.

Under gunicorn and Celery prefork each process writes its samples to files in `PROMETHEUS_MULTIPROC_DIR`
(prometheus_client's multiprocess mode) and `/metrics` adds them up; without it, the process's own registry
is read (`make run`, tests). The gauges alerts need about the database and the broker are not here: they are
read at scrape time by `ops.collector`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# The `_created` series double what is scraped and no rule reads them.
disable_created_metrics()

# Seconds: from a fast hand-off (tens of ms) to the hours a lead may wait over a weekend.
SPEED_TO_LEAD_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)
# Seconds for staff to take a lead on or first try to reach the person: minutes to a day.
STAFF_RESPONSE_BUCKETS = (60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 72 * 3600)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUESTS = Counter(
    "http_requests", "HTTP requests answered, by route template, method and status.", ["route", "method", "status"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request, by route template and method.",
    ["route", "method"], buckets=HTTP_BUCKETS,
)  # fmt: skip
CONTENT_CACHE = Counter(
    "content_cache_requests", "Content responses looked up in the response cache, by result (hit, miss).", ["result"]
)
LEADS_RECEIVED = Counter("leads_received", "Leads created (spam excluded), by kind and source.", ["kind", "source"])
LEADS_SPAM = Counter("leads_spam", "Submissions caught by the honeypot (kept without their data, never routed).")
NOTIFICATIONS = Counter(
    "notifications", "Notifications to staff that reached a final status (sent, failed), by channel.",
    ["channel", "status"],
)  # fmt: skip
DELIVERY_ATTEMPTS = Counter(
    "notification_delivery_attempts", "Attempts to hand a notification to its provider, by channel and outcome "
    "(sent, transient_error, permanent_error).", ["channel", "outcome"],
)  # fmt: skip
FALLBACKS = Counter("notification_fallbacks", "Fallbacks created, by the channel that failed.", ["channel"])
SPEED_TO_LEAD = Histogram(
    "lead_to_provider_seconds", "Speed to lead: from a new lead's arrival to the provider accepting the first "
    "message about it, per notification, by channel.", ["channel"], buckets=SPEED_TO_LEAD_BUCKETS,
)  # fmt: skip
TO_ACKNOWLEDGED = Histogram(
    "lead_to_acknowledged_seconds", "From a lead's arrival to staff taking it on.", buckets=STAFF_RESPONSE_BUCKETS
)
TO_FIRST_ATTEMPT = Histogram(
    "lead_to_first_contact_attempt_seconds", "From a lead's arrival to staff's first try at reaching the person.",
    buckets=STAFF_RESPONSE_BUCKETS,
)  # fmt: skip
ESCALATIONS = Counter("lead_escalations", "Unacknowledged leads escalated to the next group.")
SWEEPER_REQUEUED = Counter(
    "sweeper_requeued", "Rows the minute's sweep had to enqueue again (events, notifications), by kind.", ["kind"]
)
WEBHOOK_DELIVERIES = Counter(
    "webhook_delivery_attempts", "Outgoing webhook delivery tasks, by the delivery's status afterwards "
    "(delivered, pending: to retry, failed, cancelled, skipped).", ["status"],
)  # fmt: skip
EDGE_PURGES = Counter(
    "edge_purges", "Purge requests to the edge (Varnish, Fastly, Cloudflare), by result (ok, failed).", ["result"]
)
TASKS = Counter("celery_tasks", "Celery tasks finished, by task name and state.", ["task", "state"])
TASK_RETRIES = Counter("celery_task_retries", "Celery task retries, by task name.", ["task"])
TASK_LAST_SUCCESS = Gauge(
    "celery_task_last_success_timestamp_seconds", "When a task last succeeded (Unix time), by task name: a worker "
    "and beat alive run notifications.sweep every minute.", ["task"], multiprocess_mode="max",
)  # fmt: skip


def initialise() -> None:
    """Known label values start at 0, so `increase()` sees the first event of each (an alert on "no lead
    delivered" compares two counters that may not have moved yet)."""
    from leads.models import LeadKind, LeadSource

    for kind in LeadKind.values:
        for source in LeadSource.values:
            LEADS_RECEIVED.labels(kind, source)
    for channel in ("email", "sms"):
        for status in ("sent", "failed"):
            NOTIFICATIONS.labels(channel, status)
        FALLBACKS.labels(channel)
    for kind in ("events", "notifications"):
        SWEEPER_REQUEUED.labels(kind)
    for result in ("hit", "miss"):
        CONTENT_CACHE.labels(result)
    for result in ("ok", "failed"):
        EDGE_PURGES.labels(result)
    for status in ("delivered", "failed"):
        WEBHOOK_DELIVERIES.labels(status)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# The children of the two HTTP metrics, per (route, method, status), as their bound `inc` and `observe`:
# `labels()` takes a lock and builds a key each time, on every request. Bounded: routes, methods and statuses
# are finite.
_http_children: dict[tuple[str, str, int], tuple[Callable[[], None], Callable[[float], None]]] = {}


def http_request(*, route: str, method: str, status: int, seconds: float) -> None:
    key = (route, method, status)
    children = _http_children.get(key)
    if children is None:
        label = method if method in _METHODS else "other"
        children = (HTTP_REQUESTS.labels(route, label, str(status)).inc, HTTP_DURATION.labels(route, label).observe)
        _http_children[key] = children
    count, observe = children
    count()
    observe(seconds)


# The cache's two children, made once (a hit is counted on every warm read).
_CACHE_HIT = CONTENT_CACHE.labels("hit").inc
_CACHE_MISS = CONTENT_CACHE.labels("miss").inc


def content_cache_lookup(*, hit: bool) -> None:
    (_CACHE_HIT if hit else _CACHE_MISS)()


def _after_commit(record: object) -> None:
    # Counted once the row is there: a rolled-back transaction counts nothing.
    transaction.on_commit(record, robust=True)  # type: ignore[arg-type]


def lead_received(*, kind: str, source: str, is_spam: bool = False) -> None:
    if is_spam:
        _after_commit(LEADS_SPAM.inc)
    else:
        _after_commit(LEADS_RECEIVED.labels(kind, source).inc)


def notification_attempt(*, channel: str, outcome: str) -> None:
    DELIVERY_ATTEMPTS.labels(channel, outcome).inc()


def notification_sent(*, channel: str, event_kind: str, lead_received_at: datetime | None) -> None:
    """A provider accepted a notification. The messages of a new lead (not of an escalation or a status
    change) time speed to lead."""
    DELIVERY_ATTEMPTS.labels(channel, "sent").inc()
    NOTIFICATIONS.labels(channel, "sent").inc()
    if event_kind == "lead.created" and lead_received_at is not None:
        SPEED_TO_LEAD.labels(channel).observe(max(0.0, (timezone.now() - lead_received_at).total_seconds()))


def notification_failed(*, channel: str, fallback: bool) -> None:
    NOTIFICATIONS.labels(channel, "failed").inc()
    if fallback:
        FALLBACKS.labels(channel).inc()


def lead_acknowledged(*, received_at: datetime, at: datetime) -> None:
    _after_commit(lambda: TO_ACKNOWLEDGED.observe(max(0.0, (at - received_at).total_seconds())))


def lead_first_contact_attempt(*, received_at: datetime, at: datetime) -> None:
    _after_commit(lambda: TO_FIRST_ATTEMPT.observe(max(0.0, (at - received_at).total_seconds())))


def edge_purge(*, ok: bool) -> None:
    """The hook for the edge purge module: one call per purge request sent."""
    EDGE_PURGES.labels("ok" if ok else "failed").inc()
