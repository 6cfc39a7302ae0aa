"""Production's log lines: one JSON object each, with the request id (and the task, in a worker) on every line,
and no personal value anywhere along a lead's path (the plain-text capture test of tests/leads/test_privacy.py,
through the JSON formatter)."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from leads import services as lead_services
from leads.models import Lead
from ops.logs import ContextFilter, JsonFormatter
from tests.leads.conftest import lead_body
from tests.ops.test_sentry import PERSONAL, SECRETS

pytestmark = pytest.mark.django_db

REQUEST_ID = "req-1d2c3b4a5f6e7d8c"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG and above, formatted as in production (LOG_FORMAT=json)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# Committed for real, so the outbox's on-commit hook runs inside the request, as it does in production.
@pytest.mark.django_db(transaction=True)
def test_a_leads_whole_path_logs_json_lines_with_the_request_id_and_nothing_personal(
    staff_routing, json_lines, settings
):
    settings.LEAD_CONFIRMATION_CHANNELS = ["email"]
    client = Client(raise_request_exception=False)
    body = lead_body(**PERSONAL)

    created = client.post("/api/v1/leads/", body, content_type="application/json",
                          HTTP_IDEMPOTENCY_KEY="k1", HTTP_X_REQUEST_ID=REQUEST_ID)  # fmt: skip
    client.post("/api/v1/leads/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    client.post("/api/v1/leads/", {**body, "phone": "12"}, content_type="application/json")
    client.post("/api/v1/leads/", body, content_type="application/json", HTTP_HOST="not-allowed.example")
    lead = Lead.objects.get(reference=created.json()["reference"])
    lead_services.lead_change_status(lead=lead, to_status="contacted", note="Spoke with Quillon, 602-555-0199")

    raw = json_lines.getvalue()
    records = _records(json_lines)
    assert created.status_code == 201
    assert len(records) == len(raw.splitlines()) >= 5
    assert all({"time", "level", "logger", "message", "request_id", "trace_id", "task"} <= set(r) for r in records)
    # The worker's lines for this lead carry the request's id (tasks run eagerly here; tests/integration shows
    # it across processes) and the task's name.
    task_lines = [r for r in records if r["task"].startswith("notifications.")]
    assert [r for r in task_lines if r["request_id"] == REQUEST_ID]
    # "": the work of the status change made above outside any request (as a shell or a task would).
    assert {r["request_id"] for r in task_lines} <= {REQUEST_ID, ""}
    assert [r for r in records if r["logger"] == "django.security.DisallowedHost"]
    assert [line for line in raw.splitlines() if any(v.lower() in line.lower() for v in SECRETS)] == []


def test_extra_fields_a_call_passes_are_not_written(json_lines):
    logging.getLogger("tests.ops").warning("notification %s failed", 12, extra={"email": "quillon@example.org"})

    [record] = _records(json_lines)
    assert record["message"] == "notification 12 failed"
    assert "email" not in record
    assert "quillon" not in json_lines.getvalue()


def test_a_workers_task_without_a_request_keeps_no_earlier_tasks_request_id():
    from types import SimpleNamespace

    from ops import celery_signals, context

    def task(**request):
        return SimpleNamespace(name="notifications.deliver", request=SimpleNamespace(**request))

    celery_signals._prerun(task_id="1", task=task(is_eager=False, corerecovery_request_id=REQUEST_ID))
    carried = context.request_id.get()
    celery_signals._prerun(task_id="2", task=task(is_eager=False))  # the sweep's, say

    assert carried == REQUEST_ID
    assert context.request_id.get() == ""
