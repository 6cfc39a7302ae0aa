"""Production settings: Prometheus scrapes /metrics over plain HTTP inside the network (no HTTPS redirect, as for
the probes), and the logs are JSON lines by default."""

import json

from tests.test_settings import PRODUCTION, _manage

SCRAPE = """
from django.test import Client
response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer production-metrics-token", HTTP_HOST="api.example.org")
print(response.status_code, response.headers.get("Location", "-"))
import logging; logging.getLogger("ops.test").warning("notification %s failed", 7)
"""


def test_metrics_are_scraped_over_plain_http_and_logs_are_json_lines(settings):
    broker = settings.CELERY_BROKER_URL  # this checkout's test Redis database, only read here
    result = _manage("shell", "-c", SCRAPE, **{**PRODUCTION, "REDIS_URL": broker,
                                              "METRICS_TOKEN": "production-metrics-token"})  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "200 -"
    [line] = [line for line in result.stderr.splitlines() if "notification 7 failed" in line]
    record = json.loads(line)
    assert record["level"] == "WARNING"
    assert record["logger"] == "ops.test"
    assert record["time"].endswith("+00:00")
