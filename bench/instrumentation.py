"""What the instrumentation (ops/: the metrics middleware, the counters and histograms) costs per request.

    .venv/bin/python bench/instrumentation.py [--requests 300] [--rounds 9]

In one process, on a throw-away PostgreSQL database and Redis database, Django's whole stack answers the same
requests through two handlers side by side, alternately request by request: one as configured
(`ops.middleware` first, every `ops.metrics` call live) and one without the middleware and with every
`ops.metrics` call a no-op. It prints the CPU time per request of each (time.process_time: this process only),
the median over the rounds, and the ratio. No HTTP and no gunicorn: the denominator is smaller than a
server's, so the ratio is an upper bound of what the instrumentation adds to a server's CPU per request.
Tracing and Sentry are off, as they are unless OTEL_EXPORTER_OTLP_ENDPOINT or SENTRY_DSN is set.

Scenarios: a contact request (`POST /api/v1/leads/`, a new Idempotency-Key each), a warm article read and a
warm programs list (answered by api.warm_reads, the cheapest path, where a fixed cost weighs most).
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HOST, bench_env, flush_redis, recreate_database, setup_django

DB_NAME = os.environ.get("BENCH_DB_NAME", "corerecovery_bench_instrumentation")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# Every function of ops.metrics the app calls, made no-ops for the uninstrumented handler.
METRIC_CALLS = ("http_request", "content_cache_lookup", "lead_received", "notification_attempt", "notification_sent",
                "notification_failed", "lead_acknowledged", "lead_first_contact_attempt", "edge_purge")  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per scenario, handler and round")
    parser.add_argument("--rounds", type=int, default=9, help="rounds, each a median sample (default 9)")
    return parser.parse_args()


@contextmanager
def uninstrumented() -> Iterator[None]:
    from ops import metrics

    noops: dict[str, Any] = {name: lambda **_: None for name in METRIC_CALLS}
    with mock.patch.multiple(metrics, **noops):
        yield


def main() -> int:
    args = parse_args()
    recreate_database(DB_NAME)
    flush_redis(REDIS_URL)
    env = bench_env(
        db_name=DB_NAME, redis_url=REDIS_URL, cache_key_prefix="bench-instrumentation",
        settings_module="config.settings.base",
        LEAD_EVENT_PUBLISHER="",  # as bench/leads.py: the enqueue is measured by bench/speed_to_lead.py
        THROTTLE_LEADS_RATE="100000000/minute", THROTTLE_ANON_RATE="100000000/minute", LOG_LEVEL="WARNING",
    )  # fmt: skip
    setup_django(env)

    from django.core.management import call_command
    from django.test import Client, override_settings

    from tests.factories import ArticleFactory, ProgramFactory

    call_command("migrate", verbosity=0)
    ProgramFactory(slug="iop")
    ProgramFactory(slug="php")
    article = ArticleFactory()

    from django.conf import settings

    on = Client(SERVER_NAME=HOST)
    without = [name for name in settings.MIDDLEWARE if name != "ops.middleware.ObservabilityMiddleware"]
    with override_settings(MIDDLEWARE=without):
        off = Client(SERVER_NAME=HOST)
        off.get("/healthz")  # the handler loads its middleware now, under the override

    body = {"first_name": "Jordan", "last_name": "Synthetic", "phone": "(602) 555-0142", "email": "j@example.org",
            "program_interest": "iop", "message": "Looking for help.", "state": "AZ",
            "consent": {"contact": True}}  # fmt: skip

    def lead(client: Client) -> None:
        response = client.post("/api/v1/leads/", body, content_type="application/json",
                               headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
        assert response.status_code == 201, response.status_code

    def article_read(client: Client) -> None:
        assert (
            client.get(f"/api/v1/articles/{article.slug}/", headers={"Accept": "application/json"}).status_code == 200
        )

    def programs(client: Client) -> None:
        assert client.get("/api/v1/programs/", headers={"Accept": "application/json"}).status_code == 200

    scenarios: dict[str, Callable[[Client], None]] = {
        "POST /api/v1/leads/": lead, "GET article (warm)": article_read, "GET programs (warm)": programs
    }  # fmt: skip
    figures: dict[tuple[str, str], list[float]] = {}
    for call in scenarios.values():
        for client, mode in ((on, "on"), (off, "off")):
            for _ in range(20):  # warm: caches filled, routes learnt, connections open
                with uninstrumented() if mode == "off" else _nothing():
                    call(client)
    for _ in range(args.rounds):
        for name, call in scenarios.items():
            spent = {"on": 0.0, "off": 0.0}
            # Request by request, alternately: whatever the machine does meanwhile falls on both alike.
            for _ in range(args.requests):
                began = time.process_time()
                call(on)
                spent["on"] += time.process_time() - began
                with uninstrumented():
                    began = time.process_time()
                    call(off)
                    spent["off"] += time.process_time() - began
            for mode, seconds in spent.items():
                figures.setdefault((name, mode), []).append(seconds / args.requests * 1e3)

    print(f"bench/instrumentation.py: {args.rounds} rounds of {args.requests} requests per scenario and handler")
    print(f"{'scenario':<24} {'on ms/req':>10} {'off ms/req':>11} {'on/off':>8}")
    for name in scenarios:
        on_ms, off_ms = statistics.median(figures[(name, "on")]), statistics.median(figures[(name, "off")])
        print(f"{name:<24} {on_ms:>10.3f} {off_ms:>11.3f} {on_ms / off_ms:>8.3f}")
    return 0


@contextmanager
def _nothing() -> Iterator[Any]:
    yield


if __name__ == "__main__":
    sys.exit(main())
