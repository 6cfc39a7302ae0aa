"""Benchmark of the content API: what a list of full articles costs, cold and warm, against two references.

    .venv/bin/python bench/content.py [--duration 10] [--concurrency 16] [--rounds 2]

What it does, every run:

1. Drops and recreates the database `corerecovery_bench`, migrates it and writes a deterministic corpus
   through `content.services.content_publish`: 60 published articles of about 1,600 words (headings,
   paragraphs with bold text and links, a list), each with a hero image (six 2400 x 1600 images of the media
   library, renditions made), tags, a few programs and therapies, the site profile.
2. Starts two gunicorn servers (sync workers, `-w 2`) on free ports of 127.0.0.1 with `bench.settings`
   (the project's settings plus `bench/floor_urls.py`): one with CONTENT_CACHE_ENABLED=false (cold), one
   with it on (warm), both on a flushed, dedicated Redis database.
3. Loads them with an asyncio HTTP/1.1 client (keep-alive when the server offers it; gunicorn's sync
   workers close every connection) from N concurrent clients, for a bounded time per scenario, checking
   every status. Scenarios run round-robin (`--rounds`), so a noisy neighbour hurts them all alike.
4. Prints a table (req/s, p50/p99 latency, errors, bytes on the wire per response, and the gunicorn
   workers' CPU per request, which is less sensitive to a noisy machine than throughput) and the ratios the
   README quotes, and writes everything to bench/results/content-<timestamp>.json. The list is loaded plain
   and with `Accept-Encoding: br` and `gzip`, cold (compressed on every request) and warm (stored compressed
   at render: api/encoding.py), and every compressed response is checked for its Content-Encoding.
5. Stops the servers it started, then (unless --no-profile) profiles cold requests in-process with cProfile.

The anonymous throttle stays on, as in production, at a rate that never trips. Each request carries its own
X-Forwarded-For address (NUM_PROXIES=1), so the throttle does what it does for a typical visitor: one small
history read and write. With a single client address its history would hold every request of the window
and grow with the benchmark's own throughput (`--throttle-ips single` shows that).
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's directory is sys.path[0], where `content` would be this module: use the root.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

from bench.common import (  # noqa: E402  (needs the sys.path fix above)
    HOST,
    NEVER_TRIPS,
    REQUEST_ERRORS,
    REQUEST_TIMEOUT,
    RESULTS_DIR,
    Column,
    Connection,
    GCClock,
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
    profile_gc_off,
    raise_on_sigterm,
    recreate_database,
    run_clients,
    servers_stopped_at_exit,
    setup_django,
    top_stats,
    write_results,
)

# Overridable so that two checkouts on one machine can run it at once without dropping each other's database.
DB_NAME = os.environ.get("BENCH_DB_NAME", "corerecovery_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

ARTICLES = 60
WORDS_PER_ARTICLE = 1600
LIST_PATH = "/api/v1/articles/?page_size=20&fields=slug,title,summary,hero_image,tags,published_at,body,body_html"
# Hero images: every article shows one, cycling through this many photo-sized images of the media library.
HERO_IMAGES = 6
FLOOR_PATH = "/bench/floor/"
# What referral directories harvest: every live program as a fully nested HSDS service, and its floor.
HSDS_PATH = "/hsds/services?full=true"
HSDS_FLOOR_PATH = "/bench/floor/hsds/"
BASELINE_PATH = "/bench/drf-baseline/"

# Targets the README states.
WARM_VS_FLOOR_TARGET = 1.5
COLD_VS_BASELINE_TARGET = 2.0
# A warm compressed list, served from stored bytes, against the warm plain list: requests/s at least this
# share of the plain list's, and at least this many times fewer bytes on the wire.
COMPRESSED_THROUGHPUT_TARGET = 0.9
COMPRESSED_BYTES_TARGET = 5.0
CODINGS = ("br", "gzip")


# --------------------------------------------------------------------------------------------------------
# Environment, database and corpus
# --------------------------------------------------------------------------------------------------------


def server_env(
    *, cache_enabled: bool, floor_file: str | None, throttle_ips: str, hsds_floor_file: str | None = None
) -> dict[str, str]:
    env = bench_env(
        db_name=DB_NAME,
        redis_url=REDIS_URL,
        cache_key_prefix="corerecovery-bench",
        settings_module="bench.settings",
        THROTTLE_ANON_RATE=NEVER_TRIPS,
        NUM_PROXIES="1" if throttle_ips == "unique" else "0",
        CONTENT_CACHE_ENABLED="true" if cache_enabled else "false",
    )
    if floor_file:
        env["BENCH_FLOOR_FILE"] = floor_file
    else:
        env.pop("BENCH_FLOOR_FILE", None)
    if hsds_floor_file:
        env["BENCH_HSDS_FLOOR_FILE"] = hsds_floor_file
    else:
        env.pop("BENCH_HSDS_FLOOR_FILE", None)
    return env


_WORD_TEXT = """
recovery support care plan skills group family therapy session week day time change growth patient
people life health mind body stress sleep routine habit goal progress step path team clinician program
hope trust balance strength practice learn notice build share listen return daily gentle steady clear
honest small quiet simple useful careful thoughtful structured flexible open safe calm warm practical
the a of and to in for with on as at by from about through during after before between within without
is are was be can may will often helps brings offers gives makes keeps supports guides shapes
feeling thought pattern trigger craving coping boundary connection relationship community meaning
morning evening moment season lesson question answer reason choice effort attention energy purpose
lorem ipsum dolor sit amet consectetur adipiscing elit sed eiusmod tempor incididunt labore dolore magna
"""
WORDS = _WORD_TEXT.split()


class CorpusWriter:
    """Deterministic lorem-like English, shaped like a real article body."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def words(self, low: int, high: int) -> list[str]:
        return [self.random.choice(WORDS) for _ in range(self.random.randint(low, high))]

    def sentence(self) -> str:
        words = self.words(8, 18)
        return " ".join(words).capitalize() + "."

    def title(self, low: int = 3, high: int = 7) -> str:
        return " ".join(self.words(low, high)).capitalize()

    def paragraph(self) -> dict[str, Any]:
        text = " ".join(self.sentence() for _ in range(self.random.randint(4, 7)))
        words = text.split(" ")
        spans: list[dict[str, Any]] = []
        start = 0
        # Some paragraphs carry a bold phrase and a link, like an editor's writing.
        cuts = sorted(self.random.sample(range(1, len(words) - 4), 2)) if self.random.random() < 0.6 else []
        for index, cut in enumerate(cuts):
            if cut <= start:
                continue
            spans.append({"text": " ".join(words[start:cut]) + " "})
            length = self.random.randint(2, 4)
            phrase = " ".join(words[cut : cut + length])
            if index == 0:
                spans.append({"text": phrase, "bold": True})
            else:
                href = self.random.choice(["/programs/iop/", "/therapies/cbt/", "https://988lifeline.org"])
                spans.append({"text": phrase, "href": href})
            start = cut + length
            if start < len(words):
                spans[-1]["text"] += " "
        if start < len(words):
            spans.append({"text": " ".join(words[start:])})
        return {"type": "paragraph", "children": spans}

    def bullet_list(self) -> dict[str, Any]:
        items = [
            [{"text": f"{self.title(1, 3)}:", "bold": True}, {"text": " " + self.sentence()}]
            for _ in range(self.random.randint(4, 6))
        ]
        return {"type": "list", "style": "bulleted", "items": items}

    def body(self, target_words: int) -> list[dict[str, Any]]:
        """Sections (an h2, paragraphs, every other one an h3 sub-section, the second a list) until the
        body reaches `target_words`."""
        from content.blocks import plain_text

        blocks: list[dict[str, Any]] = []
        section = 0
        while True:
            section += 1
            planned: list[dict[str, Any]] = [] if section == 1 else [self.heading(2)]
            planned.extend(self.paragraph() for _ in range(self.random.randint(2, 3)))
            if section % 2 == 0:
                planned.extend([self.heading(3), self.paragraph()])
            if section == 2:
                planned.append(self.bullet_list())
            for block in planned:
                blocks.append(block)
                if len(plain_text(blocks).split()) >= target_words:
                    if blocks[-1]["type"] == "heading":
                        blocks.pop()
                    return blocks

    def heading(self, level: int) -> dict[str, Any]:
        return {"type": "heading", "level": level, "text": self.title()}


@dataclass
class Corpus:
    slugs: list[str]
    words_per_article: float
    seconds: float


def _hero_image(number: int) -> Any:
    """A 2400 x 1600 photo-like image in the media library, with its renditions made (as the worker would)."""
    import io

    from PIL import Image, ImageDraw

    from content import images, services

    picture = Image.linear_gradient("L").resize((2400, 1600)).convert("RGB")
    ImageDraw.Draw(picture).ellipse((300 + 100 * number, 200, 1500, 1300), fill=(40 * number % 256, 120, 200))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=88)
    checked = images.check_and_strip(data=out.getvalue(), filename=f"hero-{number}.jpg")
    asset = services.media_asset_create(checked=checked, alt_en=f"Bench hero image {number + 1}")
    return services.media_renditions_make(asset_id=asset.pk)


def build_corpus(seed: int) -> Corpus:
    from django.core.management import call_command
    from django.db import connections, transaction
    from django.utils import timezone

    from content.blocks import plain_text
    from content.models import Article, InsurancePlan, Program, SiteProfile, Tag, Therapy
    from content.services import content_publish, insurance_plan_save, program_availability_update

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    writer = CorpusWriter(seed)
    now = timezone.now()
    with transaction.atomic():
        SiteProfile.objects.create(
            id=1,
            name="Core Recovery",
            licence_statement="Arizona-licensed outpatient mental health facility",
            phone="+16029267729",
            phone_display="602-926-7729",
            city="Phoenix",
            region="AZ",
        )
        therapies = [
            content_publish(
                item=Therapy(name=name, slug=slug, abbreviation=abbreviation, summary=writer.sentence(), order=order),
                publish_at=now - timedelta(days=30),
            )
            for order, (slug, name, abbreviation) in enumerate(
                [
                    ("cbt", "Cognitive behavioral therapy", "CBT"),
                    ("dbt", "Dialectical behavior therapy", "DBT"),
                    ("motivational-interviewing", "Motivational interviewing", "MI"),
                    ("mindfulness", "Mindfulness", ""),
                    ("family-therapy", "Family therapy", ""),
                ]
            )
        ]
        programs = []
        for slug, name, short_name, level in (
            ("php", "Partial Hospitalization Program", "PHP", Program.LevelOfCare.PARTIAL_HOSPITALIZATION),
            ("iop", "Intensive Outpatient Program", "IOP", Program.LevelOfCare.INTENSIVE_OUTPATIENT),
            ("outpatient", "Outpatient care", "OP", Program.LevelOfCare.OUTPATIENT),
        ):
            program = content_publish(
                item=Program(
                    name=name,
                    slug=slug,
                    short_name=short_name,
                    level_of_care=level,
                    summary=writer.sentence(),
                    days_per_week=writer.random.randint(3, 5),
                    hours_per_day=3,
                    minimum_age=18,
                    languages=["en", "es"],
                    delivery_methods=["in_person"],
                    required_documents=["Photo ID"],
                    fees_description=writer.sentence(),
                ),
                publish_at=now - timedelta(days=30),
            )
            program.therapies.set(writer.random.sample(therapies, 3))
            program_availability_update(program=program, accepting="yes", openings=3, updated_by=None)
            programs.append(program)
        for order, (payer, kind) in enumerate(
            [("Medicare", "medicare"), ("Mercy Care", "medicaid"), ("Self-pay", "self_pay")]
        ):
            insurance_plan_save(plan=InsurancePlan(payer=payer, slug=kind, kind=kind, order=order))
        tags = [Tag.objects.create(name=f"Topic {writer.title(1, 2)} {n}", slug=f"topic-{n}") for n in range(12)]
        heroes = [_hero_image(n) for n in range(HERO_IMAGES)]
        slugs = []
        words = 0
        for n in range(ARTICLES):
            body = writer.body(WORDS_PER_ARTICLE)
            words += len(plain_text(body).split())
            article = content_publish(
                item=Article(
                    title=f"{writer.title(4, 8)} ({n + 1})",
                    slug=f"bench-article-{n + 1:02d}",
                    summary=" ".join(writer.sentence() for _ in range(2)),
                    author="Bench Writer",
                    body=body,
                    hero_image=heroes[n % HERO_IMAGES],
                ),
                # Distinct, in the past: a stable order, and all live.
                publish_at=now - timedelta(hours=n + 1),
            )
            article.tags.set(writer.random.sample(tags, writer.random.randint(2, 4)))
            article.related_programs.set(writer.random.sample(programs, writer.random.randint(1, 2)))
            article.related_therapies.set(writer.random.sample(therapies, writer.random.randint(1, 3)))
            slugs.append(article.slug)
    connections.close_all()
    return Corpus(slugs=slugs, words_per_article=words / ARTICLES, seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------------------------------------


class AddressPool:
    """A distinct X-Forwarded-For address per request (10.0.0.0/8), or one address for every request."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.counter = 0

    def headers(self) -> dict[str, str]:
        if self.mode != "unique":
            return {}
        self.counter += 1
        n = self.counter % (1 << 24)
        return {"X-Forwarded-For": f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"}


# --------------------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    server: str  # "cold" or "warm"
    paths: list[str]
    expect: frozenset[int]
    headers: dict[str, str] = field(default_factory=dict)
    # The Content-Encoding every 200 must carry (None: none).
    coding: str | None = None


async def run_slice(
    scenario: Scenario, port: int, *, concurrency: int, warmup: float, duration: float, pool: AddressPool, tally: Tally
) -> None:
    """Load one server with `concurrency` clients for warmup + duration seconds; count only the latter."""

    async def step(connection: Connection, index: int, turn: int, window: Window) -> None:
        path = scenario.paths[(index + turn * concurrency) % len(scenario.paths)]
        began = time.perf_counter()
        try:
            response = await asyncio.wait_for(
                connection.request(path, {**scenario.headers, **pool.headers()}), REQUEST_TIMEOUT
            )
        except REQUEST_ERRORS as exc:
            await connection.close()
            if began >= window.measure_from:
                tally.error(f"{type(exc).__name__}: {exc}"[:200])
            return
        done = time.perf_counter()
        if began < window.measure_from:
            return
        tally.statuses[response.status] = tally.statuses.get(response.status, 0) + 1
        tally.latencies.append(done - began)
        if response.status not in scenario.expect:
            tally.error(f"status {response.status} for {path}")
            return
        if response.status == 200 and response.headers.get("content-encoding") != scenario.coding:
            tally.error(f"Content-Encoding {response.headers.get('content-encoding')} for {path}")
            return
        if done <= window.end:
            tally.completed += 1
        if response.status == 200:
            tally.bytes_min = min(tally.bytes_min or response.wire_bytes, response.wire_bytes)
            tally.bytes_max = max(tally.bytes_max or 0, response.wire_bytes)

    await run_clients(port, concurrency=concurrency, warmup=warmup, duration=duration, step=step)


def measure(
    scenario: Scenario,
    server: Server,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    pool: AddressPool,
    tally: Tally,
) -> None:
    load = run_slice(
        scenario, server.port, concurrency=concurrency, warmup=warmup, duration=duration, pool=pool, tally=tally
    )
    (server_used,), client_used = cpu_during(load, warmup, duration, [server.worker_pids()])
    tally.add_window(duration, server_used, client_used)


def summarise(scenario: Scenario, tally: Tally) -> dict[str, Any]:
    return {
        "key": scenario.key,
        "label": scenario.label,
        "server": scenario.server,
        "paths": scenario.paths if len(scenario.paths) <= 3 else [*scenario.paths[:2], f"... ({len(scenario.paths)})"],
        **tally.figures(),
    }


# --------------------------------------------------------------------------------------------------------
# Profile (in-process, after the servers have stopped)
# --------------------------------------------------------------------------------------------------------


@dataclass
class ProfileTarget:
    path: str
    cache_enabled: bool
    requests: int


def profile_in_process(targets: dict[str, ProfileTarget], floor_body: bytes) -> dict[str, Any]:
    """Time and profile requests through Django's whole stack (middleware included), without HTTP.

    Timings run with the garbage collector as configured (its pauses measured apart); cProfile runs with it
    off, so that a collection is not charged to whichever function happened to allocate.
    """
    from django.conf import settings
    from django.test import Client

    import bench.floor_urls

    bench.floor_urls.PRECOMPUTED = floor_body  # imported by `migrate`'s checks before the file existed
    client = Client(SERVER_NAME=HOST)
    pool = AddressPool("unique")

    def get(path: str) -> None:
        response = client.get(path, HTTP_X_FORWARDED_FOR=pool.headers()["X-Forwarded-For"])
        if response.status_code != 200:
            raise RuntimeError(f"in-process GET {path}: {response.status_code}")

    report: dict[str, Any] = {}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for name, target in targets.items():
        settings.CONTENT_CACHE_ENABLED = target.cache_enabled
        for _ in range(3):
            get(target.path)
        timings = []
        cpu_before = time.process_time()
        with GCClock() as gc_clock:
            for _ in range(target.requests):
                began = time.perf_counter()
                get(target.path)
                timings.append(time.perf_counter() - began)
        cpu = time.process_time() - cpu_before

        def repeat(target: ProfileTarget = target) -> None:
            for _ in range(target.requests):
                get(target.path)

        profiler = profile_gc_off(repeat)
        report[name] = {
            "path": target.path,
            "cache_enabled": target.cache_enabled,
            "requests": target.requests,
            "ms_per_request_median": statistics.median(timings) * 1000,
            "cpu_ms_per_request": cpu * 1000 / target.requests,
            "gc_ms_per_request": gc_clock.seconds * 1000 / target.requests,
            "top_tottime": top_stats(profiler, "tottime", 15),
            "top_cumulative": top_stats(profiler, "cumulative", 45),
        }
        profiler.dump_stats(str(RESULTS_DIR / f"profile-{name}.prof"))
    return report


# --------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------


TABLE = [
    Column("scenario", 34, lambda row: row["label"]),
    Column("req/s", 8, lambda row: f"{row['requests_per_second']:.1f}"),
    Column("p50 ms", 8, lambda row: f"{row['latency_ms']['p50']:.1f}"),
    Column("p99 ms", 8, lambda row: f"{row['latency_ms']['p99']:.1f}"),
    Column("errors", 6, lambda row: f"{row['errors']:d}"),
    Column("KiB/resp", 9, lambda row: f"{(row['response_bytes']['max'] or 0) / 1024:.1f}"),  # head and body
    Column("srv CPU ms/req", 14, lambda row: ms(row["server_cpu_ms_per_request"])),
    Column("client CPU", 10, lambda row: f"{row['client_cpu_percent']:.0f}%"),
]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def ratios(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    warm, floor, cold, baseline = rows["list_warm"], rows["floor"], rows["list_cold"], rows["drf_baseline"]

    def cpu(row: dict[str, Any]) -> float:
        value = row["server_cpu_ms_per_request"]
        return float(value) if value is not None else float("nan")

    warm_vs_floor = _ratio(floor["requests_per_second"], warm["requests_per_second"])
    cold_vs_baseline = _ratio(cold["requests_per_second"], baseline["requests_per_second"])
    compressed = {}
    for coding in CODINGS:
        row = rows[f"list_warm_{coding}"]
        by_throughput = _ratio(row["requests_per_second"], warm["requests_per_second"])
        by_bytes = _ratio(warm["response_bytes"]["max"] or 0, row["response_bytes"]["max"] or 0)
        compressed[coding] = {
            "by_requests_per_second": by_throughput,
            "fewer_bytes": by_bytes,
            "by_server_cpu": _ratio(cpu(row), cpu(warm)),
            "cold_by_requests_per_second": _ratio(
                rows[f"list_cold_{coding}"]["requests_per_second"], cold["requests_per_second"]
            ),
            "target_requests_per_second_at_least": COMPRESSED_THROUGHPUT_TARGET,
            "target_fewer_bytes_at_least": COMPRESSED_BYTES_TARGET,
            "met": by_throughput >= COMPRESSED_THROUGHPUT_TARGET and by_bytes >= COMPRESSED_BYTES_TARGET,
        }
    hsds_warm, hsds_floor = rows["hsds_warm"], rows["hsds_floor"]
    hsds_vs_floor = _ratio(hsds_floor["requests_per_second"], hsds_warm["requests_per_second"])
    return {
        "hsds_warm_vs_floor": {
            "by_requests_per_second": hsds_vs_floor,
            "by_p50": _ratio(hsds_warm["latency_ms"]["p50"], hsds_floor["latency_ms"]["p50"]),
            "by_server_cpu": _ratio(cpu(hsds_warm), cpu(hsds_floor)),
            "target_at_most": WARM_VS_FLOOR_TARGET,
            "met": hsds_vs_floor <= WARM_VS_FLOOR_TARGET,
        },
        "warm_compressed_vs_warm_identity": compressed,
        "warm_vs_floor": {
            "by_requests_per_second": warm_vs_floor,
            "by_p50": _ratio(warm["latency_ms"]["p50"], floor["latency_ms"]["p50"]),
            "by_server_cpu": _ratio(cpu(warm), cpu(floor)),
            "target_at_most": WARM_VS_FLOOR_TARGET,
            "met": warm_vs_floor <= WARM_VS_FLOOR_TARGET,
        },
        "cold_vs_drf_baseline": {
            "by_requests_per_second": cold_vs_baseline,
            "by_server_cpu": _ratio(cpu(baseline), cpu(cold)),
            "target_at_least": COLD_VS_BASELINE_TARGET,
            "met": cold_vs_baseline >= COLD_VS_BASELINE_TARGET,
        },
    }


def accept(coding: str) -> tuple[dict[str, str], str]:
    """A Scenario's headers and expected Content-Encoding for a client asking for `coding`."""
    return {"Accept-Encoding": coding}, coding


def check_codings(plain: bytes, servers: list[Server]) -> None:
    """Each server answers each coding with the list page's bytes, compressed."""
    import gzip

    import brotli

    decode = {"br": brotli.decompress, "gzip": gzip.decompress}
    for server in servers:
        for coding in CODINGS:
            response = fetch(server.port, LIST_PATH, {"Accept-Encoding": coding})
            if response.headers.get("content-encoding") != coding or decode[coding](response.body or b"") != plain:
                raise RuntimeError(f"the {server.name} server's list in {coding} is not the list page compressed")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--rounds", type=int, default=2, help="round-robin passes sharing the duration (default 2)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each slice")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (default 1: sync workers; more: gthread)"
    )
    parser.add_argument("--seed", type=int, default=20240601, help="corpus seed")
    parser.add_argument(
        "--throttle-ips",
        choices=["unique", "single"],
        default="unique",
        help="X-Forwarded-For per request (default), or every request from 127.0.0.1",
    )
    parser.add_argument(
        "--profile-requests", type=int, default=30, help="cold requests per in-process profile (warm: 10 times more)"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process cProfile")
    args = parser.parse_args()
    if args.duration <= 0 or args.concurrency < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("duration > 0, concurrency >= 1, rounds >= 1 and warmup >= 0 are required")
    return args


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    started = datetime.now()
    print(f"bench/content.py: {DB_NAME} on PostgreSQL, Redis {REDIS_URL}, {os.cpu_count()} CPUs")

    recreate_database(DB_NAME)
    # This process writes the corpus and profiles with the same settings the servers use.
    setup_django(
        server_env(cache_enabled=False, floor_file=None, throttle_ips=args.throttle_ips),
        ALLOWED_HOSTS=f"{HOST},testserver",
    )
    corpus = build_corpus(args.seed)
    print(f"corpus: {len(corpus.slugs)} articles, {corpus.words_per_article:.0f} words each, {corpus.seconds:.1f}s")
    flush_redis(REDIS_URL)

    work_dir = Path(tempfile.mkdtemp(prefix="corerecovery-bench-"))
    floor_file = work_dir / "floor.json"
    hsds_floor_file = work_dir / "floor-hsds.json"
    servers: list[Server] = []
    with servers_stopped_at_exit(servers):
        cold = Server(
            "cold",
            server_env(cache_enabled=False, floor_file=None, throttle_ips=args.throttle_ips),
            args.workers,
            work_dir,
            threads=args.threads,
        )
        servers.append(cold)
        cold.wait_ready()
        page = fetch(cold.port, LIST_PATH)
        if page.status != 200 or not page.body:
            raise RuntimeError(f"list page from the cold server: {page.status}")
        floor_file.write_bytes(page.body)
        hsds_page = fetch(cold.port, HSDS_PATH)
        if hsds_page.status != 200 or not hsds_page.body or b'"capacities"' not in hsds_page.body:
            raise RuntimeError(f"HSDS services from the cold server: {hsds_page.status}")
        hsds_floor_file.write_bytes(hsds_page.body)

        warm = Server(
            "warm",
            server_env(
                cache_enabled=True,
                floor_file=str(floor_file),
                throttle_ips=args.throttle_ips,
                hsds_floor_file=str(hsds_floor_file),
            ),
            args.workers,
            work_dir,
            threads=args.threads,
        )
        servers.append(warm)
        warm.wait_ready()
        warm_page = fetch(warm.port, LIST_PATH)  # renders and stores it: the cache is warm from here on
        etag = warm_page.headers.get("etag", "")
        if warm_page.status != 200 or warm_page.body != page.body or not etag:
            raise RuntimeError("the warm server's list page differs from the cold one's, or has no ETag")
        for slug in corpus.slugs:
            if fetch(warm.port, f"/api/v1/articles/{slug}/").status != 200:
                raise RuntimeError(f"detail of {slug} failed")
        if fetch(warm.port, LIST_PATH, {"If-None-Match": etag}).status != 304:
            raise RuntimeError("the list did not revalidate with its ETag")
        check_codings(page.body, [cold, warm])
        floor = fetch(warm.port, FLOOR_PATH)
        if floor.status != 200 or floor.body != page.body:
            raise RuntimeError("the floor view does not serve the list page's bytes")
        warm_hsds = fetch(warm.port, HSDS_PATH)  # renders and stores it
        if warm_hsds.status != 200 or warm_hsds.body != hsds_page.body:
            raise RuntimeError("the warm server's HSDS page differs from the cold one's")
        hsds_floor = fetch(warm.port, HSDS_FLOOR_PATH)
        if hsds_floor.status != 200 or hsds_floor.body != hsds_page.body:
            raise RuntimeError("the HSDS floor view does not serve the HSDS page's bytes")
        if fetch(cold.port, BASELINE_PATH).status != 200:
            raise RuntimeError("the DRF baseline failed")
        print(f"servers: cold :{cold.port}, warm :{warm.port}; list page {len(page.body) / 1024:.0f} KiB")

        ok = frozenset({200})
        scenarios = [
            Scenario("list_cold", "a. list, cache cold", "cold", [LIST_PATH], ok),
            *(
                Scenario(f"list_cold_{coding}", f"a. list, cold, {coding}", "cold", [LIST_PATH], ok, *accept(coding))
                for coding in CODINGS
            ),
            Scenario("drf_baseline", "f. DRF baseline list (cold)", "cold", [BASELINE_PATH], ok),
            Scenario("list_warm", "b. list, cache warm", "warm", [LIST_PATH], ok),
            *(
                Scenario(f"list_warm_{coding}", f"b. list, warm, {coding}", "warm", [LIST_PATH], ok, *accept(coding))
                for coding in CODINGS
            ),
            Scenario("floor", "e. floor: precomputed bytes", "warm", [FLOOR_PATH], ok),
            Scenario("hsds_warm", "g. HSDS services full, warm", "warm", [HSDS_PATH], ok),
            Scenario("hsds_floor", "g. floor: HSDS page bytes", "warm", [HSDS_FLOOR_PATH], ok),
            Scenario(
                "detail_warm", "c. detail, warm", "warm", [f"/api/v1/articles/{slug}/" for slug in corpus.slugs], ok
            ),
            Scenario(
                "revalidate_304",
                "d. list If-None-Match (304)",
                "warm",
                [LIST_PATH],
                frozenset({304}),
                {"If-None-Match": etag},
            ),
        ]
        by_server = {"cold": cold, "warm": warm}
        tallies = {scenario.key: Tally() for scenario in scenarios}
        pool = AddressPool(args.throttle_ips)
        slice_seconds = args.duration / args.rounds
        load_before = os.getloadavg()
        for round_number in range(args.rounds):
            for scenario in scenarios:
                print(f"  round {round_number + 1}/{args.rounds}: {scenario.label}", flush=True)
                measure(
                    scenario,
                    by_server[scenario.server],
                    concurrency=args.concurrency,
                    warmup=args.warmup,
                    duration=slice_seconds,
                    pool=pool,
                    tally=tallies[scenario.key],
                )
        load_after = os.getloadavg()
    shutil.rmtree(work_dir)  # the servers' logs and the floor file; kept when a run fails

    rows = {scenario.key: summarise(scenario, tallies[scenario.key]) for scenario in scenarios}
    order = [
        "list_cold",
        *(f"list_cold_{coding}" for coding in CODINGS),
        "list_warm",
        *(f"list_warm_{coding}" for coding in CODINGS),
        "detail_warm",
        "revalidate_304",
        "floor",
        "hsds_warm",
        "hsds_floor",
        "drf_baseline",
    ]
    print()
    print(format_table(TABLE, [rows[key] for key in order]))
    result_ratios = ratios(rows)
    warm_floor = result_ratios["warm_vs_floor"]
    cold_baseline = result_ratios["cold_vs_drf_baseline"]
    hsds_floor_ratio = result_ratios["hsds_warm_vs_floor"]
    print()
    print(
        f"warm HSDS services (full) cost {hsds_floor_ratio['by_requests_per_second']:.2f}x their floor by req/s "
        f"({hsds_floor_ratio['by_p50']:.2f}x by p50, {hsds_floor_ratio['by_server_cpu']:.2f}x by server "
        f"CPU/request); target <= {WARM_VS_FLOOR_TARGET}x: {'met' if hsds_floor_ratio['met'] else 'MISSED'}"
    )
    print(
        f"warm list costs {warm_floor['by_requests_per_second']:.2f}x the floor by req/s "
        f"({warm_floor['by_p50']:.2f}x by p50, {warm_floor['by_server_cpu']:.2f}x by server CPU/request); "
        f"target <= {WARM_VS_FLOOR_TARGET}x: {'met' if warm_floor['met'] else 'MISSED'}"
    )
    print(
        f"cold list serves {cold_baseline['by_requests_per_second']:.2f}x the DRF baseline's req/s "
        f"({cold_baseline['by_server_cpu']:.2f}x by server CPU/request); "
        f"target >= {COLD_VS_BASELINE_TARGET}x: {'met' if cold_baseline['met'] else 'MISSED'}"
    )
    for coding, figures in result_ratios["warm_compressed_vs_warm_identity"].items():
        print(
            f"warm list in {coding}: {figures['by_requests_per_second']:.2f}x the plain warm list's req/s "
            f"(target >= {COMPRESSED_THROUGHPUT_TARGET}x), {figures['fewer_bytes']:.1f}x fewer bytes (target >= "
            f"{COMPRESSED_BYTES_TARGET:.0f}x), {figures['by_server_cpu']:.2f}x its server CPU/request: "
            f"{'met' if figures['met'] else 'MISSED'}; cold: {figures['cold_by_requests_per_second']:.2f}x the "
            "plain cold list's req/s"
        )
    errors = sum(row["errors"] for row in rows.values())
    for row in rows.values():
        for sample in row["error_samples"]:
            print(f"  error in {row['key']}: {sample}")

    profile: dict[str, Any] | None = None
    if not args.no_profile:
        cold_requests = args.profile_requests
        profile = profile_in_process(
            {
                "list_cold": ProfileTarget(LIST_PATH, False, cold_requests),
                "drf_baseline": ProfileTarget(BASELINE_PATH, False, cold_requests),
                "list_warm": ProfileTarget(LIST_PATH, True, cold_requests * 10),
                "floor": ProfileTarget(FLOOR_PATH, True, cold_requests * 10),
            },
            floor_body=page.body,
        )
        print("\nin-process through the middleware (django.test.Client, no HTTP, one process):")
        for name, entry in profile.items():
            print(
                f"  {name:<13} median {entry['ms_per_request_median']:6.2f} ms/request, "
                f"CPU {entry['cpu_ms_per_request']:6.2f} ms/request, of which GC {entry['gc_ms_per_request']:5.2f}"
            )
        for name in ("list_cold", "list_warm"):
            print(f"\n--- cProfile {name} (GC off), by own time ---\n{profile[name]['top_tottime'].rstrip()}")
        print(f"\ncProfile dumps: {(RESULTS_DIR / 'profile-<name>.prof').relative_to(ROOT)}")

    write_results(
        "content",
        started,
        {
            "started_at": started.isoformat(timespec="seconds"),
            "machine": machine(load_before, load_after),
            "settings": {
                **vars(args),
                "gunicorn": f"{'sync' if args.threads == 1 else f'gthread x{args.threads}'}, -w {args.workers}",
                "list_path": LIST_PATH,
            },
            "corpus": {
                "articles": len(corpus.slugs),
                "words_per_article": corpus.words_per_article,
                "list_page_bytes": len(page.body),
                "seed": args.seed,
            },
            "results": [rows[key] for key in order],
            "ratios": result_ratios,
            "profile": profile,
            "scenario_definitions": [asdict(scenario) | {"expect": sorted(scenario.expect)} for scenario in scenarios],
        },
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
