"""Benchmark of speed to lead: from a contact request's 201 to its staff messages reaching the providers.

    .venv/bin/python bench/speed_to_lead.py [--leads 1000] [--samples 200]

What it does, every run:

1. Drops and recreates the database `corerecovery_bench_stl`, migrates it, runs `seed_content` and
   `seed_routing` (the default groups and rules, no demo staff), then adds the benchmark's routing:
   - one synthetic recipient, "Admissions (bench)" (admissions-bench@example.org, +16025550199, channels
     email and sms), in the `admissions` group;
   - one rule, "Bench: every new lead: admissions by SMS" (lead.created -> admissions, sms), beside the
     seeded "Every new lead: admissions by email".
   The other seeded rules reach on-call, the clinical director or partner liaisons, who have nobody in
   them here; so whatever the lead's urgency (the crisis triage may mark one urgent) and whatever the hour
   (the after-hours rule), every contact request makes exactly two notifications: one email and one SMS to
   that recipient. The requests are self-referrals ("iop", AZ, SMS consent) from bench/leads.py's
   SyntheticPeople; the urgency mix that came out is in the report.
2. In this process: a real SMTP server (aiosmtpd) and a fake Twilio REST API (http.server) on free ports of
   127.0.0.1, each recording when every message arrived (perf_counter and wall clock) and the lead reference
   in it (the subject; the SMS body). The fake Twilio checks the path and Basic auth and answers 201 with a
   Twilio-like Message ("SM" + 32 hex, status "queued"); it never calls the status callback back.
3. Starts gunicorn (config.wsgi, `-w 2` sync workers, config.settings.base, DEBUG=false) and ONE Celery
   worker: `celery -A config worker -P prefork -c 2`, i.e. one worker node with two pool processes, what
   docker-compose.yml's `celery -A config worker` gives on this 2-CPU machine (`--pool solo` for a single
   process). Both on a flushed Redis database 11 and that database, with LEAD_EVENT_PUBLISHER at its
   default (notifications.tasks.enqueue_event_routing), EMAIL_BACKEND smtp to the local SMTP server,
   SMS_BACKEND notifications.backends.twilio with TWILIO_API_BASE_URL at the fake, and throttles that never
   trip. No beat: no sweep, no escalation. A few warm-up leads go through first (not measured).
4. Measures:
   a. speed to lead: `--samples` contact requests one at a time (`--gap` seconds after each 201), then waits
      for their messages; per channel, p50/p95/max of (arrival at the provider - the 201's arrival at the
      client). Target: p95 under 1 s.
   b. burst: `--leads` contact requests from `--concurrency` clients as fast as they go, then waits (at most
      `--burst-timeout` seconds from the first request) for every message. Reports the first request -> last
      201 and first request -> last message times, the Celery queue's depth over time (LLEN of its priority
      lists every 0.25 s), and the worker's CPU per lead. Target (issue 11): every message of the 1,000 leads
      delivered in under 15 s with one 2-process worker.
   For both, where the time went, from the rows' timestamps: 201 -> route task start (`routed_at`) ->
   delivery task start (`last_attempt_at`) -> provider hand-off -> `sent_at`.
5. Stops the worker and gunicorn, then checks the database and the messages received: every reference
   returned exists, nothing else does; every lead has one routed lead.created event with exactly its two
   notifications, every one `sent`; every (reference, channel, recipient) arrived exactly once, no message
   is unknown, no Twilio request was refused, and the providers' ids match the rows'. Anything lost, doubled
   or unexpected, or any request error, exits non-zero (a missed target alone does not).
6. With `--profile auto` (the default), when a target is missed, times and profiles (cProfile) the
   route and delivery services in this process on new events for existing leads, against the same SMTP
   server and fake Twilio, as the route task runs them in a burst (events routed in batches of up to
   NOTIFICATION_ROUTE_BATCH, then each message sent under its own claim): the per-notification cost without
   Celery and its queue, with the queries per event (routing) and per message.
7. Prints a table and writes everything to bench/results/speed_to_lead-<timestamp>.json; stops every process
   it started and flushes its Redis database.

For an experiment, `--settings` runs everything on a variant settings module found on PYTHONPATH (e.g. one
that imports config.settings.base and sets CELERY_DB_REUSE_MAX), `--worker-log-level INFO --keep-logs` keeps
the worker's log of each task's run time, and `--pool`/`--worker-concurrency` change the worker.
`--database` and `--redis-url` name the throw-away database and Redis database (two checkouts on one machine
must not share them); `--py-spy SECONDS` samples the worker's stacks during the burst (collapsed stacks in
bench/results/).

All traffic goes to 127.0.0.1; every wait is bounded. The people are synthetic (example.org, 555 numbers);
messages to staff hold no personal data (a reference, kind, program and link), and nothing is printed but
counts, timings and references.
"""

import argparse
import asyncio
import base64
import contextlib
import email.parser
import email.policy
import email.utils
import io
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's directory is sys.path[0]: use the root, so that `leads` is the app.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

from bench.common import (  # noqa: E402  (needs the sys.path fix above)
    HOST,
    REQUEST_ERRORS,
    REQUEST_TIMEOUT,
    RESULTS_DIR,
    CeleryWorker,
    Connection,
    Server,
    bench_env,
    cpu_seconds,
    flush_redis,
    free_port,
    machine,
    percentile,
    profile_gc_off,
    raise_on_sigterm,
    recreate_database,
    setup_django,
    top_stats,
    write_results,
)
from bench.leads import SyntheticPeople, describe_failure, encode, intake_env  # noqa: E402

DB_NAME = "corerecovery_bench_stl"
REDIS_URL = "redis://127.0.0.1:6379/11"
# The default queue: a Redis list per priority step ("celery", then "celery\x06\x16<n>" for priorities 1-9).
CELERY_QUEUE_KEYS = ("celery", *(f"celery\x06\x16{priority}" for priority in range(1, 10)))
LEADS_PATH = "/api/v1/leads/"

# A fake account: the fake Twilio accepts only these.
TWILIO_ACCOUNT_SID = "AC" + "5e" * 16
TWILIO_AUTH_TOKEN = "bench-fake-twilio-token"
TWILIO_FROM_NUMBER = "+16025550100"
TWILIO_MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
TWILIO_AUTHORIZATION = "Basic " + base64.b64encode(f"{TWILIO_ACCOUNT_SID}:{TWILIO_AUTH_TOKEN}".encode()).decode()

RECIPIENT_NAME = "Admissions (bench)"
RECIPIENT_EMAIL = "admissions-bench@example.org"
RECIPIENT_PHONE = "+16025550199"
SMS_RULE_NAME = "Bench: every new lead: admissions by SMS"
CHANNELS = ("email", "sms")
RECIPIENT_BY_CHANNEL = {"email": RECIPIENT_EMAIL, "sms": RECIPIENT_PHONE}

# leads.services._REFERENCE_ALPHABET: digits and capitals without I, L, O, U.
REFERENCE_RE = re.compile(r"\bL-[0-9A-HJKMNP-TV-Z]{6}\b")

WARMUP_LEADS = 6
WARMUP_TIMEOUT = 120.0  # the worker's start included
SAMPLES_TIMEOUT = 60.0  # for the last samples' messages, after the last 201
SAMPLE_BUDGET_SECONDS = 1.0  # per sample on top of the gap, for the bound of the whole sequence
SETTLE_TIMEOUT = 30.0  # for the rows to be `sent` after their messages arrived
LATE_DUPLICATE_WAIT = 2.0  # after everything arrived, for a late second copy to show itself
QUEUE_SAMPLE_SECONDS = 0.25

TARGET_P95_SECONDS = 1.0
TARGET_BURST_SECONDS = 15.0  # issue 11 (it was 60 s before)

Key = tuple[str, str, str]  # (reference, channel, recipient address)


# --------------------------------------------------------------------------------------------------------
# Environment and database
# --------------------------------------------------------------------------------------------------------


def providers_env(smtp_port: int, twilio_port: int) -> dict[str, str]:
    """Email to the benchmark's SMTP server and SMS through the Twilio SDK to its fake Twilio, on loopback."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": "10",
        "SMS_BACKEND": "notifications.backends.twilio",
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": TWILIO_FROM_NUMBER,
        "TWILIO_API_BASE_URL": f"http://{HOST}:{twilio_port}",
        "ADMIN_BASE_URL": "http://127.0.0.1:8000",  # only written into links; nothing calls it
        "NO_PROXY": "127.0.0.1,localhost",
    }


def stack_env(smtp_port: int, twilio_port: int, settings_module: str) -> dict[str, str]:
    """The environment of gunicorn, the worker and this process's Django."""
    return bench_env(
        db_name=DB_NAME,
        redis_url=REDIS_URL,
        cache_key_prefix="corerecovery-bench-stl",
        settings_module=settings_module,
        base={
            name: value
            for name, value in os.environ.items()
            if name.lower() not in ("http_proxy", "https_proxy", "all_proxy")  # every request stays on 127.0.0.1
        },
        **providers_env(smtp_port, twilio_port),
        # The root first; a variant settings module (--settings) may live on the caller's PYTHONPATH.
        PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    ) | intake_env("notifications.tasks.enqueue_event_routing")


def prepare_database() -> dict[str, Any]:
    """Migrate, seed content and routing, add the benchmark's recipient and SMS rule."""
    from django.core.management import call_command
    from django.db import connections

    from content.models import Program
    from notifications.models import Recipient, RoutingRule, StaffGroup

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_content", stdout=io.StringIO())
    call_command("seed_routing", stdout=io.StringIO())
    if not Program.objects.live().filter(slug="iop").exists():
        raise RuntimeError("seed_content made no live program `iop`")
    admissions = StaffGroup.objects.get(slug="admissions")
    person = Recipient.objects.create(
        name=RECIPIENT_NAME, email=RECIPIENT_EMAIL, phone=RECIPIENT_PHONE, channels=list(CHANNELS)
    )
    person.groups.add(admissions)
    rule = RoutingRule.objects.create(name=SMS_RULE_NAME, order=100, event_kinds=["lead.created"], channels=["sms"])
    rule.groups.add(admissions)
    routing = {
        "rules": [
            {
                "name": rule.name,
                "groups": sorted(group.slug for group in rule.groups.all()),
                "channels": rule.channels,
                "members": sum(group.recipients.count() for group in rule.groups.all()),
            }
            for rule in RoutingRule.objects.filter(is_active=True).prefetch_related("groups")
        ],
        "recipients": [
            {"name": person.name, "channels": person.channels, "groups": [group.slug for group in person.groups.all()]}
            for person in Recipient.objects.prefetch_related("groups")
        ],
    }
    connections.close_all()
    return {"seconds": time.perf_counter() - started, "routing": routing}


# --------------------------------------------------------------------------------------------------------
# The providers: a real SMTP server and a fake Twilio, in this process
# --------------------------------------------------------------------------------------------------------


def find_reference(text: str) -> str | None:
    match = REFERENCE_RE.search(text)
    return match.group(0) if match else None


@dataclass(frozen=True)
class Arrival:
    channel: str
    reference: str | None
    recipient: str
    at: float  # perf_counter, comparable with the client's times
    wall: float  # time.time(), comparable with the rows' timestamps
    provider_id: str  # the Message-ID (without <>) or the Twilio sid

    @property
    def key(self) -> Key:
        return (self.reference or "?", self.channel, self.recipient)


class Inbox:
    """Every message the providers received, from their threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrivals: list[Arrival] = []
        self._counts: Counter[Key] = Counter()
        self.refused: list[str] = []  # Twilio requests answered with an error: what was wrong, never content
        # Requests whose client went away before its body arrived whole (a worker SIGKILLed while it sent, in
        # bench/load.py): never a message, and nothing the provider could answer.
        self.cut_short = 0

    def add(self, arrival: Arrival) -> None:
        with self._lock:
            self._arrivals.append(arrival)
            self._counts[arrival.key] += 1

    def refuse(self, why: str) -> None:
        with self._lock:
            self.refused.append(why)

    def cut(self) -> None:
        with self._lock:
            self.cut_short += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._arrivals)

    def snapshot(self) -> list[Arrival]:
        with self._lock:
            return list(self._arrivals)

    def missing(self, expected: set[Key]) -> set[Key]:
        with self._lock:
            return {key for key in expected if not self._counts[key]}


class SMTPRecorder:
    """aiosmtpd handler: records each message's arrival (when DATA completed) and accepts it."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.parser = email.parser.BytesHeaderParser(policy=email.policy.default)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at, wall = time.perf_counter(), time.time()
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        headers = self.parser.parsebytes(content)
        reference = find_reference(str(headers.get("subject", "")))
        message_id = str(headers.get("message-id", "")).strip().strip("<>")
        for recipient in envelope.rcpt_tos:
            self.inbox.add(Arrival("email", reference, recipient.lower(), at, wall, message_id))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, inbox: Inbox) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.controller = Controller(SMTPRecorder(inbox), hostname=HOST, port=self.port, ready_timeout=10)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.controller.stop()


class FakeTwilio(ThreadingHTTPServer):
    """Twilio's Messages.create, as far as the SDK needs: records the arrival, answers 201 "queued"."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        super().__init__((HOST, 0), TwilioHandler)
        self.port = int(self.server_address[1])
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="fake-twilio", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.shutdown()
            self.thread.join(timeout=5)
        self.server_close()


class TwilioHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body leave in two writes: with Nagle's algorithm on, the body waited for the client's
    # delayed ACK (40 ms on Linux) on every keep-alive request, 43 ms per SMS the real Twilio does not add.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        at, wall = time.perf_counter(), time.time()
        server = cast(FakeTwilio, self.server)
        if len(raw) < length:  # the client is gone (killed mid-request): no message, and nobody to answer
            server.inbox.cut()
            self.close_connection = True
            return
        path = urllib.parse.urlsplit(self.path).path
        if path != TWILIO_MESSAGES_PATH:
            server.inbox.refuse("unknown path")
            self._reply(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
            return
        if self.headers.get("Authorization") != TWILIO_AUTHORIZATION:
            server.inbox.refuse("bad credentials")
            self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
        form = urllib.parse.parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        to, sender, body = (form.get(name, [""])[0] for name in ("To", "From", "Body"))
        if not to or not body or sender != TWILIO_FROM_NUMBER:
            server.inbox.refuse("missing To or Body, or another From")
            self._reply(400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400})
            return
        sid = "SM" + uuid.uuid4().hex
        server.inbox.add(Arrival("sms", find_reference(body), to, at, wall, sid))
        now = email.utils.formatdate(usegmt=True)
        self._reply(
            201,
            {
                "sid": sid,
                "account_sid": TWILIO_ACCOUNT_SID,
                "messaging_service_sid": None,
                "from": sender,
                "to": to,
                "body": body,
                "status": "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "num_media": "0",
                "price": None,
                "price_unit": "USD",
                "error_code": None,
                "error_message": None,
                "api_version": "2010-04-01",
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "uri": f"{TWILIO_MESSAGES_PATH.removesuffix('.json')}/{sid}.json",
                "subresource_uris": {"media": f"{TWILIO_MESSAGES_PATH.removesuffix('.json')}/{sid}/Media.json"},
            },
        )

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: a line per SMS would only slow the benchmark


# --------------------------------------------------------------------------------------------------------
# Submissions
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    reference: str
    phase: str
    began: float  # perf_counter when the request was written
    acked: float  # perf_counter when the 201 had been read
    acked_wall: float


@dataclass
class Ledger:
    submitted: list[Submitted] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # "phase: what", never a value sent
    unknown: int = 0  # requests whose outcome was never seen: a lead may exist that no 201 announced

    def references(self, phase: str | None = None) -> list[str]:
        return [entry.reference for entry in self.submitted if phase is None or entry.phase == phase]

    def of(self, phase: str) -> list[Submitted]:
        return [entry for entry in self.submitted if entry.phase == phase]


def expected_keys(references: list[str]) -> set[Key]:
    return {(reference, channel, RECIPIENT_BY_CHANNEL[channel]) for reference in references for channel in CHANNELS}


async def submit(connection: Connection, body: bytes, ledger: Ledger, phase: str) -> Submitted | None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    began = time.perf_counter()
    try:
        response = await asyncio.wait_for(
            connection.request(LEADS_PATH, headers, keep_body=True, method="POST", body=body), REQUEST_TIMEOUT
        )
    except REQUEST_ERRORS as exc:
        await connection.close()
        ledger.unknown += 1
        ledger.errors[f"{phase}: {type(exc).__name__}"] += 1
        return None
    acked, acked_wall = time.perf_counter(), time.time()
    if response.status != 201:
        ledger.errors[f"{phase}: {describe_failure(response)}"] += 1
        return None
    try:
        reference = json.loads(response.body or b"").get("reference")
    except (ValueError, AttributeError):
        reference = None
    if not isinstance(reference, str) or not REFERENCE_RE.fullmatch(reference):
        ledger.errors[f"{phase}: 201 without a reference"] += 1
        return None
    entry = Submitted(reference, phase, began, acked, acked_wall)
    ledger.submitted.append(entry)
    return entry


def check_alive(server: Server, worker: CeleryWorker) -> None:
    if server.process.poll() is not None:
        raise RuntimeError(f"gunicorn exited ({server.process.returncode}):\n{server.log_tail()}")
    if not worker.alive():
        raise RuntimeError(f"the Celery worker exited ({worker.process.returncode}):\n{worker.log_tail()}")


async def wait_for_messages(
    inbox: Inbox, expected: set[Key], deadline: float, alive: Callable[[], None]
) -> tuple[set[Key], float]:
    """Wait (until `deadline`, a perf_counter) for every expected message; what is missing and when it ended."""
    missing = inbox.missing(expected)
    while missing and time.perf_counter() < deadline:
        alive()
        await asyncio.sleep(0.05)
        missing = inbox.missing(missing)
    return missing, time.perf_counter()


async def bounded(work: Coroutine[Any, Any, None], seconds: float) -> None:
    try:
        await asyncio.wait_for(work, seconds)
    except TimeoutError:
        raise RuntimeError(f"not done within {seconds:.0f}s") from None


async def run_warmup(port: int, bodies: list[bytes], ledger: Ledger) -> None:
    """Two at a time, so that both pool processes and both gunicorn workers warm up."""

    async def client(share: list[bytes]) -> None:
        connection = Connection(port)
        try:
            for body in share:
                await submit(connection, body, ledger, "warm-up")
        finally:
            await connection.close()

    await asyncio.gather(client(bodies[::2]), client(bodies[1::2]))


async def run_samples(port: int, bodies: list[bytes], gap: float, ledger: Ledger) -> None:
    connection = Connection(port)
    try:
        for body in bodies:
            await submit(connection, body, ledger, "samples")
            await asyncio.sleep(gap)
    finally:
        await connection.close()


@dataclass
class BurstTimes:
    started: float = 0.0
    last_201: float = 0.0
    submitted: float = 0.0  # every client done
    ended: float = 0.0  # every message arrived, or the deadline
    queue: list[tuple[float, int, int]] = field(default_factory=list)  # (s since start, LLEN, messages so far)
    missing: set[Key] = field(default_factory=set)


async def run_burst(
    port: int,
    bodies: list[bytes],
    concurrency: int,
    timeout: float,
    ledger: Ledger,
    inbox: Inbox,
    alive: Callable[[], None],
) -> BurstTimes:
    import redis

    times = BurstTimes()
    pending = iter(bodies)
    received_before = len(inbox)
    queue_client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)

    async def client() -> None:
        connection = Connection(port)
        try:
            for body in pending:  # shared: each body is taken by one client
                entry = await submit(connection, body, ledger, "burst")
                if entry is not None:
                    times.last_201 = max(times.last_201, entry.acked)
        finally:
            await connection.close()

    async def sample_queue() -> None:
        while True:
            try:
                pipeline = queue_client.pipeline(transaction=False)
                for key in CELERY_QUEUE_KEYS:
                    pipeline.llen(key)
                depth = sum(int(length) for length in pipeline.execute())
            except redis.RedisError:
                depth = -1
            times.queue.append((time.perf_counter() - times.started, depth, len(inbox) - received_before))
            await asyncio.sleep(QUEUE_SAMPLE_SECONDS)

    times.started = time.perf_counter()
    deadline = times.started + timeout
    sampler = asyncio.create_task(sample_queue())
    try:
        clients = [asyncio.create_task(client()) for _ in range(concurrency)]
        try:
            await asyncio.wait_for(asyncio.gather(*clients), timeout)
        except TimeoutError:
            ledger.errors["burst: submissions not done within --burst-timeout"] += 1
        times.submitted = time.perf_counter()
        times.missing, times.ended = await wait_for_messages(
            inbox, expected_keys(ledger.references("burst")), deadline, alive
        )
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        queue_client.close()
    return times


def wait_until_rows_settle(timeout: float) -> int:
    """Wait for the worker to commit every row it sent (a message arrives just before its row says `sent`)."""
    from django.db import connections

    from notifications.models import Notification

    deadline = time.monotonic() + timeout
    while True:
        pending = Notification.objects.filter(status=Notification.Status.PENDING).count()
        if not pending or time.monotonic() > deadline:
            connections.close_all()
            return pending
        time.sleep(0.2)


# --------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------


def distribution(values: list[float]) -> dict[str, float | int]:
    """Milliseconds, from seconds."""
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan"), "mean": float("nan")}
    return {
        "n": len(values),
        "p50": percentile(values, 0.50) * 1000,
        "p95": percentile(values, 0.95) * 1000,
        "max": max(values) * 1000,
        "mean": statistics.fmean(values) * 1000,
    }


def first_arrivals(arrivals: list[Arrival]) -> dict[Key, Arrival]:
    first: dict[Key, Arrival] = {}
    for arrival in arrivals:
        if arrival.key not in first or arrival.at < first[arrival.key].at:
            first[arrival.key] = arrival
    return first


def speed_to_lead(entries: list[Submitted], first: dict[Key, Arrival]) -> dict[str, Any]:
    """Per channel: arrival at the provider - the 201's arrival at the client."""
    result: dict[str, Any] = {}
    for channel in CHANNELS:
        values = [
            first[key].at - entry.acked
            for entry in entries
            if (key := (entry.reference, channel, RECIPIENT_BY_CHANNEL[channel])) in first
        ]
        result[channel] = distribution(values)
    result["request_to_201"] = distribution([entry.acked - entry.began for entry in entries])
    return result


STAGES = (
    ("201 -> route task starts", "route_wait"),
    ("route starts -> delivery task starts", "delivery_wait"),
    ("delivery starts -> provider has it", "hand_off"),
    ("provider has it -> row sent", "commit"),
)


def stage_breakdown(entries: list[Submitted], first: dict[Key, Arrival]) -> dict[str, Any]:
    """Where the time went, per channel, from the rows' timestamps (wall clock, one machine).

    routed_at is set when the route task starts; last_attempt_at when the delivery task has locked its row
    (the message is rendered and handed over after it); sent_at just before the commit.
    """
    from django.db import connections

    from notifications.models import Notification

    acked = {entry.reference: entry.acked_wall for entry in entries}
    values: dict[str, dict[str, list[float]]] = {channel: {key: [] for _, key in STAGES} for channel in CHANNELS}
    references = list(acked)
    for start in range(0, len(references), 500):
        rows = Notification.objects.filter(event__lead__reference__in=references[start : start + 500]).values_list(
            "event__lead__reference", "channel", "event__routed_at", "last_attempt_at", "sent_at"
        )
        for reference, channel, routed_at, attempt_at, sent_at in rows:
            arrival = first.get((reference, channel, RECIPIENT_BY_CHANNEL.get(channel, "")))
            if arrival is None or routed_at is None or attempt_at is None or sent_at is None:
                continue
            stages = values[channel]
            stages["route_wait"].append(routed_at.timestamp() - acked[reference])
            stages["delivery_wait"].append(attempt_at.timestamp() - routed_at.timestamp())
            stages["hand_off"].append(arrival.wall - attempt_at.timestamp())
            stages["commit"].append(sent_at.timestamp() - arrival.wall)
    connections.close_all()
    return {
        channel: {key: distribution(stage_values) for key, stage_values in stages.items()}
        for channel, stages in values.items()
    }


def burst_figures(
    times: BurstTimes, entries: list[Submitted], first: dict[Key, Arrival], cpu: dict[str, float | None]
) -> dict[str, Any]:
    keys = expected_keys([entry.reference for entry in entries])
    arrived = [first[key] for key in keys if key in first]
    last_message = max((arrival.at for arrival in arrived), default=float("nan"))
    first_message = min((arrival.at for arrival in arrived), default=float("nan"))
    to_last_message = last_message - times.started if not times.missing and arrived else None
    messages = len(arrived)
    depths = [depth for _, depth, _ in times.queue if depth >= 0]
    worker_cpu = cpu.get("worker_pool")
    return {
        "leads_accepted": len(entries),
        "messages_expected": len(keys),
        "messages_arrived": messages,
        "messages_missing": len(times.missing),
        "first_request_to_last_201_s": times.last_201 - times.started if entries else None,
        "first_request_to_first_message_s": first_message - times.started,
        "first_request_to_last_message_s": to_last_message,
        "submissions_per_second": len(entries) / (times.last_201 - times.started) if entries else None,
        "messages_per_second": messages / (last_message - times.started) if messages else None,
        "after_last_201_s": last_message - times.last_201 if to_last_message is not None else None,
        "queue_depth_max": max(depths, default=None),
        "queue_depth_at_last_201": next(
            (depth for at, depth, _ in times.queue if at >= times.last_201 - times.started), None
        ),
        "queue_samples": [[round(at, 2), depth, count] for at, depth, count in times.queue],
        "cpu_seconds": cpu,
        "worker_pool_cpu_ms_per_lead": worker_cpu * 1000 / len(entries) if worker_cpu and entries else None,
        "worker_pool_cpu_ms_per_message": worker_cpu * 1000 / messages if worker_cpu and messages else None,
        "hand_off_after_201": speed_to_lead(entries, first),
    }


# --------------------------------------------------------------------------------------------------------
# Checks (after the worker and gunicorn have stopped)
# --------------------------------------------------------------------------------------------------------


def check_everything(ledger: Ledger, arrivals: list[Arrival], inbox: Inbox) -> dict[str, Any]:
    from django.db import connections
    from django.db.models import Count

    from leads.models import Lead, LeadEvent
    from notifications.models import Notification, Recipient

    returned = ledger.references()
    returned_set = set(returned)
    rows = dict(Lead.objects.values_list("reference", "urgency"))
    recipient = Recipient.objects.get(email=RECIPIENT_EMAIL)
    expected_pairs = {(recipient.pk, channel) for channel in CHANNELS}

    events = list(LeadEvent.objects.values_list("id", "lead__reference", "kind", "routed_at"))
    created_per_lead = Counter(reference for _, reference, kind, _ in events if kind == LeadEvent.Kind.CREATED)
    pairs_by_event: dict[int, set[tuple[int, str]]] = {}
    notification_count = 0
    for event_id, recipient_id, channel in Notification.objects.values_list("event_id", "recipient_id", "channel"):
        pairs_by_event.setdefault(event_id, set()).add((recipient_id, channel))
        notification_count += 1
    statuses = dict(Notification.objects.values_list("status").annotate(n=Count("id")).order_by())
    retried = Notification.objects.filter(attempts__gt=1).count()
    fallbacks = Notification.objects.filter(fallback_of__isnull=False).count()
    db_ids = {
        channel: list(
            Notification.objects.filter(channel=channel)
            .exclude(provider_message_id="")
            .values_list("provider_message_id", flat=True)
        )
        for channel in CHANNELS
    }
    connections.close_all()

    counts = Counter(arrival.key for arrival in arrivals)
    expected = expected_keys(list(rows))
    doubled = {key: n for key, n in counts.items() if n > 1}
    lost = expected - set(counts)
    unexpected = set(counts) - expected
    received_ids = {channel: [a.provider_id for a in arrivals if a.channel == channel] for channel in CHANNELS}
    checks = {
        "no_request_errors": not ledger.errors and ledger.unknown == 0,
        "no_reference_returned_twice": len(returned_set) == len(returned),
        "every_returned_reference_stored": returned_set <= set(rows),
        "nothing_else_stored": set(rows) <= returned_set,
        "one_created_event_per_lead": all(created_per_lead[reference] == 1 for reference in rows)
        and sum(created_per_lead.values()) == len(rows),
        "every_event_routed": all(routed_at is not None for _, _, _, routed_at in events),
        "every_event_has_its_email_and_sms": all(
            pairs_by_event.get(event_id) == expected_pairs for event_id, _, _, _ in events
        )
        and notification_count == 2 * len(events),
        "every_notification_sent": statuses == {Notification.Status.SENT.value: notification_count},
        "no_fallback_rows": fallbacks == 0,
        "nothing_lost": not lost,
        "nothing_doubled": not doubled,
        "nothing_unexpected": not unexpected,
        "no_refused_provider_request": not inbox.refused,
        "no_provider_request_cut_short": not inbox.cut_short,  # nothing is killed here
        "provider_ids_match_rows": all(
            sorted(db_ids[channel]) == sorted(received_ids[channel]) for channel in CHANNELS
        ),
    }
    return {
        "leads_in_database": len(rows),
        "references_returned": len(returned),
        "urgency_mix": dict(Counter(rows.values())),
        "events": len(events),
        "notifications": notification_count,
        "notification_statuses": statuses,
        "notifications_retried": retried,
        "messages_received": len(arrivals),
        "lost": sorted(f"{reference} {channel}" for reference, channel, _ in lost)[:20],
        "doubled": sorted(f"{reference} {channel} x{n}" for (reference, channel, _), n in doubled.items())[:20],
        "unexpected": sorted(f"{reference} {channel}" for reference, channel, _ in unexpected)[:20],
        "refused_provider_requests": dict(Counter(inbox.refused)),
        "provider_requests_cut_short": inbox.cut_short,
        "request_errors": dict(ledger.errors),
        "unknown_outcomes": ledger.unknown,
        "checks": checks,
        "ok": all(checks.values()),
    }


# --------------------------------------------------------------------------------------------------------
# Profile (in-process, after the worker and gunicorn have stopped)
# --------------------------------------------------------------------------------------------------------


def profile_delivery(events: int) -> dict[str, Any]:
    """The route and delivery services for new lead.created events of existing leads, in this process, to
    the same SMTP server and fake Twilio, as a route task runs them in a burst: the events routed in batches
    (`events_route`, NOTIFICATION_ROUTE_BATCH at most), what their messages need read once
    (`notifications_for_delivery`), then each message sent under its own claim: what one notification costs
    without Celery and its queue. The route's figures are per event (a batch's time and queries divided by its
    events); each transaction also costs a BEGIN and a COMMIT, which the query counts leave out.

    Timed first (the garbage collector as configured, queries counted), then profiled with cProfile (GC off).
    The providers' threads share this process, so the figures are a little pessimistic.
    """
    from django.conf import settings
    from django.db import connection, connections

    from leads.models import Lead, LeadEvent
    from notifications import services

    leads = list(Lead.objects.order_by("id")[: 2 * events + 2])
    if len(leads) < 2 * events + 2:
        return {"skipped": "not enough leads"}
    batch = max(1, min(settings.NOTIFICATION_ROUTE_BATCH, events))
    query_stats = {"route": [0, 0.0], "email": [0, 0.0], "sms": [0, 0.0]}
    current = ["route"]

    def timed_query(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            query_stats[current[0]][0] += 1
            query_stats[current[0]][1] += time.perf_counter() - began

    def group(some: list[Lead], timings: dict[str, list[float]] | None) -> None:
        current[0] = "setup"
        query_stats.setdefault("setup", [0, 0.0])
        event_ids = [
            LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.CREATED, payload={"reference": lead.reference}).pk
            for lead in some
        ]
        current[0] = "route"
        began = time.perf_counter()
        ids = services.events_route(event_id=event_ids[0], batch_size=len(some)).notifications
        loaded = services.notifications_for_delivery(notification_ids=ids)
        if timings is not None:
            timings["route"].append((time.perf_counter() - began) / len(some))
        if len(ids) != 2 * len(some):
            raise RuntimeError(f"in-process routing: {len(ids)} notifications for {len(some)} events")
        for notification_id in ids:
            channel = loaded[notification_id].channel
            current[0] = channel
            began = time.perf_counter()
            outcome = services.notification_deliver(notification_id=notification_id, loaded=loaded[notification_id])
            if timings is not None:
                timings[channel].append(time.perf_counter() - began)
            if outcome.status != "sent":
                raise RuntimeError(f"in-process delivery: {outcome.status}")

    def in_batches(some: list[Lead]) -> list[list[Lead]]:
        return [some[index : index + batch] for index in range(0, len(some), batch)]

    group(leads[:2], None)  # warm: imports, connections
    for stats in query_stats.values():
        stats[:] = [0, 0.0]
    timings: dict[str, list[float]] = {"route": [], "email": [], "sms": []}
    cpu_before = time.process_time()
    with connection.execute_wrapper(timed_query):
        for some in in_batches(leads[2 : 2 + events]):
            group(some, timings)
    cpu = time.process_time() - cpu_before

    def rest() -> None:
        for some in in_batches(leads[2 + events :]):
            group(some, None)

    profiler = profile_gc_off(rest)
    connections.close_all()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(RESULTS_DIR / "profile-speed_to_lead-delivery.prof"))
    return {
        "events": events,
        "route_batch": batch,
        "ms_median": {name: statistics.median(values) * 1000 for name, values in timings.items()},
        "cpu_ms_per_event": cpu * 1000 / events,
        "queries_per_call": {name: query_stats[name][0] / events for name in ("route", "email", "sms")},
        "query_ms_per_call": {name: query_stats[name][1] * 1000 / events for name in ("route", "email", "sms")},
        "top_tottime": top_stats(profiler, "tottime", 25),
        "top_cumulative": top_stats(profiler, "cumulative", 45),
    }


# --------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------


def _ms(value: Any) -> str:
    return f"{value:8.0f}" if isinstance(value, int | float) and value == value else f"{'n/a':>8}"


def _s(value: Any) -> str:
    return f"{value:.1f} s" if isinstance(value, int | float) and value == value else "n/a"


def format_report(result: dict[str, Any]) -> str:
    samples, burst = result["speed_to_lead"], result["burst"]
    lines = [
        f"{'hand-off after the 201 (ms)':<54} {'n':>5} {'p50':>8} {'p95':>8} {'max':>8}",
        "-" * 87,
    ]
    for phase, figures in (("speed to lead", samples), ("burst", burst["hand_off_after_201"])):
        for channel, label in (
            ("email", "email -> SMTP"),
            ("sms", "sms -> Twilio"),
            ("request_to_201", "request -> 201"),
        ):
            row = figures[channel]
            lines.append(
                f"{phase + ': ' + label:<54} {row['n']:>5} {_ms(row['p50'])} {_ms(row['p95'])} {_ms(row['max'])}"
            )
    lines.append("")
    lines.append(
        f"burst: {burst['leads_accepted']} leads from {result['settings']['concurrency']} clients; "
        f"first request -> last 201 {_s(burst['first_request_to_last_201_s'])} "
        f"({burst['submissions_per_second'] or 0:.0f} leads/s); -> first message "
        f"{_s(burst['first_request_to_first_message_s'])}; -> last message "
        f"{_s(burst['first_request_to_last_message_s'])} "
        f"({burst['messages_arrived']}/{burst['messages_expected']} messages, "
        f"{burst['messages_per_second'] or 0:.0f}/s)"
    )
    lines.append(
        f"       Celery queue depth: max {burst['queue_depth_max']}, {burst['queue_depth_at_last_201']} at the "
        f"last 201; worker pool CPU {_ms(burst['worker_pool_cpu_ms_per_lead']).strip()} ms/lead "
        f"({_ms(burst['worker_pool_cpu_ms_per_message']).strip()} ms/message, route task included)"
    )
    cpu = burst["cpu_seconds"]
    lines.append(
        "       CPU seconds in the burst: "
        + ", ".join(f"{name} {value:.1f}" if value is not None else f"{name} n/a" for name, value in cpu.items())
    )
    lines.append("")
    lines.append(f"{'where the time went (ms)':<54} {'':>5} {'p50':>8} {'p95':>8} {'max':>8}")
    lines.append("-" * 87)
    for phase, name in (("speed_to_lead", "samples"), ("burst", "burst")):
        for channel in CHANNELS:
            for label, key in STAGES:
                row = result["stages"][phase][channel][key]
                lines.append(
                    f"{name + ' ' + channel + ': ' + label:<54} {row['n']:>5} "
                    f"{_ms(row['p50'])} {_ms(row['p95'])} {_ms(row['max'])}"
                )
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> dict[str, Any]:
    samples, burst = result["speed_to_lead"], result["burst"]
    out: dict[str, Any] = {}
    for channel in CHANNELS:
        p95 = samples[channel]["p95"]
        out[f"speed_to_lead_{channel}_p95"] = {
            "value_ms": p95,
            "target_ms_below": TARGET_P95_SECONDS * 1000,
            "met": samples[channel]["n"] > 0 and p95 < TARGET_P95_SECONDS * 1000,
        }
    total = burst["first_request_to_last_message_s"]
    out["burst_delivered"] = {
        "value_s": total,
        "target_s_below": TARGET_BURST_SECONDS,
        "met": total is not None and total < TARGET_BURST_SECONDS,
    }
    return out


def start_py_spy(worker_pid: int, seconds: float, started: datetime) -> subprocess.Popen[bytes]:
    """py-spy sampling the worker and its pool processes (collapsed stacks, one line per stack) for `seconds`."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    output = RESULTS_DIR / f"py-spy-speed_to_lead-{started:%Y%m%d-%H%M%S}.txt"
    command = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--subprocesses", "--nonblocking", "-r", "200",
               "-d", str(int(seconds)), "-f", "raw", "-p", str(worker_pid), "-o", str(output)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1000, help="leads in the burst (default 1000)")
    parser.add_argument("--samples", type=int, default=200, help="sequential leads for speed to lead (default 200)")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds after each sample's 201 (default 0.2)")
    parser.add_argument("--concurrency", type=int, default=16, help="clients in the burst (default 16)")
    parser.add_argument("--burst-timeout", type=float, default=180.0, help="bound of the burst, seconds (180)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork", help="Celery pool (prefork)")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery pool processes (default 2)")
    parser.add_argument(
        "--worker-log-level",
        default="WARNING",
        help="the worker's -l; INFO logs each task's run time (costs the worker a little), kept with --keep-logs",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the gunicorn and worker logs")
    parser.add_argument(
        "--settings",
        default="config.settings.base",
        help="Django settings module of the servers, the worker and this process (default config.settings.base); "
        "a variant made for an experiment may come from PYTHONPATH",
    )
    parser.add_argument(
        "--database",
        default=DB_NAME,
        help=f"the throw-away PostgreSQL database, dropped and recreated (default {DB_NAME})",
    )
    parser.add_argument(
        "--redis-url",
        default=REDIS_URL,
        help=f"the benchmark's own Redis database, flushed before and after (default {REDIS_URL})",
    )
    parser.add_argument("--seed", type=int, default=20261128, help="seed of the synthetic people")
    parser.add_argument(
        "--profile",
        choices=["auto", "always", "never"],
        default="auto",
        help="profile the delivery services in-process: when a target is missed (default), always, or never",
    )
    parser.add_argument("--profile-events", type=int, default=30, help="events per in-process timing/profile")
    parser.add_argument(
        "--py-spy",
        type=float,
        default=0,
        metavar="SECONDS",
        help="sample the worker's stacks with py-spy for SECONDS from the burst's start (0: not; needs ptrace)",
    )
    args = parser.parse_args()
    if args.leads < 1 or args.samples < 1 or args.concurrency < 1 or args.workers < 1 or args.gap < 0:
        parser.error("leads, samples, concurrency and workers >= 1, and gap >= 0 are required")
    if args.burst_timeout <= 0 or args.worker_concurrency < 1 or args.profile_events < 1:
        parser.error("burst-timeout > 0, worker-concurrency >= 1 and profile-events >= 1 are required")
    if args.pool == "solo":
        args.worker_concurrency = 1
    return args


def main() -> int:
    global DB_NAME, REDIS_URL  # read by the helpers above; two checkouts may run the benchmark at once
    args = parse_args()
    DB_NAME, REDIS_URL = args.database, args.redis_url
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    started = datetime.now()
    print(f"bench/speed_to_lead.py: {DB_NAME} on PostgreSQL, Redis {REDIS_URL}, {os.cpu_count()} CPUs")
    people = SyntheticPeople(args.seed)
    warmup_bodies = [encode(people.lead()) for _ in range(WARMUP_LEADS)]
    sample_bodies = [encode(people.lead()) for _ in range(args.samples)]
    burst_bodies = [encode(people.lead()) for _ in range(args.leads)]

    recreate_database(DB_NAME)
    inbox = Inbox()
    ledger = Ledger()
    work_dir = Path(tempfile.mkdtemp(prefix="corerecovery-bench-stl-"))
    result: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            **vars(args),
            "warmup_leads": WARMUP_LEADS,
            "gunicorn": f"sync, -w {args.workers}",
            "celery": f"one worker: -P {args.pool} -c {args.worker_concurrency}, prefetch multiplier 1, acks late",
            "redis": REDIS_URL,
            "per_lead": "1 email + 1 SMS to the one admissions recipient",
        },
    }
    ok = False
    with contextlib.ExitStack() as stack:
        smtp = SMTPServer(inbox)
        smtp.start()
        stack.callback(smtp.stop)
        twilio = FakeTwilio(inbox)
        twilio.start()
        stack.callback(twilio.stop)
        env = stack_env(smtp.port, twilio.port, args.settings)
        setup_django(env)
        prepared = prepare_database()
        result["settings"]["routing"] = prepared["routing"]
        flush_redis(REDIS_URL)
        stack.callback(flush_redis, REDIS_URL)
        print(
            f"database: migrated and seeded in {prepared['seconds']:.1f}s; SMTP :{smtp.port}, fake Twilio "
            f":{twilio.port}"
        )

        # The last callback registered runs first: the worker stops before gunicorn, both before the providers.
        server = Server("stl", env, args.workers, work_dir)
        stack.callback(server.stop)
        worker = CeleryWorker("stl", env, args.pool, args.worker_concurrency, work_dir, args.worker_log_level)
        stack.callback(worker.stop)
        server.wait_ready()

        def alive() -> None:
            check_alive(server, worker)

        # Warm-up: also waits for the worker to be up (its tasks wait in Redis until then).
        began = time.perf_counter()
        asyncio.run(bounded(run_warmup(server.port, warmup_bodies, ledger), WARMUP_TIMEOUT))
        missing, _ = asyncio.run(
            wait_for_messages(inbox, expected_keys(ledger.references("warm-up")), began + WARMUP_TIMEOUT, alive)
        )
        if missing or ledger.errors:
            raise RuntimeError(
                f"warm-up: {len(missing)} message(s) missing after {WARMUP_TIMEOUT:.0f}s, errors "
                f"{dict(ledger.errors)}\n--- worker ---\n{worker.log_tail()}\n--- gunicorn ---\n{server.log_tail()}"
            )
        print(
            f"servers: gunicorn :{server.port} ({args.workers} sync workers), Celery worker -P {args.pool} "
            f"-c {args.worker_concurrency} (pids {worker.pids()}); warm-up: {WARMUP_LEADS} leads delivered in "
            f"{time.perf_counter() - began:.1f}s"
        )

        # a. Speed to lead: one at a time.
        print(f"  speed to lead: {args.samples} leads, one at a time, {args.gap}s after each 201", flush=True)
        load_before = os.getloadavg()
        samples_bound = args.samples * (args.gap + SAMPLE_BUDGET_SECONDS) + REQUEST_TIMEOUT
        asyncio.run(bounded(run_samples(server.port, sample_bodies, args.gap, ledger), samples_bound))
        missing, _ = asyncio.run(
            wait_for_messages(
                inbox, expected_keys(ledger.references("samples")), time.perf_counter() + SAMPLES_TIMEOUT, alive
            )
        )
        samples_missing = len(missing)

        # b. Burst: as fast as the clients go.
        print(f"  burst: {args.leads} leads from {args.concurrency} clients", flush=True)
        pool_pids = worker.pids()[1:] or worker.pids()
        cpu_pids = {
            "worker_main": [worker.process.pid],
            "worker_pool": pool_pids,
            "gunicorn_workers": server.worker_pids(),
        }
        cpu_before = {name: cpu_seconds(pids) for name, pids in cpu_pids.items()}
        client_before = time.process_time()
        sampler = start_py_spy(worker.process.pid, args.py_spy, started) if args.py_spy else None
        times = asyncio.run(
            run_burst(server.port, burst_bodies, args.concurrency, args.burst_timeout, ledger, inbox, alive)
        )
        if sampler is not None:
            sampler.wait(timeout=args.py_spy + 30)
            print(f"  py-spy: the worker's stacks during the burst in {RESULTS_DIR.relative_to(ROOT)}/")
        cpu_after = {name: cpu_seconds(pids) for name, pids in cpu_pids.items()}
        cpu: dict[str, float | None] = {
            name: (after - before if before is not None and after is not None else None)
            for (name, before), after in zip(cpu_before.items(), cpu_after.values(), strict=True)
        }
        cpu["this_process"] = time.process_time() - client_before
        load_after = os.getloadavg()
        result["machine"].update({"load_average_before": load_before, "load_average_after": load_after})
        print(f"  burst done after {times.ended - times.started:.1f}s; {len(times.missing)} message(s) missing")

        still_pending = wait_until_rows_settle(SETTLE_TIMEOUT)
        time.sleep(LATE_DUPLICATE_WAIT)
        worker.stop()
        server.stop()
        arrivals = inbox.snapshot()
        first = first_arrivals(arrivals)
        result["speed_to_lead"] = speed_to_lead(ledger.of("samples"), first)
        result["speed_to_lead"]["missing_after_wait"] = samples_missing
        result["speed_to_lead"]["latencies_ms"] = {
            channel: [
                round((first[(entry.reference, channel, RECIPIENT_BY_CHANNEL[channel])].at - entry.acked) * 1000, 2)
                if (entry.reference, channel, RECIPIENT_BY_CHANNEL[channel]) in first
                else None
                for entry in ledger.of("samples")
            ]
            for channel in CHANNELS
        }
        result["burst"] = burst_figures(times, ledger.of("burst"), first, cpu)
        result["stages"] = {
            "speed_to_lead": stage_breakdown(ledger.of("samples"), first),
            "burst": stage_breakdown(ledger.of("burst"), first),
        }
        check = check_everything(ledger, arrivals, inbox)
        check["rows_still_pending_after_settle"] = still_pending
        result["check"] = check
        result["targets"] = targets(result)

        print()
        print(format_report(result))
        print(
            f"\ntargets: speed to lead p95 under {TARGET_P95_SECONDS * 1000:.0f} ms per channel; the "
            f"{args.leads}-lead burst delivered in under {TARGET_BURST_SECONDS:.0f} s"
        )
        for name, entry in result["targets"].items():
            value = f"{entry['value_ms']:.0f} ms" if "value_ms" in entry else _s(entry["value_s"])
            print(f"  {name:<28} {value:>10}: {'met' if entry['met'] else 'MISSED'}")
        print(
            f"\ncheck: {check['leads_in_database']} leads ({check['urgency_mix']}), {check['events']} events, "
            f"{check['notifications']} notifications {check['notification_statuses']} "
            f"({check['notifications_retried']} retried), {check['messages_received']} messages received"
        )
        for name, passed in check["checks"].items():
            print(f"  {name:<36} {'ok' if passed else 'FAILED'}")
        for name in ("lost", "doubled", "unexpected", "refused_provider_requests", "request_errors"):
            if check[name]:
                print(f"  {name}: {check[name]}")
        print(f"check: {'PASSED' if check['ok'] else 'FAILED'}")

        profile: dict[str, Any] | None = None
        missed = not all(entry["met"] for entry in result["targets"].values())
        if args.profile == "always" or (args.profile == "auto" and missed):
            profile = profile_delivery(args.profile_events)
            if "ms_median" in profile:
                medians, queries = profile["ms_median"], profile["queries_per_call"]
                print(
                    f"\nin-process (no Celery), median ms per call: route {medians['route']:.2f} per event in "
                    f"batches of {profile['route_batch']} ({queries['route']:.2f} queries), deliver email "
                    f"{medians['email']:.1f} ({queries['email']:.0f} queries), deliver sms {medians['sms']:.1f} "
                    f"({queries['sms']:.0f} queries); CPU {profile['cpu_ms_per_event']:.1f} ms per event "
                    f"(route + 2 deliveries)"
                )
                print(f"\n--- cProfile (GC off), by own time ---\n{profile['top_tottime'].rstrip()}")
                print(f"\n--- cProfile (GC off), cumulative ---\n{profile['top_cumulative'].rstrip()}")
                print(f"\ncProfile dump: {(RESULTS_DIR / 'profile-speed_to_lead-delivery.prof').relative_to(ROOT)}")
        result["profile"] = profile
        ok = check["ok"]
    if ok and not args.keep_logs:
        shutil.rmtree(work_dir, ignore_errors=True)  # the servers' logs; kept when a run fails
    else:
        print(f"gunicorn and worker logs: {work_dir}")

    write_results("speed_to_lead", started, result, default=str)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
