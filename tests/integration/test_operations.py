"""Operating the real stack: gunicorn and a Celery worker sharing a PROMETHEUS_MULTIPROC_DIR, leads sent over
HTTP and delivered by the worker to SMTP and the fake Twilio. /metrics (with the token; refused without it)
shows the web's counts and the worker's together; both write JSON log lines carrying the request id, and no
personal value."""

import json
import uuid
from pathlib import Path

import pytest

from tests.integration.fixtures import start_stack, wait_settled
from tests.integration.harness import _DIRECT, LEADS_PATH, http_post
from tests.leads.conftest import lead_body
from tests.ops.conftest import parse

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN = "integration-metrics-token-0123456789"
PERSONAL = ("Quillon", "Marchbanks", "555-0177", "5550177", "quillon@example.org", "end my life")


def _get(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    try:
        with _DIRECT.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_metrics_and_logs_of_leads_through_a_real_worker(launcher, config, shared_broker, staff, tmp_path):
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    stack = start_stack(
        launcher, config, shared_broker,
        PROMETHEUS_MULTIPROC_DIR=str(multiproc), METRICS_TOKEN=TOKEN, LOG_FORMAT="json", LOG_LEVEL="INFO",
    )  # fmt: skip
    request_ids, references = [], []
    for number in range(3):
        request_id = f"itest-{uuid.uuid4().hex}"
        body = lead_body(first_name="Quillon", last_name="Marchbanks", phone=f"(602) 555-01{77 + number}",
                         email="quillon@example.org", message="I want to end my life.")  # fmt: skip
        reply = http_post(stack.base_url + LEADS_PATH, json.dumps(body).encode(),
                          {"Content-Type": "application/json", "X-Request-ID": request_id})  # fmt: skip
        assert reply.status == 201, reply.status
        request_ids.append(request_id)
        references.append(reply.json()["reference"])
    rows = wait_settled(stack, *references)
    stack.probe.send("notifications.sweep")
    stack.probe.wait_drained()

    refused, _ = _get(stack.base_url + "/metrics", {})
    wrong, _ = _get(stack.base_url + "/metrics", {"Authorization": "Bearer not-the-token"})
    status, text = _get(stack.base_url + "/metrics", {"Authorization": f"Bearer {TOKEN}"})

    assert (refused, wrong, status) == (401, 401, 200)
    scraped = parse(text.decode())
    emails = sum(1 for row in rows if row.channel == "email")
    texts = sum(1 for row in rows if row.channel == "sms")
    assert (emails, texts) == (6, 3)
    # Counted by gunicorn's process: the requests and the leads.
    assert scraped.value("http_requests_total", route="api/v1/leads/", method="POST", status="201") == 3
    assert scraped.value("leads_received_total", kind="self", source="website") == 3
    # Counted by the worker's process, read from the shared directory: messages, speed to lead, tasks.
    assert scraped.value("notifications_total", channel="email", status="sent") == emails
    assert scraped.value("notifications_total", channel="sms", status="sent") == texts
    assert scraped.value("lead_to_provider_seconds_count", channel="email") == emails
    assert scraped.value("lead_to_provider_seconds_count", channel="sms") == texts
    assert scraped.value("lead_to_provider_seconds_bucket", channel="sms", le="60.0") == texts
    assert scraped.value("celery_tasks_total", task="notifications.route_event", state="success") == 3
    assert scraped.value("celery_task_last_success_timestamp_seconds", task="notifications.sweep") > 0
    # Read at scrape time: nothing waits.
    assert scraped.value("notification_oldest_pending_age_seconds") == 0
    assert scraped.value("celery_queue_length", queue="celery") == 0
    assert not [value for value in scraped.label_values() if any(ref in value for ref in references)]

    logs = {path.name: path.read_text() for path in Path(launcher.directory).glob("*.log")}
    worker_log = next(text for name, text in logs.items() if name.endswith("worker.log"))
    records = [json.loads(line) for line in worker_log.splitlines() if line.startswith("{")]
    # The routing task makes each message's first attempt: its lines carry the request's id.
    delivered = [r for r in records if r["task"] == "notifications.route_event"]
    assert len(delivered) >= 3  # Celery's "succeeded" line of each lead's routing, at least
    assert {r["request_id"] for r in delivered} == set(request_ids)
    for text in logs.values():
        assert [value for value in PERSONAL if value.lower() in text.lower()] == []
