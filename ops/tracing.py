"""OpenTelemetry traces from a request through the outbox to the delivery task, exported over OTLP/HTTP when
OTEL_EXPORTER_OTLP_ENDPOINT is set (the SDK reads it and the other OTEL_* variables itself); off otherwise.

The Celery instrumentation carries the trace context in each task's headers, so `POST /api/v1/leads/` →
`notifications.route_event` → `notifications.deliver` is one trace when the event is enqueued on commit. (An
event the sweeper enqueues later starts a trace of its own.) Before export every span goes through
`ScrubbingSpanProcessor`: no query string, no personal-looking value, no secret-named attribute.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.conf import settings
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider

from ops.scrub import FILTERED, PERSONAL_PATHS, is_secret_key, scrub_text

# Attributes that may hold a URL or its query string (old and new semantic conventions).
_URL_KEYS = frozenset({"http.url", "url.full", "http.target"})
_QUERY_KEYS = frozenset({"url.query"})
# Redis and SQL statements are kept (commands and placeholders, never values: the instrumentations are asked
# not to capture parameters), but a Redis statement names keys and arguments: only the command is kept.
_REDIS_STATEMENT = "db.statement"

_lock = threading.Lock()
_initialised = False


def _scrub_attribute(key: str, value: Any, *, system: Any) -> Any:
    if is_secret_key(key):
        return FILTERED
    if key in _QUERY_KEYS:
        return FILTERED
    if key in _URL_KEYS and isinstance(value, str):
        return value.split("?", 1)[0]
    if key == _REDIS_STATEMENT and system == "redis" and isinstance(value, str):
        return value.split(" ", 1)[0]
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, tuple | list):
        return tuple(scrub_text(item) if isinstance(item, str) else item for item in value)
    return value


def scrubbed(span: ReadableSpan) -> ReadableSpan:
    attributes = span.attributes or {}
    system = attributes.get("db.system") or attributes.get("db.system.name")
    clean = {key: _scrub_attribute(key, value, system=system) for key, value in attributes.items()}
    return ReadableSpan(
        name=scrub_text(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=clean,
        events=(),  # exception events carry messages and stack traces: Sentry has those, scrubbed
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class ScrubbingSpanProcessor(SpanProcessor):
    """Hands `delegate` (the exporting processor) a scrubbed copy of each ended span."""

    def __init__(self, delegate: SpanProcessor) -> None:
        self.delegate = delegate

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.delegate.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self.delegate.on_end(scrubbed(span))

    def shutdown(self) -> None:
        self.delegate.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.delegate.force_flush(timeout_millis)


def _excluded_urls() -> str:
    # Probes and the metrics scrape would be most of the traces and tell nothing.
    return "healthz,readyz,metrics,static/"


def _request_hook(span: Any, request: Any) -> None:
    if span.is_recording() and request.path.startswith(PERSONAL_PATHS):
        span.set_attribute("http.target", request.path)


def instrument(processor: SpanProcessor, *, service_name: str | None = None) -> TracerProvider:
    """Install a tracer provider exporting through `processor` (scrubbed) and instrument Django, Celery,
    psycopg and Redis. Once per process; later calls return the provider already installed."""
    global _initialised
    from opentelemetry import trace
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    with _lock:
        if _initialised:
            return trace.get_tracer_provider()  # type: ignore[return-value]
        name = service_name or os.environ.get("OTEL_SERVICE_NAME") or "corerecovery"
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
        provider.add_span_processor(ScrubbingSpanProcessor(processor))
        if not isinstance(trace.get_tracer_provider(), TracerProvider):  # the global one can be set only once
            trace.set_tracer_provider(provider)
        DjangoInstrumentor().instrument(
            tracer_provider=provider, excluded_urls=_excluded_urls(), request_hook=_request_hook
        )
        CeleryInstrumentor().instrument(tracer_provider=provider)
        PsycopgInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True, enable_commenter=False)
        RedisInstrumentor().instrument(tracer_provider=provider)
        _initialised = True
        return provider


def uninstrument() -> None:
    """Undo `instrument` (tests): the instrumentations are removed; a new `instrument` may follow."""
    global _initialised
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    with _lock:
        for instrumentor in (DjangoInstrumentor(), CeleryInstrumentor(), PsycopgInstrumentor(), RedisInstrumentor()):
            instrumentor.uninstrument()
        _initialised = False


def init_from_settings() -> bool:
    if not settings.OTEL_EXPORTER_OTLP_ENDPOINT:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    instrument(BatchSpanProcessor(OTLPSpanExporter()))
    return True
