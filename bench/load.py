"""Load with nothing lost: mixed traffic while Redis restarts and the Celery worker is SIGKILLed.

    .venv/bin/python bench/load.py [--duration 30] [--concurrency 16]

What it does, every run:

1. Drops and recreates the database `corerecovery_bench_load` (`--db`), migrates and seeds it as
   bench/speed_to_lead.py does (content, default routing, one synthetic admissions recipient reached by
   email and SMS), and creates a partner API key in-process.
2. Starts, on 127.0.0.1: an aiosmtpd SMTP server and a fake Twilio (bench/speed_to_lead.py's), a PRIVATE
   redis-server on its own free port (tests/integration/harness.py's RedisServer; never the shared 6379),
   gunicorn (2 sync workers) and one Celery worker (`-P prefork -c 2`), all on that Redis.
3. For `--duration` seconds, `--concurrency` clients mix content reads (articles list and detail, programs,
   site), contact requests and partner referrals, each submission with a unique Idempotency-Key; a share of
   submissions is sent again with the same key and body, which must answer the same reference.
   At 30 % of the run Redis is stopped, and started again ~2 s later on the same port (it keeps nothing:
   the queued tasks are lost); at 65 % the worker's whole process group is SIGKILLed and a new one started.
4. Then sends `notifications.sweep` by name (the worker has NOTIFICATION_SWEEP_GRACE_SECONDS=0 and a small
   NOTIFICATION_RETRY_STALE_SECONDS) every few seconds until every event is routed, no notification is
   pending and the queue has drained (bounded by `--settle-timeout`).
5. Checks: every lead that got a 201 exists exactly once and no other lead exists (beyond requests whose
   outcome was never seen); every replay answered its original's reference; every notification row is
   sent or delivered; at the providers every (reference, channel, recipient) arrived once per row. Extra
   copies are the documented at-least-once window (a worker killed after the provider accepted a message
   and before its commit): they are counted and reported, and tolerated up to kills x worker concurrency.
   Anything else exits non-zero: a lost or doubled lead, a missing message, an unexplained duplicate.
6. Prints req/s and p50/p99 per kind, error counts, and writes bench/results/load-<timestamp>.json
   (`--output` elsewhere).

Nothing sent is printed: references, counts and timings only. The people are synthetic (example.org, 555).
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

from bench.common import (  # noqa: E402  (needs the sys.path fix above)
    HOST,
    REQUEST_ERRORS,
    REQUEST_TIMEOUT,
    CeleryWorker,
    Column,
    Connection,
    Server,
    bench_env,
    fetch,
    format_table,
    machine,
    ms,
    percentile,
    raise_on_sigterm,
    recreate_database,
    setup_django,
    write_results,
)
from bench.leads import REFERRALS_PATH, SyntheticPeople, describe_failure, encode, intake_env  # noqa: E402
from bench.speed_to_lead import (  # noqa: E402
    CELERY_QUEUE_KEYS,
    LEADS_PATH,
    Arrival,
    FakeTwilio,
    Inbox,
    SMTPServer,
    prepare_database,
    providers_env,
)

DB_NAME = "corerecovery_bench_load"
QUEUE = "celery"
WORKER_CONCURRENCY = 2
GUNICORN_WORKERS = 2
STALE_SECONDS = 3
SWEEP_EVERY = 3.0
LATE_DUPLICATE_WAIT = 2.0
REDIS_DOWN_SECONDS = 2.0
REDIS_RESTART_AT = 0.30
WORKER_KILL_AT = 0.65
CONTENT_KINDS = ("articles_list", "article_detail", "programs", "site")
KINDS = (*CONTENT_KINDS, "lead", "referral", "lead_replay", "referral_replay")
Key = tuple[str, str, str]  # (reference, channel, recipient address)


# --------------------------------------------------------------------------------------------------------
# Setup
# --------------------------------------------------------------------------------------------------------


def stack_env(db_name: str, redis_url: str, smtp_port: int, twilio_port: int) -> dict[str, str]:
    return bench_env(
        db_name=db_name,
        redis_url=redis_url,
        cache_key_prefix="corerecovery-bench-load",
        settings_module="config.settings.base",
        base={
            name: value
            for name, value in os.environ.items()
            if name.lower() not in ("http_proxy", "https_proxy", "all_proxy") and not name.startswith("TWILIO_")
        },
        **providers_env(smtp_port, twilio_port),
        NOTIFICATION_SWEEP_GRACE_SECONDS="0",
        NOTIFICATION_RETRY_STALE_SECONDS=str(STALE_SECONDS),
        NOTIFICATION_RETRY_BASE_SECONDS="1",
        NOTIFICATION_RETRY_MAX_SECONDS="2",
    ) | intake_env("notifications.tasks.enqueue_event_routing")


def create_partner_key() -> str:
    from django.db import connections

    from partners.models import ClientAPIKey, Partner

    partner, _ = Partner.objects.get_or_create(name="Load Partner", defaults={"slug": "load-partner"})
    api_key = ClientAPIKey(name="Load Partner", partner=partner, scopes=["referrals:write", "referrals:read"])
    api_key.clean()
    key = str(ClientAPIKey.objects.assign_key(api_key))
    api_key.save()
    connections.close_all()
    return key


# --------------------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------------------


@dataclass
class KindTally:
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    ok: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # non-2xx or no response: what, never a value


@dataclass
class Ledger:
    tallies: dict[str, KindTally] = field(default_factory=lambda: {kind: KindTally() for kind in KINDS})
    references: dict[str, list[str]] = field(default_factory=lambda: {"lead": [], "referral": []})
    replays: int = 0
    replay_mismatches: int = 0  # a replay answered with another reference: a second lead
    replays_not_marked: int = 0
    unknown_outcomes: int = 0  # submissions without a response: a lead may exist that no 201 announced
    events: list[tuple[float, str]] = field(default_factory=list)

    def errors(self) -> int:
        return sum(sum(tally.errors.values()) for tally in self.tallies.values())


async def timed(
    connection: Connection, tally: KindTally, path: str, *, method: str = "GET", headers: Any = None, body: Any = None
) -> Any:
    began = time.perf_counter()
    tally.sent += 1
    try:
        response = await asyncio.wait_for(
            connection.request(path, headers, keep_body=True, method=method, body=body), REQUEST_TIMEOUT
        )
    except REQUEST_ERRORS as exc:
        await connection.close()
        tally.errors[type(exc).__name__] += 1
        return None
    tally.latencies.append(time.perf_counter() - began)
    tally.statuses[response.status] += 1
    if 200 <= response.status < 300:
        tally.ok += 1
    else:
        tally.errors[describe_failure(response)] += 1
    return response


def reference_of(response: Any) -> str | None:
    try:
        value = json.loads(response.body or b"").get("reference")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


async def submit(connection: Connection, ledger: Ledger, kind: str, path: str, auth: dict[str, str], body: bytes, *,
                 replay: bool) -> None:  # fmt: skip
    headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    response = await timed(connection, ledger.tallies[kind], path, method="POST", headers=headers, body=body)
    if response is None:
        ledger.unknown_outcomes += 1
        return
    if response.status != 201:
        return
    reference = reference_of(response)
    if reference is None:
        ledger.tallies[kind].errors["201 without a reference"] += 1
        return
    ledger.references[kind].append(reference)
    if not replay:
        return
    again = await timed(connection, ledger.tallies[f"{kind}_replay"], path, method="POST", headers=headers, body=body)
    if again is None or again.status != 201:
        return
    ledger.replays += 1
    if reference_of(again) != reference:
        ledger.replay_mismatches += 1
    if again.headers.get("idempotent-replayed") != "true":
        ledger.replays_not_marked += 1


async def run_load(port: int, args: argparse.Namespace, api_key: str, slugs: list[str], ledger: Ledger,
                   chaos: Any) -> float:  # fmt: skip
    people = SyntheticPeople(args.seed)
    auth = {"Authorization": f"Api-Key {api_key}"}
    rng = random.Random(args.seed + 1)
    start = time.perf_counter()
    end = start + args.duration
    submissions = [0]

    async def client() -> None:
        connection = Connection(port)
        try:
            while time.perf_counter() < end:
                draw = rng.random()
                if args.max_submissions is not None and submissions[0] >= args.max_submissions:
                    draw = 0.37 + draw * 0.63  # the cap is reached: content reads only
                elif draw < 0.37:
                    submissions[0] += 1
                replay = rng.random() < args.replay_share
                if draw < 0.25:
                    await submit(connection, ledger, "lead", LEADS_PATH, {}, encode(people.lead()), replay=replay)
                elif draw < 0.37:
                    await submit(
                        connection, ledger, "referral", REFERRALS_PATH, auth, encode(people.referral()), replay=replay
                    )
                else:
                    kind = CONTENT_KINDS[int((draw - 0.37) / 0.63 * len(CONTENT_KINDS)) % len(CONTENT_KINDS)]
                    path = {
                        "articles_list": "/api/v1/articles/",
                        "article_detail": f"/api/v1/articles/{rng.choice(slugs)}/" if slugs else "/api/v1/articles/",
                        "programs": "/api/v1/programs/",
                        "site": "/api/v1/site/",
                    }[kind]
                    await timed(connection, ledger.tallies[kind], path)
        finally:
            await connection.close()

    tasks = [asyncio.create_task(client()) for _ in range(args.concurrency)]
    chaos_task = asyncio.create_task(chaos(start, args.duration))
    await asyncio.wait_for(asyncio.gather(*tasks, chaos_task), args.duration + REQUEST_TIMEOUT + 30)
    return time.perf_counter() - start


# --------------------------------------------------------------------------------------------------------
# After the load
# --------------------------------------------------------------------------------------------------------


def queue_drained(client: Any, orphans: set[bytes]) -> bool:
    waiting = sum(int(client.llen(key)) for key in CELERY_QUEUE_KEYS)
    return waiting == 0 and not (set(client.hkeys("unacked")) - orphans)


def settled() -> dict[str, int]:
    from django.db import connections

    from leads.models import LeadEvent
    from notifications.models import Notification

    state = {
        "unrouted_events": LeadEvent.objects.filter(routed_at__isnull=True).count(),
        "pending_notifications": Notification.objects.filter(status=Notification.Status.PENDING).count(),
    }
    connections.close_all()
    return state


def settle(probe: Any, redis_client: Any, orphans: set[bytes], timeout: float, alive: Any) -> dict[str, Any]:
    """Sweep every SWEEP_EVERY seconds until everything is routed and sent and the queue has drained."""
    began = time.monotonic()
    sweeps = 0
    state = settled()
    while time.monotonic() - began < timeout:
        alive()
        probe.send("notifications.sweep")
        sweeps += 1
        deadline = time.monotonic() + SWEEP_EVERY
        while time.monotonic() < deadline:
            time.sleep(0.25)
            state = settled()
            if not any(state.values()) and queue_drained(redis_client, orphans):
                time.sleep(0.2)
                if queue_drained(redis_client, orphans) and not any(settled().values()):
                    return {"seconds": time.monotonic() - began, "sweeps": sweeps, "settled": True, **state}
    return {"seconds": time.monotonic() - began, "sweeps": sweeps, "settled": False, **state}


def check(ledger: Ledger, arrivals: list[Arrival], inbox: Inbox, kills: int) -> dict[str, Any]:
    from django.db import connections

    from leads.models import Lead
    from notifications.models import Notification

    returned = ledger.references["lead"] + ledger.references["referral"]
    returned_counts = Counter(returned)
    doubled_in_responses = sorted(ref for ref, count in returned_counts.items() if count > 1)
    in_db = Counter(Lead.objects.filter(reference__in=set(returned)).values_list("reference", flat=True))
    lost = sorted(set(returned) - set(in_db))
    doubled_in_db = sorted(ref for ref, count in in_db.items() if count > 1)
    total_leads = Lead.objects.count()
    unannounced = total_leads - len(set(returned))

    rows = list(Notification.objects.select_related("recipient", "event__lead").order_by("id"))
    statuses = Counter(row.status for row in rows)
    not_sent = [row.pk for row in rows if row.status not in (Notification.Status.SENT, Notification.Status.DELIVERED)]
    expected: Counter[Key] = Counter(
        (row.event.lead.reference, row.channel, row.recipient.address(row.channel).lower()) for row in rows
    )
    received: Counter[Key] = Counter(arrival.key for arrival in arrivals)
    missing = expected - received
    extra = received - expected
    unexpected = {key: count for key, count in extra.items() if key not in expected}
    duplicates = {key: count for key, count in extra.items() if key in expected}
    duplicate_count = sum(duplicates.values())
    allowed = kills * WORKER_CONCURRENCY
    provider_ids = {arrival.provider_id for arrival in arrivals}
    ids_unknown = [row.pk for row in rows if row.provider_message_id and row.provider_message_id not in provider_ids]
    connections.close_all()

    checks = {
        "every 201 lead exists exactly once": not lost and not doubled_in_db and not doubled_in_responses,
        "no lead beyond the 201s (but unseen outcomes)": 0 <= unannounced <= ledger.unknown_outcomes,
        "no retried request made a second lead": ledger.replay_mismatches == 0,
        "every notification sent or delivered": not not_sent and bool(rows),
        "every row's message received": not missing,
        "no unknown message": not unexpected and not inbox.refused,
        # A worker SIGKILLed while it sent an SMS leaves a request cut short: never a message (its row is retried
        # and must arrive, above), and only where a worker was killed.
        "requests cut short only by a kill": inbox.cut_short <= kills * WORKER_CONCURRENCY,
        "duplicates within the at-least-once window": duplicate_count <= allowed,
        "rows' provider ids were received": not ids_unknown,
    }
    return {
        "ok": all(checks.values()),
        "checks": checks,
        "leads_returned": len(returned),
        "leads_in_database": total_leads,
        "leads_unannounced": unannounced,
        "lost_leads": lost,
        "doubled_leads": sorted(set(doubled_in_db) | set(doubled_in_responses)),
        "replays": ledger.replays,
        "replay_mismatches": ledger.replay_mismatches,
        "replays_not_marked_replayed": ledger.replays_not_marked,
        "unknown_outcomes": ledger.unknown_outcomes,
        "notifications": len(rows),
        "notification_statuses": dict(statuses),
        "notifications_not_sent": not_sent[:20],
        "messages_received": len(arrivals),
        "messages_missing": [list(key[:2]) for key in list(missing)[:20]],
        "messages_unexpected": [list(key[:2]) for key in list(unexpected)[:20]],
        "refused_provider_requests": list(inbox.refused)[:20],
        "provider_requests_cut_short": inbox.cut_short,
        "at_least_once_duplicates": {
            "count": duplicate_count,
            "allowed": allowed,
            "kills": kills,
            "worker_concurrency": WORKER_CONCURRENCY,
            "messages": [[key[0], key[1], count] for key, count in duplicates.items()],
        },
        "provider_ids_not_received": ids_unknown[:20],
    }


def kind_figures(tally: KindTally, seconds: float) -> dict[str, Any]:
    return {
        "requests": tally.sent,
        "ok": tally.ok,
        "requests_per_second": tally.ok / seconds if seconds else None,
        "latency_ms": {
            "p50": percentile(tally.latencies, 0.5) * 1000,
            "p99": percentile(tally.latencies, 0.99) * 1000,
            "max": max(tally.latencies) * 1000 if tally.latencies else None,
        },
        "statuses": {str(status): count for status, count in sorted(tally.statuses.items())},
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(tally.errors),
    }


# --------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--replay-share", type=float, default=0.2, help="submissions sent twice (default 0.2)")
    parser.add_argument("--max-submissions", type=int, help="then content reads only (default: no cap)")
    parser.add_argument("--db", default=DB_NAME, help=f"the throw-away database (default {DB_NAME})")
    parser.add_argument("--settle-timeout", type=float, default=300.0, help="bound of the sweeps (s)")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--output", type=Path, help="the JSON file (default bench/results/load-<time>.json)")
    parser.add_argument("--keep-logs", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    started = datetime.now()
    work_dir = Path(tempfile.mkdtemp(prefix="corerecovery-bench-load-"))
    print(f"bench/load.py: {args.db} on PostgreSQL, private redis-server, {os.cpu_count()} CPUs", flush=True)
    recreate_database(args.db)

    import redis

    from tests.integration.harness import Probe, RedisServer
    from tests.servers import free_port

    inbox = Inbox()
    ledger = Ledger()
    result: dict[str, Any] = {"started_at": started.isoformat(timespec="seconds"), "machine": machine()}
    ok = False
    with contextlib.ExitStack() as stack:
        broker = RedisServer(port=free_port(), directory=work_dir)
        stack.callback(broker.stop)
        broker.start()
        redis_url = f"redis://{HOST}:{broker.port}/0"
        smtp = SMTPServer(inbox)
        smtp.start()
        stack.callback(smtp.stop)
        twilio = FakeTwilio(inbox)
        twilio.start()
        stack.callback(twilio.stop)
        env = stack_env(args.db, redis_url, smtp.port, twilio.port)
        setup_django(env)
        prepared = prepare_database()
        api_key = create_partner_key()
        result["settings"] = {
            **{name: str(value) for name, value in vars(args).items()},
            "gunicorn": f"sync, -w {GUNICORN_WORKERS}",
            "celery": f"one worker: -P prefork -c {WORKER_CONCURRENCY}, acks late, prefetch 1",
            "redis": f"private redis-server on port {broker.port}, no persistence",
            "notification_retry_stale_seconds": STALE_SECONDS,
            "routing": prepared["routing"],
        }

        workers: list[CeleryWorker] = []

        def stop_workers() -> None:
            for worker in workers:
                worker.stop(timeout=15)

        server = Server("load", env, GUNICORN_WORKERS, work_dir)
        stack.callback(server.stop)
        stack.callback(stop_workers)
        workers.append(CeleryWorker("load-1", env, "prefork", WORKER_CONCURRENCY, work_dir))
        server.wait_ready()
        probe = Probe(redis_url)
        stack.callback(probe.close)
        redis_client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        stack.callback(redis_client.close)
        listing = json.loads(fetch(server.port, "/api/v1/articles/?page_size=50").body or b"{}")
        slugs = [item["slug"] for item in listing.get("results", []) if "slug" in item]
        print(f"servers: gunicorn :{server.port}, worker pids {workers[-1].pids()}, redis :{broker.port}; "
              f"{len(slugs)} article slugs", flush=True)  # fmt: skip

        orphans: set[bytes] = set()
        kills = 0

        async def chaos(start: float, duration: float) -> None:
            nonlocal kills, orphans
            loop = asyncio.get_running_loop()

            async def at(fraction: float) -> None:
                await asyncio.sleep(max(0.0, start + duration * fraction - time.perf_counter()))

            def mark(what: str) -> None:
                ledger.events.append((round(time.perf_counter() - start, 2), what))
                print(f"  t={time.perf_counter() - start:5.1f}s {what}", flush=True)

            await at(REDIS_RESTART_AT)
            mark("redis stopped")
            await loop.run_in_executor(None, broker.stop)
            await asyncio.sleep(REDIS_DOWN_SECONDS)
            await loop.run_in_executor(None, broker.start)
            mark("redis started")
            await at(WORKER_KILL_AT)
            victim = workers[-1]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(victim.process.pid, signal.SIGKILL)  # its own session: the pool's children too
            await loop.run_in_executor(None, victim.process.wait)
            kills += 1
            for _ in range(3):  # the client's connection may date from before the restart
                with contextlib.suppress(redis.RedisError):
                    keys = await loop.run_in_executor(None, redis_client.hkeys, "unacked")
                    orphans = {key if isinstance(key, bytes) else str(key).encode() for key in keys}
                    break
            mark(f"worker SIGKILLed ({len(orphans)} unacked task(s) left behind)")
            workers.append(CeleryWorker(f"load-{len(workers) + 1}", env, "prefork", WORKER_CONCURRENCY, work_dir))
            mark("new worker started")

        print(f"load: {args.duration:.0f}s, {args.concurrency} clients", flush=True)
        load_before = os.getloadavg()
        seconds = asyncio.run(run_load(server.port, args, api_key, slugs, ledger, chaos))
        load_after = os.getloadavg()
        result["machine"].update({"load_average_before": load_before, "load_average_after": load_after})

        def alive() -> None:
            if server.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{server.log_tail()}")
            if not workers[-1].alive():
                raise RuntimeError(f"the worker exited:\n{workers[-1].log_tail()}")

        print("sweeping until everything is routed and sent ...", flush=True)
        settling = settle(probe, redis_client, orphans, args.settle_timeout, alive)
        time.sleep(LATE_DUPLICATE_WAIT)
        stop_workers()
        server.stop()
        arrivals = inbox.snapshot()

        total_ok = sum(tally.ok for tally in ledger.tallies.values())
        result["load"] = {
            "seconds": seconds,
            "requests_ok": total_ok,
            "requests_per_second": total_ok / seconds,
            "errors": ledger.errors(),
            "events": ledger.events,
            "kinds": {kind: kind_figures(tally, seconds) for kind, tally in ledger.tallies.items()},
        }
        result["settle"] = settling
        result["check"] = outcome = check(ledger, arrivals, inbox, kills)
        ok = outcome["ok"] and settling["settled"]

        rows = [{"kind": kind, **figures} for kind, figures in result["load"]["kinds"].items()]
        columns = [
            Column("kind", 16, lambda row: row["kind"]),
            Column("ok", 7, lambda row: str(row["ok"])),
            Column("req/s", 8, lambda row: f"{row['requests_per_second']:.1f}"),
            Column("p50 ms", 9, lambda row: ms(row["latency_ms"]["p50"])),
            Column("p99 ms", 9, lambda row: ms(row["latency_ms"]["p99"])),
            Column("errors", 7, lambda row: str(row["errors"])),
        ]
        print()
        print(format_table(columns, rows))
        print(
            f"\ntotal: {total_ok} ok requests in {seconds:.1f}s = {total_ok / seconds:.1f} req/s, "
            f"{ledger.errors()} error(s)"
        )
        for row in rows:
            if row["errors"]:
                print(f"  {row['kind']}: {row['error_kinds']}")
        print(
            f"settle: {settling['sweeps']} sweep(s), {settling['seconds']:.1f}s, "
            f"{'settled' if settling['settled'] else 'NOT SETTLED'}"
        )
        print(
            f"check: {outcome['leads_returned']} leads answered 201, {outcome['leads_in_database']} in the "
            f"database; {outcome['replays']} replays; {outcome['notifications']} notifications "
            f"{outcome['notification_statuses']}; {outcome['messages_received']} messages received"
        )
        dup = outcome["at_least_once_duplicates"]
        print(f"  at-least-once duplicates: {dup['count']} (allowed {dup['allowed']} = {kills} kill(s) x "
              f"{WORKER_CONCURRENCY})")  # fmt: skip
        for name, passed in outcome["checks"].items():
            print(f"  {name:<48} {'ok' if passed else 'FAILED'}")
        for name in ("lost_leads", "doubled_leads", "notifications_not_sent", "messages_missing",
                     "messages_unexpected", "refused_provider_requests"):  # fmt: skip
            if outcome[name]:
                print(f"  {name}: {outcome[name]}")
        print(f"nothing lost: {'PASSED' if ok else 'FAILED'}")
        if not ok:
            for path in (workers[-1].log_path, server.log_path):  # both stopped: their log files are closed
                tail = "\n".join(path.read_text(errors="replace").splitlines()[-30:])
                print(f"--- {path.name} ---\n{tail}")

    if ok and not args.keep_logs:
        shutil.rmtree(work_dir, ignore_errors=True)
    else:
        print(f"logs: {work_dir}")
    if args.output:
        args.output.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"results: {args.output}")
    else:
        write_results("load", started, result, default=str)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
