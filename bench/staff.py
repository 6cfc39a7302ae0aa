"""Benchmark of the staff workspace: the inbox over 500 open leads, and the dashboard over a year of 100,000.

    .venv/bin/python bench/staff.py [--leads 100000] [--open 500] [--requests 40] [--warmup 5]

What it does, every run:

1. Drops and recreates the database `corerecovery_bench_staff` (its own), migrates it, runs `seed_content`
   (programs such as `iop` and `php`) and installs the staff roles (accounts.roles.roles_install), with the
   servers' settings (`config.settings.base`, DEBUG off) on a flushed Redis database (4 unless
   BENCH_REDIS_URL says otherwise).
2. Writes synthetic leads with bulk_create, and nothing personal (`sealed` holds random bytes of a real
   record's size, so that rows are as wide as in production; no name, phone or email exists anywhere):
   `--leads` closed leads received over the last 365 days (a year of a busy center: website with UTM
   campaigns, 8 partners through the API or by phone, phoned-in leads; about 1% spam), each with its status
   history (received, contacted, assessment scheduled, then admitted, not admitted with a reason, or referred
   elsewhere) and one or two contact attempts; then `--open` open leads of the last three days (received,
   contacted, assessment scheduled or unable to reach; a fifth not yet taken on). Written in bulk, the leads send
   no signal: the dashboard's roll-up (leads.rollups) is then backfilled as `manage.py dashboard_rollup --all`
   does (every day marked, then rebuilt), timed, and so is rebuilding one day (what the page pays after a change
   to a lead of that day, when beat has not refreshed yet). Then VACUUM ANALYZE, as autovacuum would in
   production (statistics, and the visibility map that index-only scans need).
3. Signs in a member of staff with the Intake role (the inbox) and one with the Intake lead role (the
   dashboard), and requests each page through Django's test Client: the whole middleware stack, sessions,
   permissions and templates, without HTTP or a server process, so the figure is the server's own time.
   Pages: the inbox (first page of 50, its 5-second poll fragment, the last page) and the dashboard (over the
   last 365 days, and its default 12 weeks; and over the last 365 days again with today marked changed before
   each request, so that the page rebuilds today's roll-up first, as after a lead of today changed within the
   last minute). `--warmup` unmeasured requests, then `--requests` measured ones per page, round-robin across
   the pages.
4. Prints p50/p95 server time, the CPU per request of this process (Django) and of its PostgreSQL backend
   (which a busy machine disturbs much less than wall time), the queries per request (min and max over every
   request: a constant count shows as min = max, whatever page and whatever number of rows), the time spent in
   queries, and the slowest queries of the dashboard; the targets (inbox p95 under 100 ms at a constant query
   count, dashboard p95 under 500 ms) and whether they are met; writes bench/results/staff-<timestamp>.json.
5. Drops the database (`--keep` keeps it, to look at query plans; `--reuse` measures a kept one again, after
   migrating it, without writing the leads again; the roll-up is backfilled again all the same). A kept
   database serves the bench of another commit too (a worktree of it: `--reuse` there), to compare both on the
   same leads.

Exits non-zero when a page answers other than 200 or a target is missed.
"""

import argparse
import base64
import os
import random
import re
import signal
import statistics
import string
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's directory is sys.path[0], where `staff` would be this module: use the root.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

from bench.common import (  # noqa: E402  (needs the sys.path fix above)
    HOST,
    Column,
    bench_env,
    cpu_seconds,
    flush_redis,
    format_table,
    machine,
    percentile,
    raise_on_sigterm,
    recreate_database,
    setup_django,
    write_results,
)

DB_NAME = "corerecovery_bench_staff"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

INBOX_P95_TARGET_MS = 100.0
DASHBOARD_P95_TARGET_MS = 500.0
BATCH = 5000  # rows per INSERT: large enough to amortise the round trip, small enough for memory

PARTNERS = [f"Bench Partner {n}" for n in range(1, 9)]
CAMPAIGNS = ["iop-phoenix", "anxiety-support", "spring-outreach", "brand", "php-scottsdale", ""]
PROGRAMS = ["iop", "php", "unsure", ""]
REASONS = ["clinical_fit", "insurance", "declined", "capacity", "out_of_state", "other"]
# A closed lead's path through the statuses, and how often each happens.
PATHS = [
    (["contacted", "assessment_scheduled", "admitted"], 25),
    (["contacted", "assessment_scheduled", "not_admitted"], 12),
    (["contacted", "not_admitted"], 20),
    (["contacted", "referred_elsewhere"], 13),
    (["not_admitted"], 8),
    (["unable_to_reach", "not_admitted"], 12),
    (["unable_to_reach", "contacted", "assessment_scheduled", "admitted"], 10),
]
OPEN_STATUSES = [("received", 40), ("contacted", 30), ("assessment_scheduled", 20), ("unable_to_reach", 10)]
OPEN_STEPS = {
    "received": [], "contacted": ["contacted"], "assessment_scheduled": ["contacted", "assessment_scheduled"],
    "unable_to_reach": ["unable_to_reach"],
}  # fmt: skip


def server_env() -> dict[str, str]:
    return bench_env(
        db_name=DB_NAME, redis_url=REDIS_URL, cache_key_prefix="corerecovery-bench-staff",
        settings_module="config.settings.base",
    )  # fmt: skip


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------------------------------------
# Synthetic data (nothing personal)
# --------------------------------------------------------------------------------------------------------


def _references() -> Any:
    """L- and six characters, unique, in an order no real reference generator would follow."""
    alphabet = string.digits + string.ascii_uppercase
    n = 0
    while True:
        digits, value = [], n
        for _ in range(6):
            value, digit = divmod(value, 36)
            digits.append(alphabet[digit])
        yield "L-" + "".join(reversed(digits))
        n += 1


def _received_at(rng: random.Random, now: datetime, days: float) -> datetime:
    """A moment in the last `days` days, busier in the day than at night."""
    while True:
        moment = now - timedelta(seconds=rng.uniform(60, days * 86400))
        hour = (moment.hour - 7) % 24  # UTC to Phoenix
        if rng.random() < (1.0 if 8 <= hour < 20 else 0.35):
            return moment


def _sealed(rng: random.Random) -> str:
    """Random bytes the size of a real sealed record (a Fernet token of the personal fields: 0.5 to 1.5 KB), so
    that a row is as wide as in production; nothing in it is anyone's data."""
    return "gAAAAA" + base64.urlsafe_b64encode(rng.randbytes(rng.randint(400, 1100))).decode()


def _delay(rng: random.Random, median_seconds: float) -> timedelta:
    return timedelta(seconds=max(15.0, rng.lognormvariate(0, 1.0) * median_seconds))


def seed(*, closed: int, open_leads: int, seed_value: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from leads.models import ContactAttempt, Lead, LeadSource, LeadStatusChange
    from partners.models import Partner

    started = time.perf_counter()
    rng = random.Random(seed_value)
    now = timezone.now()
    users = get_user_model().objects
    intake = users.create_user("bench-intake", is_staff=True, first_name="Intake", last_name="Bench")
    intake.groups.add(Group.objects.get(name="Intake"))
    intake_lead = users.create_user("bench-intake-lead", is_staff=True, first_name="Lead", last_name="Bench")
    intake_lead.groups.add(Group.objects.get(name="Intake lead"))
    staff = [intake, intake_lead]
    partners = [Partner.objects.create(name=name, slug=name.lower().replace(" ", "-")) for name in PARTNERS]
    references = _references()
    paths, path_weights = zip(*PATHS, strict=True)
    open_statuses, open_weights = zip(*OPEN_STATUSES, strict=True)
    received_field = Lead._meta.get_field("received_at")
    # received_at is auto_now_add: bulk_create would stamp every row with now.
    received_field.auto_now_add = False
    counts: Counter[str] = Counter()
    try:
        for first in range(0, closed + open_leads, BATCH):
            leads, plans = [], []
            for n in range(first, min(first + BATCH, closed + open_leads)):
                is_open = n >= closed
                received = _received_at(rng, now, 3 if is_open else 365)
                roll = rng.random()
                partner = rng.choice(partners) if roll < 0.3 else None
                source = (LeadSource.PHONE if roll < 0.05 or roll > 0.88 else LeadSource.PARTNER if partner else
                          LeadSource.WEBSITE)  # fmt: skip
                spam = not is_open and source == LeadSource.WEBSITE and rng.random() < 0.015
                if is_open:
                    steps = OPEN_STEPS[rng.choices(open_statuses, open_weights)[0]]
                else:
                    steps = [] if spam else list(rng.choices(paths, path_weights)[0])
                taken = bool(steps) or (is_open and rng.random() < 0.5) or (not is_open and not spam)
                acknowledged = received + _delay(rng, 240) if taken else None
                attempted = received + _delay(rng, 420) if taken and (steps or rng.random() < 0.5) else None
                status = steps[-1] if steps else "received"
                leads.append(Lead(
                    reference=next(references), kind="partner_referral" if partner else "self", source=source,
                    partner=partner, status=status,
                    status_reason=rng.choice(REASONS) if status == "not_admitted" else "",
                    urgency="urgent" if rng.random() < 0.08 else "routine",
                    program_interest="" if spam else rng.choice(PROGRAMS),
                    utm_campaign=rng.choice(CAMPAIGNS) if source == LeadSource.WEBSITE and not spam else "",
                    is_spam=spam, sealed="" if spam else _sealed(rng), received_at=received,
                    acknowledged_at=acknowledged, first_attempt_at=attempted,
                    acknowledged_by=rng.choice(staff) if acknowledged else None,
                    assigned_to=rng.choice(staff) if acknowledged else None,
                ))  # fmt: skip
                plans.append((received, steps, attempted))
                counts["open" if is_open else "spam" if spam else "closed"] += 1
            Lead.objects.bulk_create(leads, batch_size=BATCH)
            changes, attempts = [], []
            for lead, (received, steps, attempted) in zip(leads, plans, strict=True):
                previous, moment = "", received
                for to_status in ["received", *steps]:
                    changes.append(LeadStatusChange(lead=lead, from_status=previous, to_status=to_status,
                                                    changed_at=moment))  # fmt: skip
                    previous, moment = to_status, moment + _delay(rng, 3600)
                outcome = "reached" if steps else "no_answer"
                for k in range(1 + (rng.random() < 0.5) if attempted is not None else 0):
                    assert attempted is not None
                    attempts.append(
                        ContactAttempt(lead=lead, channel="call", outcome=outcome,
                                       attempted_at=attempted + timedelta(hours=k))
                    )  # fmt: skip
            LeadStatusChange.objects.bulk_create(changes, batch_size=BATCH)
            ContactAttempt.objects.bulk_create(attempts, batch_size=BATCH)
            counts["status_changes"] += len(changes)
            counts["contact_attempts"] += len(attempts)
            print(f"  {min(first + BATCH, closed + open_leads):>7} leads written", end="\r", flush=True)
    finally:
        received_field.auto_now_add = True
    print()
    return {"seconds": time.perf_counter() - started, **counts}


# --------------------------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------------------------


def _shape(sql: str) -> str:
    """A query without its literal values, to group the same query across requests (parameters are counts and
    dates only; none is printed)."""
    return re.sub(r"\s+", " ", re.sub(r"'[^']*'|\b\d+(\.\d+)?\b", "?", sql))[:160]


def backfill_rollup() -> dict[str, Any]:
    """The roll-up of every day (`dashboard_rollup --all`), then one day's rebuild (the median of five)."""
    from django.utils import timezone

    from leads.models import LeadDailyCount, LeadWeeklySpeed
    from leads.reports import today_local
    from leads.rollups import rollup_mark, rollup_mark_all, rollup_refresh

    began = time.perf_counter()
    rollup_mark_all()
    days = rollup_refresh()
    seconds = time.perf_counter() - began
    one_day = []
    for _ in range(5):
        rollup_mark(today_local(timezone.now()))
        began = time.perf_counter()
        rollup_refresh()
        one_day.append((time.perf_counter() - began) * 1000)
    return {"days": days, "seconds": seconds, "count_rows": LeadDailyCount.objects.count(),
            "speed_rows": LeadWeeklySpeed.objects.count(), "one_day_ms": statistics.median(one_day)}  # fmt: skip


def mark_today() -> None:
    """A change to a lead of today, as far as the roll-up knows (leads.rollups: the mark a save writes)."""
    from django.utils import timezone

    from leads.reports import today_local
    from leads.rollups import rollup_mark

    rollup_mark(today_local(timezone.now()))


def measure(pages: dict[str, tuple[Any, str]], *, requests: int, warmup: int,
            before: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """`before`: page -> what to do before each of its requests, untimed."""
    from django.db import connection

    per_page: dict[str, dict[str, Any]] = {
        key: {"ms": [], "queries": [], "query_ms": [], "statuses": Counter(), "by_query": defaultdict(list),
              "cpu": [0.0, 0.0, 0]}  # this process's CPU seconds, its PostgreSQL backend's, requests counted
        for key in pages
    }  # fmt: skip
    current: dict[str, Any] = {}

    def timed(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - began) * 1000
            current["queries"] += 1
            current["query_ms"] += elapsed
            current["by_query"][_shape(sql)].append(elapsed)

    for round_number in range(warmup + requests):
        for key, (client, path) in pages.items():
            if before and key in before:
                before[key]()
            current.update(queries=0, query_ms=0.0, by_query=defaultdict(list))
            connection.ensure_connection()
            backend = connection.connection.info.backend_pid
            backend_before, process_before = cpu_seconds([backend]), time.process_time()
            with connection.execute_wrapper(timed):
                began = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - began) * 1000
            process_cpu, backend_after = time.process_time() - process_before, cpu_seconds([backend])
            if round_number < warmup:
                continue
            entry = per_page[key]
            # CPU, unlike wall time, hardly depends on what else the machine runs (clock ticks: summed, then averaged).
            if backend_before is not None and backend_after is not None:
                entry["cpu"][0] += process_cpu
                entry["cpu"][1] += backend_after - backend_before
                entry["cpu"][2] += 1
            entry["statuses"][response.status_code] += 1
            entry["ms"].append(elapsed)
            entry["queries"].append(current["queries"])
            entry["query_ms"].append(current["query_ms"])
            for shape, times in current["by_query"].items():
                entry["by_query"][shape].extend(times)
    return {
        key: {
            "path": pages[key][1],
            "requests": len(entry["ms"]),
            "statuses": {str(status): n for status, n in entry["statuses"].items()},
            "ms": {
                "p50": percentile(entry["ms"], 0.5),
                "p95": percentile(entry["ms"], 0.95),
                "mean": statistics.fmean(entry["ms"]),
                "max": max(entry["ms"]),
            },
            "queries": {"min": min(entry["queries"]), "max": max(entry["queries"])},
            "query_ms_median": statistics.median(entry["query_ms"]),
            "cpu_ms_per_request": {
                "django": entry["cpu"][0] * 1000 / max(1, entry["cpu"][2]),
                "postgresql": entry["cpu"][1] * 1000 / max(1, entry["cpu"][2]),
            },
            "slowest_queries": sorted(
                (
                    {
                        "query": shape,
                        "ms_median": statistics.median(times),
                        "per_request": len(times) / len(entry["ms"]),
                    }
                    for shape, times in entry["by_query"].items()
                ),
                key=lambda q: -q["ms_median"] * q["per_request"],
            )[:6],
        }
        for key, entry in per_page.items()
    }


TABLE = [
    Column("page", 36, lambda row: row["label"]),
    Column("p50 ms", 8, lambda row: f"{row['ms']['p50']:.1f}"),
    Column("p95 ms", 8, lambda row: f"{row['ms']['p95']:.1f}"),
    Column("max ms", 8, lambda row: f"{row['ms']['max']:.1f}"),
    Column("queries", 9, lambda row: f"{row['queries']['min']}" + (
        "" if row["queries"]["min"] == row["queries"]["max"] else f"-{row['queries']['max']}")),
    Column("ms in SQL", 9, lambda row: f"{row['query_ms_median']:.1f}"),
    Column("CPU ms: django", 14, lambda row: f"{row['cpu_ms_per_request']['django']:.1f}"),
    Column("+ pg", 6, lambda row: f"{row['cpu_ms_per_request']['postgresql']:.1f}"),
    Column("statuses", 10, lambda row: ",".join(f"{s}x{n}" for s, n in row["statuses"].items())),
]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=100_000, help="closed leads over the year (default 100000)")
    parser.add_argument("--open", type=int, default=500, help="open leads in the inbox (default 500)")
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page (default 40)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests per page first (default 5)")
    parser.add_argument("--seed", type=int, default=20261128, help="seed of the synthetic leads")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME} afterwards")
    parser.add_argument("--reuse", action="store_true", help=f"measure a kept {DB_NAME} again (implies --keep)")
    args = parser.parse_args()
    if args.leads < 0 or args.open < 1 or args.requests < 1 or args.warmup < 0:
        parser.error("leads >= 0, open >= 1, requests >= 1 and warmup >= 0 are required")
    return args


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    started = datetime.now()
    print(f"bench/staff.py: {DB_NAME} on PostgreSQL, Redis {REDIS_URL}, {os.cpu_count()} CPUs")
    reuse = args.reuse and database_exists(DB_NAME)
    args.keep = args.keep or args.reuse
    if not reuse:
        recreate_database(DB_NAME)
    try:
        return run(args, started)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(DB_NAME)


def run(args: argparse.Namespace, started: datetime) -> int:
    setup_django(server_env(), ALLOWED_HOSTS=f"{HOST},testserver")
    import io
    import warnings

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from accounts.roles import roles_install
    from leads.reports import today_local

    # Whitenoise's note that collectstatic has not run: true, and irrelevant here.
    warnings.filterwarnings("ignore", message="No directory at")
    flush_redis(REDIS_URL)
    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    from leads.models import Lead

    if Lead.objects.exists():
        print(f"database: kept from an earlier run, migrated in {time.perf_counter() - began:.1f}s")
        seeded = {"reused": True, "leads": Lead.objects.count()}
    else:
        call_command("seed_content", stdout=io.StringIO())
        roles_install()
        print(f"database: migrated, content seeded and roles installed in {time.perf_counter() - began:.1f}s")
        seeded = seed(closed=args.leads, open_leads=args.open, seed_value=args.seed)
        print(f"synthetic data in {seeded['seconds']:.1f}s: {seeded['closed']} closed leads over 365 days, "
          f"{seeded['spam']} spam, {seeded['open']} open; {seeded['status_changes']} status changes, "
          f"{seeded['contact_attempts']} contact attempts")  # fmt: skip
    rollup = backfill_rollup()
    print(f"dashboard roll-up backfilled in {rollup['seconds']:.1f}s: {rollup['days']} days, "
          f"{rollup['count_rows']} count rows and {rollup['speed_rows']} weekly speed rows; one day rebuilt in "
          f"{rollup['one_day_ms']:.1f} ms")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    users = get_user_model().objects
    intake, intake_lead = Client(), Client()
    intake.force_login(users.get(username="bench-intake"))
    intake_lead.force_login(users.get(username="bench-intake-lead"))
    from django.utils import timezone

    today = today_local(timezone.now())
    year = f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
    last_page = (args.open + 49) // 50
    pages = {
        "inbox": (intake, "/staff/leads/"),
        "inbox_poll": (intake, "/staff/leads/?partial=1"),
        "inbox_last_page": (intake, f"/staff/leads/?page={last_page}"),
        "dashboard_year": (intake_lead, f"/staff/dashboard/?{year}"),
        "dashboard_12_weeks": (intake_lead, "/staff/dashboard/"),
        "dashboard_year_changed": (intake_lead, f"/staff/dashboard/?{year}"),
    }
    labels = {
        "inbox": f"inbox, page 1 of {last_page}", "inbox_poll": "inbox, poll fragment",
        "inbox_last_page": f"inbox, page {last_page}", "dashboard_year": "dashboard, last 365 days",
        "dashboard_12_weeks": "dashboard, last 12 weeks",
        "dashboard_year_changed": "dashboard, 365 days, today changed",
    }  # fmt: skip
    load_before = os.getloadavg()
    results = measure(pages, requests=args.requests, warmup=args.warmup,
                      before={"dashboard_year_changed": mark_today})  # fmt: skip
    load_after = os.getloadavg()
    for key, row in results.items():
        row["label"] = labels[key]
    print()
    print(format_table(TABLE, list(results.values())))

    inbox_keys = [key for key in results if key.startswith("inbox")]
    inbox_worst = max(results[key]["ms"]["p95"] for key in inbox_keys)
    # The same page asks the same queries whatever its rows: every request alike, the first page as the last.
    constant = all(results[key]["queries"]["min"] == results[key]["queries"]["max"] for key in inbox_keys) and (
        results["inbox"]["queries"] == results["inbox_last_page"]["queries"]
    )
    dashboard_worst = max(results[key]["ms"]["p95"] for key in ("dashboard_year", "dashboard_year_changed"))
    targets = {
        "inbox_p95_ms_below": {"target": INBOX_P95_TARGET_MS, "worst": inbox_worst,
                               "met": inbox_worst < INBOX_P95_TARGET_MS},
        "inbox_constant_queries": {"counts": {key: results[key]["queries"] for key in inbox_keys}, "met": constant},
        "dashboard_p95_ms_below": {"target": DASHBOARD_P95_TARGET_MS, "worst": dashboard_worst,
                                   "met": dashboard_worst < DASHBOARD_P95_TARGET_MS},
    }  # fmt: skip
    print(f"\ntargets ({args.requests} requests a page, in-process, {args.leads + args.open} leads):")
    print(f"  inbox p95 under {INBOX_P95_TARGET_MS:.0f} ms: {targets['inbox_p95_ms_below']['worst']:.1f} ms, "
          f"{'met' if targets['inbox_p95_ms_below']['met'] else 'MISSED'}")  # fmt: skip
    counts = ", ".join(f"{labels[key]} {results[key]['queries']['min']}" for key in inbox_keys)
    print(f"  inbox at a constant query count ({counts}): "
          f"{'met' if targets['inbox_constant_queries']['met'] else 'MISSED'}")  # fmt: skip
    print(f"  dashboard over the year, p95 under {DASHBOARD_P95_TARGET_MS:.0f} ms: "
          f"{targets['dashboard_p95_ms_below']['worst']:.1f} ms, "
          f"{'met' if targets['dashboard_p95_ms_below']['met'] else 'MISSED'}")  # fmt: skip
    print(f"\nload average: {load_before[0]:.1f} before, {load_after[0]:.1f} after, on {os.cpu_count()} CPUs")
    print("\nslowest queries of the dashboard over the year (median ms, times per request):")
    for query in results["dashboard_year"]["slowest_queries"]:
        print(f"  {query['ms_median']:7.1f} ms x{query['per_request']:.0f}  {query['query'][:100]}")
    write_results("staff", started, {
        "started_at": started.isoformat(timespec="seconds"), "machine": machine(load_before, load_after),
        "settings": vars(args), "data": seeded, "rollup": rollup, "results": results, "targets": targets,
    })  # fmt: skip
    ok = all(target["met"] for target in targets.values()) and all(
        set(row["statuses"]) == {"200"} for row in results.values()
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
