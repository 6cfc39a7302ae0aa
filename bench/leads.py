"""Benchmark of lead intake: what a contact request, a replay, a partner's referral and a referral list cost.

    .venv/bin/python bench/leads.py [--duration 10] [--concurrency 16] [--rounds 2]

What it does, every run:

1. Drops and recreates the database `corerecovery_bench_leads`, migrates it, runs `seed_content` (programs
   such as `iop` and `php`), and creates a partner API key with `manage.py create_api_key --partner "Bench
   Partner" --scopes referrals:write,referrals:read`, in the servers' environment.
2. Starts one gunicorn server (`config.wsgi:application`, sync workers, `-w 2`, `config.settings.base`,
   DEBUG=false) on a free port of 127.0.0.1, on a flushed Redis database 13. The lead and partner throttles
   stay on at a rate that never trips; LEAD_EVENT_PUBLISHER is empty (events stay in the outbox table), and
   neither the fill-time check nor a CAPTCHA verifier is configured.
3. Loads it from N concurrent clients for a bounded time per scenario, scenarios round-robin (`--rounds`)
   so that a noisy neighbour hurts them all alike, checking every response:
   a. POST /api/v1/leads/: a new contact request (unique Idempotency-Key) -> 201, not a replay;
   b. the same request again (its Idempotency-Key and identical body) -> 201 with `Idempotent-Replayed: true`
      and the first response's reference; each client replays its own keys, never one in flight elsewhere;
   c. POST /api/v1/referrals/ with the partner's key: a new referral (unique Idempotency-Key) -> 201;
   d. GET /api/v1/referrals/?page_size=20 with the partner's key -> 200;
   e. POST /api/v1/referrals/ as the embeddable form sends it: the partner's publishable key (`pk_…`, made with
      `create_api_key --publishable --origins https://www.bench-partner.example`), that `Origin`, a unique
      Idempotency-Key -> 201 (the embed throttles at a rate that never trips, Turnstile off).
   f. POST /partners/refer/, the referral portal's "Refer someone" form (issue 13), by a partner user of the
      same partner signed in to the portal (a portal session made in-process, as a sign-in makes it), with a
      CSRF cookie and token and a new form key -> 302 to the confirmation page of a new referral.
4. Prints a table (req/s, p50/p99 latency, errors, the gunicorn workers' CPU per request, which a noisy
   machine disturbs less than throughput, and the CPU of the workers' PostgreSQL backends), the target
   (p99 under 100 ms for lead submissions, a, c, e and f) and whether it is met, and writes everything to
   bench/results/leads-<timestamp>.json.
5. Stops the server, then checks the database: as many leads as 201 responses that were not replays (every
   reference returned exists once; nothing else exists), each with one idempotency record, one status change
   and one outbox event. A failed check, or any error, exits non-zero.
6. With `--profile auto` (the default), when a target is missed, profiles those submissions in-process
   (django.test.Client through the whole middleware, no HTTP) with cProfile; `always` or `never` otherwise.

Every request comes from 127.0.0.1 (NUM_PROXIES=0): the lead throttle costs one Redis INCR per request
whatever the address, and Idempotency-Keys are scoped to the client's address, so replays need a stable one.

The data is synthetic: names from a fixed list, 602-555-01xx and random (phonenumbers-valid) 480/623 numbers,
addresses at example.org. Nothing sent is printed or stored outside the throw-away database; an error is
reported by its status, its problem `code` and the names of the fields in error, never their values.
"""

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's directory is sys.path[0], where `leads` would be this module: use the root.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

from bench.common import (  # noqa: E402  (needs the sys.path fix above)
    HOST,
    NEVER_TRIPS,
    REQUEST_ERRORS,
    REQUEST_TIMEOUT,
    RESULTS_DIR,
    VENV_BIN,
    Column,
    Connection,
    GCClock,
    Response,
    Server,
    Tally,
    Window,
    bench_env,
    cpu_during,
    fetch,
    flush_redis,
    format_table,
    machine,
    ms,
    pg_backend_pids,
    profile_gc_off,
    raise_on_sigterm,
    recreate_database,
    run_clients,
    servers_stopped_at_exit,
    setup_django,
    top_stats,
    write_results,
)

# Another checkout benchmarking on the same machine sets its own (as bench/content.py reads them).
DB_NAME = os.environ.get("BENCH_DB_NAME", "corerecovery_bench_leads")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

LEADS_PATH = "/api/v1/leads/"
REFERRALS_PATH = "/api/v1/referrals/"
REFERRAL_LIST_PATH = "/api/v1/referrals/?page_size=20"
PARTNER_NAME = "Bench Partner"
PARTNER_SCOPES = "referrals:write,referrals:read"
SMS_DISCLOSURE_VERSION = "2026-01"
# Keys each client replays in turn (b); made once, before any measurement.
REPLAY_KEYS_PER_CLIENT = 4

# The target the brief states: p99 of lead submissions, new contact requests (a) and new referrals (c).
P99_TARGET_MS = 100.0
TARGET_SCENARIOS: tuple[str, ...] = ("lead_new", "referral_new", "portal_referral_new")

# The embedded submission (e): the embeddable form's request, from a page of the publishable key's origin.
EMBED_ORIGIN = "https://www.bench-partner.example"


# --------------------------------------------------------------------------------------------------------
# Environment and database
# --------------------------------------------------------------------------------------------------------


def intake_env(event_publisher: str) -> dict[str, str]:
    """What lead intake needs in a benchmark (also bench/speed_to_lead.py's): throttles that never trip, the
    client's own address, the event publisher, no fill-time check, no CAPTCHA, the SMS disclosure."""
    return {
        "THROTTLE_ANON_RATE": NEVER_TRIPS,
        "THROTTLE_LEADS_RATE": NEVER_TRIPS,
        "THROTTLE_PARTNER_RATE": NEVER_TRIPS,
        "THROTTLE_EMBED_KEY_RATE": NEVER_TRIPS,
        "THROTTLE_EMBED_IP_RATE": NEVER_TRIPS,
        "TURNSTILE_SECRET_KEY": "",
        "NUM_PROXIES": "0",
        "LEAD_EVENT_PUBLISHER": event_publisher,
        "LEAD_MIN_FILL_SECONDS": "0",
        "LEAD_CAPTCHA_VERIFIER": "",
        "LEAD_SMS_DISCLOSURE_VERSIONS": SMS_DISCLOSURE_VERSION,
    }


def server_env() -> dict[str, str]:
    return bench_env(
        db_name=DB_NAME,
        redis_url=REDIS_URL,
        cache_key_prefix="corerecovery-bench-leads",
        settings_module="config.settings.base",
    ) | intake_env("")


def prepare_database() -> float:
    from django.core.management import call_command
    from django.db import connections

    from content.models import Program

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_content", stdout=io.StringIO())
    if not Program.objects.live().filter(slug="iop").exists():
        raise RuntimeError("seed_content made no live program `iop`")
    connections.close_all()
    return time.perf_counter() - started


def create_api_key() -> str:
    """A partner key from the management command, in the server's environment; never printed."""
    completed = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "manage.py",
            "create_api_key",
            "--partner",
            PARTNER_NAME,
            "--kind",
            "clinician",
            "--scopes",
            PARTNER_SCOPES,
        ],
        env=server_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"create_api_key failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    lines = [line.strip() for line in completed.stdout.splitlines() if line.strip()]
    key = lines[-1] if lines else ""
    if "." not in key or " " in key:
        raise RuntimeError("create_api_key printed no key on its last line")
    return key


def create_publishable_key() -> str:
    """The partner's publishable key for the embedded submission (e), from the management command."""
    completed = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "create_api_key", "--partner", PARTNER_NAME, "--publishable",
         "--origins", EMBED_ORIGIN],
        env=server_env(), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"create_api_key --publishable failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    keys = [line.strip() for line in completed.stdout.splitlines() if line.strip().startswith("pk_")]
    if not keys:
        raise RuntimeError("create_api_key --publishable printed no pk_ key")
    return keys[0]


# --------------------------------------------------------------------------------------------------------
# Synthetic requests
# --------------------------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Alex", "Avery", "Blake", "Casey", "Dakota", "Devon", "Drew", "Elliot", "Emerson", "Finley",
    "Harper", "Hayden", "Jamie", "Jordan", "Kai", "Kendall", "Logan", "Morgan", "Parker", "Quinn",
    "Reese", "Riley", "Rowan", "Sage", "Skyler", "Taylor",
)  # fmt: skip
LAST_NAMES = (
    "Example", "Sample", "Tester", "Placeholder", "Fictional", "Synthetic", "Demo", "Mockley", "Bench", "Trial",
    "Pseudonym", "Invented", "Madeup", "Standin", "Dummy", "Specimen",
)  # fmt: skip
MESSAGE_SENTENCES = (
    "I have been having a hard time with anxiety for the last few months and it is getting in the way of work.",
    "My sleep has been poor and I keep missing mornings because of it.",
    "A friend told me about your intensive outpatient program and I would like to know more about it.",
    "I would like to understand how the schedule works, since I still work part time during the week.",
    "My insurance is through my employer and I am not sure what it covers for outpatient care.",
    "I saw a therapist last year and it helped, but I think I need more support than once a week now.",
    "Evenings are the easiest time to reach me, and text messages are fine too.",
    "I am interested in group sessions and in learning skills to manage stress.",
    "Could someone explain what the first assessment looks like and how long it takes?",
    "My family is supportive and would like to know how they can be involved in the program.",
    "I drink more than I would like on weekends and want to talk to someone about it.",
    "Transportation is sometimes a problem, so I would like to know whether telehealth is possible.",
    "I am a little nervous about reaching out, so thank you for reading this.",
    "Please call after three in the afternoon if possible.",
)
REFERRAL_REASONS = (
    "Step-down from inpatient care after a depressive episode; medication is stable.",
    "Ongoing generalized anxiety with panic symptoms; weekly therapy has not been enough.",
    "Needs a structured program while returning to work; motivated and engaged in treatment.",
    "Alcohol use increasing over the past six months; client is asking for a higher level of care.",
    "Recently discharged from residential treatment and needs continued structured support.",
    "Mood symptoms interfering with school; family involvement is recommended.",
)
REFERRER_ROLES = ("Psychiatrist", "Therapist", "Primary care physician", "Case manager", "Social worker")
ORGANIZATIONS = ("Example Health", "Sample Behavioral Clinic", "Demo Family Practice", "Placeholder Hospital")
UTM_SOURCES = ("google", "bing", "facebook", "newsletter", "referral")
UTM_MEDIUMS = ("cpc", "organic", "social", "email")
UTM_CAMPAIGNS = ("iop-phoenix", "anxiety-support", "spring-outreach", "brand")


class SyntheticPeople:
    """Bodies of contact requests and referrals: plausible, varied, and about nobody."""

    def __init__(self, seed: int) -> None:
        import phonenumbers

        self._phonenumbers = phonenumbers
        self.random = random.Random(seed)
        self.count = 0

    def phone(self) -> str:
        # Half from the fictional 602-555-0100..0199, half random Phoenix-area numbers that phonenumbers
        # accepts (never dialled: the event publisher is off); written the ways people write them.
        if self.random.random() < 0.5:
            area, exchange, line = 602, 555, self.random.randint(100, 199)
        else:
            while True:
                area, exchange = self.random.choice((480, 623)), self.random.randint(200, 999)
                line = self.random.randint(0, 9999)
                if self._phonenumbers.is_valid_number(self._phonenumbers.parse(f"{area}{exchange}{line:04d}", "US")):
                    break
        style = self.random.randrange(3)
        if style == 0:
            return f"{area}-{exchange}-{line:04d}"
        if style == 1:
            return f"({area}) {exchange}-{line:04d}"
        return f"+1 {area} {exchange} {line:04d}"

    def text(self, sentences: tuple[str, ...], low: int, high: int) -> str:
        target = self.random.randint(low, high)
        text = ""
        while len(text) < target:
            text = f"{text} {self.random.choice(sentences)}".strip()
        if len(text) > high:
            text = text[:high].rsplit(" ", 1)[0].rstrip(",;") + "."
        return text

    def _person(self) -> dict[str, Any]:
        self.count += 1
        first, last = self.random.choice(FIRST_NAMES), self.random.choice(LAST_NAMES)
        return {
            "first_name": first,
            "last_name": last,
            "phone": self.phone(),
            # Unique per request, at a reserved domain.
            "email": f"{first}.{last}.{self.count}@example.org".lower(),
        }

    def lead(self) -> dict[str, Any]:
        body = self._person()
        body.update(
            {
                "preferred_contact": self.random.choice(("phone", "sms", "email")),
                "program_interest": "iop",
                "message": self.text(MESSAGE_SENTENCES, 300, 600),
                "state": "AZ",
                "consent": {"contact": True, "sms": True, "sms_disclosure_version": SMS_DISCLOSURE_VERSION},
                "utm_source": self.random.choice(UTM_SOURCES),
                "utm_medium": self.random.choice(UTM_MEDIUMS),
                "utm_campaign": self.random.choice(UTM_CAMPAIGNS),
                "landing_page": "https://www.example.org/programs/iop/",
            }
        )
        return body

    def referral(self) -> dict[str, Any]:
        body = self._person()
        born = date(1950, 1, 1) + timedelta(days=self.random.randrange(365 * 55))
        referrer_first, referrer_last = self.random.choice(FIRST_NAMES), self.random.choice(LAST_NAMES)
        body.update(
            {
                "program_interest": self.random.choice(("iop", "iop", "php")),
                "state": "AZ",
                "date_of_birth": born.isoformat(),
                "referrer": {
                    "name": f"Dr. {referrer_first} {referrer_last}",
                    "role": self.random.choice(REFERRER_ROLES),
                    "organization": self.random.choice(ORGANIZATIONS),
                    "phone": f"602-555-{self.random.randint(100, 199):04d}",
                    "email": f"{referrer_first}.{referrer_last}@example.org".lower(),
                },
                "reason_for_referral": self.text(REFERRAL_REASONS, 150, 400),
                "urgency": "routine",
                "current_level_of_care": self.random.choice(("inpatient", "residential", "outpatient")),
                "client_consent": True,
            }
        )
        return body


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    expect_reference: str | None = None  # a replay must answer with its original's reference


@dataclass(frozen=True)
class Original:
    """A contact request already made (before any measurement), that a client replays."""

    key: str
    body: bytes
    reference: str


@dataclass
class Scenario:
    key: str
    label: str
    method: str
    path: str
    expect: int
    creates: str | None = None  # "lead" or "referral": a 201 that is not a replay is a new lead
    replays: bool = False


SCENARIOS = [
    Scenario("lead_new", "a. POST lead, new key", "POST", LEADS_PATH, 201, creates="lead"),
    Scenario("lead_replay", "b. POST lead, replayed key", "POST", LEADS_PATH, 201, creates="lead", replays=True),
    Scenario("referral_new", "c. POST referral, new key", "POST", REFERRALS_PATH, 201, creates="referral"),
    Scenario("referral_list", "d. GET referrals (20)", "GET", REFERRAL_LIST_PATH, 200),
]
EMBEDDED = Scenario("referral_embedded", "e. POST referral, embedded", "POST", REFERRALS_PATH, 201, creates="referral")
SCENARIOS.append(EMBEDDED)
SCENARIOS.append(
    Scenario("portal_referral_new", "f. POST portal refer form", "POST", "/partners/refer/", 302, creates="referral")
)
TARGET_SCENARIOS += (EMBEDDED.key,)


class Workload:
    """The next request of a scenario for one client."""

    def __init__(self, people: SyntheticPeople, api_key: str) -> None:
        self.people = people
        self.auth = {"Authorization": f"Api-Key {api_key}"}
        self.originals: list[list[Original]] = []
        # The embeddable form's headers (e): set in main() once the publishable key exists.
        self.embed_headers: dict[str, str] = {}
        self.portal_session = ""  # a partner user's portal session key (portal_session_create)

    def call(self, scenario: Scenario, client: int, turn: int) -> Call:
        if scenario.key == "lead_new":
            return Call("POST", LEADS_PATH, {"Idempotency-Key": str(uuid.uuid4())}, encode(self.people.lead()))
        if scenario.key == "lead_replay":
            # Each client replays only its own keys: one request per key at a time, never a 409 "in flight".
            original = self.originals[client][turn % len(self.originals[client])]
            return Call("POST", LEADS_PATH, {"Idempotency-Key": original.key}, original.body, original.reference)
        if scenario.key == "referral_new":
            headers = {**self.auth, "Idempotency-Key": str(uuid.uuid4())}
            return Call("POST", REFERRALS_PATH, headers, encode(self.people.referral()))
        if scenario.key == "referral_list":
            return Call("GET", REFERRAL_LIST_PATH, dict(self.auth))
        if scenario.key == EMBEDDED.key:
            headers = {**self.embed_headers, "Idempotency-Key": str(uuid.uuid4())}
            return Call("POST", REFERRALS_PATH, headers, encode(self.people.referral()))
        if scenario.key == "portal_referral_new":
            return portal_referral_call(self.people, self.portal_session)
        raise ValueError(scenario.key)


# The referral portal (e): a partner user signed in to /partners/ sends the "Refer someone" form.
PORTAL_REFER_PATH = "/partners/refer/"
# Django checks a CSRF cookie's format, not its origin: any 32 letters and digits, sent as cookie and field.
PORTAL_CSRF = "bench" + "0" * 27
PORTAL_DONE = re.compile(r"/partners/refer/(L-[0-9A-Z]{6})/done/")


def portal_session_create() -> str:
    """A partner user of the bench partner, signed in to the portal as its sign-in does it: the session key."""
    from django.db import connections
    from django.http import HttpResponse
    from django.test import RequestFactory

    from partners.models import Partner, PartnerUser
    from portal import session

    user = PartnerUser.objects.create(
        partner=Partner.objects.get(name=PARTNER_NAME), email="bench.planner@example.org", name="Bench Planner",
        sign_in_method=PartnerUser.SignInMethod.MAGIC_LINK,
    )  # fmt: skip
    response = HttpResponse()
    session.session_start(RequestFactory().get(PORTAL_REFER_PATH), response, user=user)
    connections.close_all()
    return response.cookies[session.COOKIE].value


def portal_referral_call(people: SyntheticPeople, session_key: str) -> Call:
    """The form a person fills in: the API's field names (`referrer.name`), a new form key each time."""
    body = people.referral()
    referrer = body.pop("referrer")
    form = {name: value for name, value in body.items() if name not in ("date_of_birth", "client_consent")}
    form.update({f"referrer.{name}": value for name, value in referrer.items() if name != "organization"})
    form.update(client_consent="on", submission_key=str(uuid.uuid4()), csrfmiddlewaretoken=PORTAL_CSRF)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={PORTAL_CSRF}; cr_partner_session={session_key}",
    }
    return Call("POST", PORTAL_REFER_PATH, headers, urlencode(form).encode())


def check_portal_response(response: Response, ledger: "Ledger", phase: str) -> str | None:
    """A 302 to the confirmation page of a new referral; its reference goes to the ledger."""
    match = PORTAL_DONE.fullmatch(response.headers.get("location", ""))
    if response.status != 302 or match is None:
        return f"status {response.status} (the form was refused: see the server's log)"
    ledger.add("referral", match.group(1), f"portal_referral_new/{phase}")
    return None


# --------------------------------------------------------------------------------------------------------
# Checks of each response, and the ledger of leads the server said it created
# --------------------------------------------------------------------------------------------------------


@dataclass
class Ledger:
    references: dict[str, list[str]] = field(default_factory=lambda: {"lead": [], "referral": []})
    # Creations per "scenario/phase" (setup, warm-up, measured).
    created: Counter[str] = field(default_factory=Counter)
    # Creating requests whose outcome the client never saw (timeout, broken connection): unknown to the check.
    unknown: int = 0

    def add(self, kind: str, reference: str, source: str) -> None:
        self.references[kind].append(reference)
        self.created[source] += 1


def _json(body: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads(body or b"")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def describe_failure(response: Response) -> str:
    """A status, the problem's code and the names of the fields in error: never a value sent."""
    problem = _json(response.body)
    text = f"status {response.status}"
    if isinstance(problem.get("code"), str):
        text += f" {problem['code']}"
    if isinstance(problem.get("errors"), dict):
        text += f" fields {sorted(problem['errors'])}"
    return text


def check_response(scenario: Scenario, call: Call, response: Response, ledger: Ledger, phase: str) -> str | None:
    """None if the response is what the scenario expects; what is wrong otherwise. Records new leads."""
    if scenario.key == "portal_referral_new":
        return check_portal_response(response, ledger, phase)
    if response.status != scenario.expect:
        return describe_failure(response)
    if scenario.creates is None:
        return None
    reference = _json(response.body).get("reference")
    if not isinstance(reference, str) or not reference:
        return f"status {response.status} without a reference"
    replayed = response.headers.get("idempotent-replayed", "").lower() == "true"
    if not replayed:
        ledger.add(scenario.creates, reference, f"{scenario.key}/{phase}")
    if scenario.replays:
        if not replayed:
            return "replay answered without Idempotent-Replayed: true"
        if reference != call.expect_reference:
            return "replay answered with another reference"
    elif replayed:
        return "new Idempotency-Key answered as a replay"
    return None


def request_once(
    server: Server, workload: Workload, scenario: Scenario, ledger: Ledger, phase: str, what: str
) -> tuple[Call, Response]:
    """One request of a scenario before the load, checked: a wrong answer raises, saying `what` it was."""
    call = workload.call(scenario, 0, 0)
    response = fetch(server.port, call.path, call.headers, method=call.method, body=call.body)
    problem = check_response(scenario, call, response, ledger, phase)
    if problem:
        raise RuntimeError(f"{what}: {problem}")
    return call, response


def prepare_replays(server: Server, workload: Workload, concurrency: int, ledger: Ledger) -> None:
    """Make each client's contact requests to replay, and check that a replay is one."""
    for _ in range(concurrency):
        originals = []
        for _ in range(REPLAY_KEYS_PER_CLIENT):
            call, response = request_once(
                server, workload, SCENARIOS[0], ledger, "originals of b", "contact request to replay"
            )
            reference = _json(response.body)["reference"]
            originals.append(Original(call.headers["Idempotency-Key"], call.body or b"", reference))
        workload.originals.append(originals)
    request_once(server, workload, SCENARIOS[1], ledger, "setup", "replay")


def preflight(server: Server, workload: Workload, ledger: Ledger) -> None:
    """One request of each other scenario, so that a broken set-up fails before the load starts."""
    for scenario in SCENARIOS[2:]:
        request_once(server, workload, scenario, ledger, "setup", scenario.label)


# --------------------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------------------


@dataclass
class WriteTally(Tally):
    warmup_errors: int = 0
    # PostgreSQL backends' CPU, over the slices in which both workers kept their connection.
    pg_cpu_seconds: float = 0.0
    pg_requests: int = 0


async def run_slice(
    scenario: Scenario,
    workload: Workload,
    port: int,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    tally: WriteTally,
    ledger: Ledger,
) -> None:
    """Load the server with `concurrency` clients for warmup + duration seconds; count only the latter."""

    async def step(connection: Connection, index: int, turn: int, window: Window) -> None:
        call = workload.call(scenario, index, turn)
        began = time.perf_counter()
        measured = began >= window.measure_from
        try:
            response = await asyncio.wait_for(
                connection.request(call.path, call.headers, keep_body=True, method=call.method, body=call.body),
                REQUEST_TIMEOUT,
            )
        except REQUEST_ERRORS as exc:
            await connection.close()
            if scenario.creates and not scenario.replays:
                ledger.unknown += 1
            if measured:
                tally.error(f"{type(exc).__name__}: {exc}"[:200])
            else:
                tally.warmup_errors += 1
            return
        done = time.perf_counter()
        problem = check_response(scenario, call, response, ledger, "measured" if measured else "warm-up")
        if not measured:
            if problem:
                tally.warmup_errors += 1
            return
        tally.statuses[response.status] = tally.statuses.get(response.status, 0) + 1
        tally.latencies.append(done - began)
        if problem:
            tally.error(problem)
            return
        if done <= window.end:
            tally.completed += 1
        tally.bytes_min = min(tally.bytes_min or response.length, response.length)
        tally.bytes_max = max(tally.bytes_max or 0, response.length)

    await run_clients(port, concurrency=concurrency, warmup=warmup, duration=duration, step=step)


def measure(
    scenario: Scenario,
    workload: Workload,
    server: Server,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    tally: WriteTally,
    ledger: Ledger,
) -> None:
    pids = server.worker_pids()
    pg_pids = pg_backend_pids(DB_NAME)
    completed_before = tally.completed
    load = run_slice(
        scenario,
        workload,
        server.port,
        concurrency=concurrency,
        warmup=warmup,
        duration=duration,
        tally=tally,
        ledger=ledger,
    )
    (server_used, pg_used), client_used = cpu_during(load, warmup, duration, [pids, pg_pids])
    tally.add_window(duration, server_used, client_used)
    if pg_pids and pg_used is not None:
        tally.pg_cpu_seconds += pg_used
        tally.pg_requests += tally.completed - completed_before


def summarise(scenario: Scenario, tally: WriteTally, workers: int) -> dict[str, Any]:
    seconds = tally.measured_seconds or float("nan")
    served = tally.completed
    row: dict[str, Any] = {
        "key": scenario.key,
        "label": scenario.label,
        "method": scenario.method,
        "path": scenario.path,
        "expect": scenario.expect,
    }
    for name, value in tally.figures(with_max=True).items():
        if name == "server_cpu_ms_per_request":
            # How long a worker is busy with one request (CPU and waits), from throughput: workers / req/s.
            row["worker_ms_per_request"] = workers * seconds * 1000 / served if served else None
        row[name] = value
        if name == "errors":
            row["warmup_errors"] = tally.warmup_errors
        elif name == "server_cpu_ms_per_request":
            row["pg_backend_cpu_ms_per_request"] = (
                tally.pg_cpu_seconds * 1000 / tally.pg_requests if tally.pg_requests else None
            )
    return row


# --------------------------------------------------------------------------------------------------------
# The database check (after the server has stopped)
# --------------------------------------------------------------------------------------------------------


def check_database(ledger: Ledger) -> dict[str, Any]:
    """Leads in the database == 201 responses that were not replays: each reference once, nothing else."""
    from django.db import connections
    from django.db.models import Count

    from leads.models import IdempotencyRecord, Lead, LeadEvent, LeadKind, LeadStatusChange

    returned = {kind: list(references) for kind, references in ledger.references.items()}
    responses = sum(len(references) for references in returned.values())
    rows = dict(Lead.objects.values_list("reference", "kind"))
    expected_kind = dict.fromkeys(returned["referral"], LeadKind.PARTNER_REFERRAL.value)
    expected_kind.update(dict.fromkeys(returned["lead"], LeadKind.SELF.value))
    leads = len(rows)
    per_lead = {
        "idempotency_record": IdempotencyRecord.objects.filter(lead__isnull=False),
        "status_change": LeadStatusChange.objects.all(),
        "event": LeadEvent.objects.all(),
    }
    one_each = {
        name: queryset.order_by().values("lead_id").annotate(n=Count("id")).filter(n=1).count() == leads
        and queryset.count() == leads
        for name, queryset in per_lead.items()
    }
    checks = {
        "leads_equal_201_not_replayed": leads == responses,
        "no_reference_returned_twice": len(expected_kind) == responses,
        "every_returned_reference_stored": all(reference in rows for reference in expected_kind),
        "nothing_else_stored": all(reference in expected_kind for reference in rows),
        "kinds_match": all(rows.get(reference) == kind for reference, kind in expected_kind.items()),
        "no_unknown_outcomes": ledger.unknown == 0,
        **{f"one_{name}_per_lead": ok for name, ok in one_each.items()},
    }
    connections.close_all()
    return {
        "leads_in_database": leads,
        "responses_201_not_replayed": responses,
        "by_kind": {kind: len(references) for kind, references in returned.items()},
        "by_source": dict(sorted(ledger.created.items())),
        "unknown_outcomes": ledger.unknown,
        "checks": checks,
        "ok": all(checks.values()),
    }


# --------------------------------------------------------------------------------------------------------
# Profile (in-process, after the servers have stopped)
# --------------------------------------------------------------------------------------------------------


def profile_in_process(workload: Workload, scenarios: list[Scenario], requests: int) -> dict[str, Any]:
    """Time and profile submissions through Django's whole stack (middleware included), without HTTP.

    Timings run with the garbage collector as configured (its pauses measured apart); cProfile runs with it
    off, so that a collection is not charged to whichever function happened to allocate. The queries of
    the timed submissions are counted and timed, round trips included (never logged: their parameters are
    sealed personal data).
    """
    import warnings

    from django.db import connection
    from django.test import Client

    # Whitenoise's note that collectstatic has not run: true, and irrelevant to an API request.
    warnings.filterwarnings("ignore", message="No directory at")
    client = Client(SERVER_NAME=HOST)
    query_stats = [0, 0.0]  # queries, seconds in them

    def timed_query(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            query_stats[0] += 1
            query_stats[1] += time.perf_counter() - began

    def submit(scenario: Scenario) -> None:
        call = workload.call(scenario, 0, 0)
        headers = dict(call.headers)
        content_type = headers.pop("Content-Type", "application/json")
        response = client.generic(
            call.method, call.path, data=call.body or b"", content_type=content_type, headers=headers
        )
        if response.status_code != scenario.expect:
            raise RuntimeError(f"in-process {scenario.label}: {response.status_code}")

    report: dict[str, Any] = {}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for scenario in scenarios:
        for _ in range(3):
            submit(scenario)
        timings = []
        query_stats[:] = [0, 0.0]
        cpu_before = time.process_time()
        with GCClock() as gc_clock, connection.execute_wrapper(timed_query):
            for _ in range(requests):
                began = time.perf_counter()
                submit(scenario)
                timings.append(time.perf_counter() - began)
        cpu = time.process_time() - cpu_before

        def repeat(scenario: Scenario = scenario) -> None:
            for _ in range(requests):
                submit(scenario)

        profiler = profile_gc_off(repeat)
        report[scenario.key] = {
            "label": scenario.label,
            "requests": requests,
            "ms_per_request_median": statistics.median(timings) * 1000,
            "cpu_ms_per_request": cpu * 1000 / requests,
            "gc_ms_per_request": gc_clock.seconds * 1000 / requests,
            "queries_per_request": query_stats[0] / requests,
            "query_ms_per_request": query_stats[1] * 1000 / requests,
            "own_ms_per_request_by_package": own_time_by_package(profiler, requests),
            "top_tottime": top_stats(profiler, "tottime", 20),
            "top_cumulative": top_stats(profiler, "cumulative", 45),
        }
        profiler.dump_stats(str(RESULTS_DIR / f"profile-leads-{scenario.key}.prof"))
    return report


def own_time_by_package(profiler: cProfile.Profile, requests: int) -> dict[str, float]:
    """Own time (ms per request) by where the code lives: a site-package, an app of this project, the
    standard library, or built-ins (C functions, such as a socket's waits)."""
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    totals: Counter[str] = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in stats.items():
        path = Path(filename)
        if "site-packages" in path.parts:
            package = path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
        elif path.is_relative_to(ROOT):
            package = f"{path.relative_to(ROOT).parts[0]} (project)"
        elif filename == "~" or filename.startswith("<"):
            package = "built-ins"
        else:
            package = "stdlib"
        totals[package] += tottime * 1000 / requests
    return dict(totals.most_common())


# --------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------


TABLE = [
    Column("scenario", 28, lambda row: row["label"]),
    Column("req/s", 7, lambda row: f"{row['requests_per_second']:.1f}"),
    Column("p50 ms", 8, lambda row: f"{row['latency_ms']['p50']:.1f}"),
    Column("p99 ms", 8, lambda row: f"{row['latency_ms']['p99']:.1f}"),
    Column("errors", 6, lambda row: f"{row['errors']:d}"),
    Column("KiB/resp", 8, lambda row: f"{(row['response_bytes']['max'] or 0) / 1024:.1f}"),
    Column("srv CPU ms/req", 14, lambda row: ms(row["server_cpu_ms_per_request"])),
    Column("pg CPU ms/req", 13, lambda row: ms(row["pg_backend_cpu_ms_per_request"])),
    Column("worker ms/req", 13, lambda row: ms(row["worker_ms_per_request"])),
    Column("client CPU", 10, lambda row: f"{row['client_cpu_percent']:.0f}%"),
]


def targets(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        key: {
            "label": rows[key]["label"],
            "p99_ms": rows[key]["latency_ms"]["p99"],
            "target_p99_ms_below": P99_TARGET_MS,
            "met": rows[key]["latency_ms"]["p99"] < P99_TARGET_MS and rows[key]["errors"] == 0,
        }
        for key in TARGET_SCENARIOS
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--rounds", type=int, default=2, help="round-robin passes sharing the duration (default 2)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each slice")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--seed", type=int, default=20261127, help="seed of the synthetic people")
    parser.add_argument(
        "--profile",
        choices=["auto", "always", "never"],
        default="auto",
        help="profile submissions in-process: when a target is missed (default), always, or never",
    )
    parser.add_argument("--profile-requests", type=int, default=30, help="submissions per in-process profile")
    args = parser.parse_args()
    if args.duration <= 0 or args.concurrency < 1 or args.rounds < 1 or args.warmup < 0 or args.workers < 1:
        parser.error("duration > 0, concurrency >= 1, rounds >= 1, workers >= 1 and warmup >= 0 are required")
    if args.profile_requests < 1:
        parser.error("profile-requests >= 1 is required")
    return args


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    started = datetime.now()
    print(f"bench/leads.py: {DB_NAME} on PostgreSQL, Redis {REDIS_URL}, {os.cpu_count()} CPUs")

    recreate_database(DB_NAME)
    # This process migrates, checks the database and profiles with the settings the server uses.
    setup_django(server_env(), ALLOWED_HOSTS=f"{HOST},testserver")
    setup_seconds = prepare_database()
    api_key = create_api_key()
    print(f"database: migrated and seeded in {setup_seconds:.1f}s; partner API key created")
    flush_redis(REDIS_URL)

    workload = Workload(SyntheticPeople(args.seed), api_key)
    workload.embed_headers = {"Authorization": f"Api-Key {create_publishable_key()}", "Origin": EMBED_ORIGIN}
    print("partner publishable key created (embedded submissions)")
    workload.portal_session = portal_session_create()
    ledger = Ledger()
    work_dir = Path(tempfile.mkdtemp(prefix="corerecovery-bench-leads-"))
    servers: list[Server] = []
    with servers_stopped_at_exit(servers):
        server = Server("leads", server_env(), args.workers, work_dir)
        servers.append(server)
        server.wait_ready()
        preflight(server, workload, ledger)
        prepare_replays(server, workload, args.concurrency, ledger)
        print(
            f"server: :{server.port}, {args.workers} sync workers; {args.concurrency} clients x "
            f"{REPLAY_KEYS_PER_CLIENT} keys to replay"
        )

        tallies = {scenario.key: WriteTally() for scenario in SCENARIOS}
        slice_seconds = args.duration / args.rounds
        load_before = os.getloadavg()
        for round_number in range(args.rounds):
            for scenario in SCENARIOS:
                print(f"  round {round_number + 1}/{args.rounds}: {scenario.label}", flush=True)
                measure(
                    scenario,
                    workload,
                    server,
                    concurrency=args.concurrency,
                    warmup=args.warmup,
                    duration=slice_seconds,
                    tally=tallies[scenario.key],
                    ledger=ledger,
                )
        load_after = os.getloadavg()
    shutil.rmtree(work_dir)  # the server's log; kept when a run fails

    rows = {scenario.key: summarise(scenario, tallies[scenario.key], args.workers) for scenario in SCENARIOS}
    print()
    print(format_table(TABLE, list(rows.values())))
    print(
        f"\n(srv CPU: the gunicorn workers; pg CPU: their PostgreSQL backends; worker ms/req = workers / req/s, "
        f"how long a worker is busy with one request. With {args.concurrency} clients on {args.workers} sync "
        f"workers, the mean latency is about clients / req/s (Little's law), i.e. "
        f"{args.concurrency / args.workers:.0f}x worker ms/req: mostly time queued behind other requests.)"
    )
    result_targets = targets(rows)
    print(f"\ntarget: p99 under {P99_TARGET_MS:.0f} ms for lead submissions ({args.concurrency} clients)")
    for entry in result_targets.values():
        print(f"  {entry['label']:<28} p99 {entry['p99_ms']:7.1f} ms: {'met' if entry['met'] else 'MISSED'}")
    errors = sum(row["errors"] + row["warmup_errors"] for row in rows.values())
    for row in rows.values():
        if row["warmup_errors"]:
            print(f"  {row['warmup_errors']} error(s) in the warm-up of {row['key']}")
        for sample in row["error_samples"]:
            print(f"  error in {row['key']}: {sample}")

    database = check_database(ledger)
    print(
        f"\ndatabase check: {database['leads_in_database']} leads in {DB_NAME}; "
        f"{database['responses_201_not_replayed']} responses 201 that were not replays "
        f"({database['by_kind']['lead']} contact requests + {database['by_kind']['referral']} referrals; "
        f"warm-up and set-up included); {database['unknown_outcomes']} creating requests without an answer"
    )
    for source, count in database["by_source"].items():
        print(f"  {source:<28} {count:>6}")
    for name, ok in database["checks"].items():
        print(f"  {name:<36} {'ok' if ok else 'FAILED'}")
    print(f"database check: {'PASSED' if database['ok'] else 'FAILED'}")

    profile: dict[str, Any] | None = None
    missed = [scenario for scenario in SCENARIOS if scenario.key in result_targets]
    if args.profile == "auto":
        missed = [scenario for scenario in missed if not result_targets[scenario.key]["met"]]
    if args.profile != "never" and missed:
        profile = profile_in_process(workload, missed, args.profile_requests)
        print("\nin-process through the middleware (django.test.Client, no HTTP, one process):")
        for key, entry in profile.items():
            print(
                f"  {key:<13} median {entry['ms_per_request_median']:6.2f} ms/request, "
                f"CPU {entry['cpu_ms_per_request']:6.2f} ms/request, of which GC {entry['gc_ms_per_request']:5.2f}; "
                f"{entry['queries_per_request']:.0f} queries, {entry['query_ms_per_request']:.2f} ms in them"
            )
        for key, entry in profile.items():
            packages = ", ".join(
                f"{package} {ms:.2f}" for package, ms in entry["own_ms_per_request_by_package"].items() if ms >= 0.05
            )
            print(f"\n--- cProfile {key} (GC off): own time in ms/request by package ---\n  {packages}")
            print(f"\n--- cProfile {key} (GC off), by own time ---\n{entry['top_tottime'].rstrip()}")
            print(f"\n--- cProfile {key} (GC off), cumulative ---\n{entry['top_cumulative'].rstrip()}")
        print(f"\ncProfile dumps: {(RESULTS_DIR / 'profile-leads-<scenario>.prof').relative_to(ROOT)}")

    write_results(
        "leads",
        started,
        {
            "started_at": started.isoformat(timespec="seconds"),
            "machine": machine(load_before, load_after),
            "settings": {
                **vars(args),
                "gunicorn": f"sync, -w {args.workers}",
                "replay_keys_per_client": REPLAY_KEYS_PER_CLIENT,
            },
            "results": list(rows.values()),
            "targets": result_targets,
            "database_check": database,
            "profile": profile,
            "scenario_definitions": [asdict(scenario) for scenario in SCENARIOS],
        },
    )
    return 1 if errors or not database["ok"] else 0


if __name__ == "__main__":
    sys.exit(main())
