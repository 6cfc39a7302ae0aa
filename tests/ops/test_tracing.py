"""Traces: a contact request's trace reaches the delivery task's span through the outbox and a real Celery
worker (in a thread of this process, on the test's Redis), and no span carries personal data or the query
string of a lead endpoint. The spans are read from the SDK's in-memory exporter."""

import time
from collections.abc import Iterator

import pytest
import redis
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.db import connections
from django.test import Client
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from config.celery import app
from notifications.models import Notification
from ops import tracing
from tests.leads.conftest import lead_body
from tests.ops.test_sentry import PERSONAL, SECRETS

pytestmark = pytest.mark.django_db(transaction=True)


def _close_connections(**_: object) -> None:
    connections.close_all()  # the worker thread's own, before the test database is flushed and dropped


@pytest.fixture
def spans(settings) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.instrument(SimpleSpanProcessor(exporter), service_name="corerecovery-test")
    yield exporter
    tracing.uninstrument()


@pytest.fixture
def worker(settings) -> Iterator[None]:
    """A real worker consuming the test broker's queue, in a thread; tasks are published, not run eagerly."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery", *broker.keys("celery\x06\x16*"), "unacked", "unacked_index")
    broker.close()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    signals.task_postrun.connect(_close_connections, weak=False, dispatch_uid="test-close-connections")
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
            yield
    finally:
        signals.task_postrun.disconnect(dispatch_uid="test-close-connections")
        app.conf.task_always_eager = eager


def _wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_contact_requests_trace_reaches_the_delivery_tasks_span_with_nothing_personal(staff_routing, spans, worker):
    response = Client().post(
        "/api/v1/leads/?utm_source=newsletter&email=quillon%40example.org",
        lead_body(**PERSONAL),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="quillon-602-555-0199",
    )
    assert response.status_code == 201
    sent = _wait_for(lambda: Notification.objects.filter(status="sent").count() >= 2)
    assert sent
    # The route task makes each message's first attempt itself (notifications.tasks): once its span has ended,
    # so have the delivery spans inside it. Waiting for a delivery alone raced the route span's end.
    _wait_for(lambda: [s for s in spans.get_finished_spans() if s.name == "run/notifications.route_event"])
    finished = spans.get_finished_spans()
    delivered = [span for span in finished if span.name == "notifications.deliver"]
    assert delivered
    by_id = {span.context.span_id: span for span in finished}
    [request] = [span for span in finished if span.kind == SpanKind.SERVER and "leads" in span.name]
    assert request.name == "POST api/v1/leads/"
    routed = [span for span in finished if span.name == "run/notifications.route_event"]
    assert routed
    # One trace from the request to each delivery: follow each delivery's parents up to the request.
    for span in delivered:
        assert span.context.trace_id == request.context.trace_id
        chain = []
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            chain.append(span.name)
        assert chain[-1] == "POST api/v1/leads/"
        assert "run/notifications.route_event" in chain
    # Nothing personal, no query string of the lead endpoint, in any span's name or attributes.
    exported = "\n".join(f"{span.name} {dict(span.attributes or {})} {span.events}" for span in finished)
    assert [value for value in (*SECRETS, "quillon%40", "utm_source=") if value.lower() in exported.lower()] == []
    assert {span.resource.attributes["service.name"] for span in finished} == {"corerecovery-test"}
