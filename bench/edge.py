"""Benchmark of the Varnish edge (deploy/varnish/default.vcl) in front of the API, against the origin alone.

    .venv/bin/python bench/edge.py [--duration 8] [--rounds 2] [--edits 50] [--mixed-duration 20]

What it does, every run:
1. Drops and recreates the database `corerecovery_bench_edge` and writes bench/content.py's corpus (60
   published articles of about 1,600 words, programs, therapies, the site profile).
2. Starts gunicorn (2 sync workers, `bench.settings`, the content cache on, the throttle at a rate that never
   trips), Debian's varnishd with the shipped VCL in front of it (rendered by deploy/varnish/configure.sh),
   and one Celery worker with EDGE_BACKEND=varnish, on free ports of 127.0.0.1 and a dedicated Redis database.
3. Throughput: ApacheBench (`ab`, apache2-utils: a C client, so the client is not what is measured) with 64
   concurrent keep-alive clients on the warm articles list (20 full bodies) and an article's page, through
   the edge and at the origin alone, alternated round by round; requests/s and p99, every status checked.
4. Publish-to-fresh: `--edits` times, an article's page is cached at the edge, its title is changed through
   `content.services.content_save` (as the admin does), and the page is read through the edge every 5 ms until
   it shows the new title: the time from the commit (the service's return) to that read.
5. Hit ratio: 16 clients read a mix of pages through the edge (lists, every article, programs, therapies,
   FAQs, the site profile, the sitemap) for `--mixed-duration` seconds, while another process edits an
   article every second; the share of responses Varnish answered from its cache (`X-Cache: HIT`).
6. Prints the figures the README quotes and writes bench/results/edge-<timestamp>.json.
"""

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

from bench.common import (  # noqa: E402  (needs the sys.path fix above)
    HOST,
    NEVER_TRIPS,
    CeleryWorker,
    Connection,
    Server,
    bench_env,
    fetch,
    flush_redis,
    machine,
    percentile,
    raise_on_sigterm,
    recreate_database,
    servers_stopped_at_exit,
    setup_django,
    write_results,
)
from bench.content import LIST_PATH, build_corpus  # noqa: E402
from tests.integration.edge import Varnish  # noqa: E402  (the same runner the integration tests use)

DB_NAME = os.environ.get("BENCH_DB_NAME", "corerecovery_bench_edge")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
CONCURRENCY = 64
# What browsers and a website's server send: both the origin and the edge answer from bytes compressed once.
CODING = "gzip"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per throughput slice")
    parser.add_argument("--rounds", type=int, default=2, help="throughput slices per scenario, alternated")
    parser.add_argument("--edits", type=int, default=50, help="edits timed for publish-to-fresh")
    parser.add_argument("--mixed-duration", type=float, default=20.0, help="seconds of the mixed read workload")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def ab(port: int, path: str, duration: float) -> dict[str, Any]:
    """ApacheBench: 64 keep-alive clients for `duration` seconds; requests/s, p50, p99 and failures."""
    output = subprocess.run(
        ["ab", "-q", "-k", "-c", str(CONCURRENCY), "-t", str(duration), "-n", "10000000", "-s", "30",
         "-H", "Accept: application/json", "-H", f"Accept-Encoding: {CODING}", f"http://{HOST}:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def number(pattern: str) -> float:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"ab printed no {pattern!r}:\n{output}")
        return float(match.group(1))

    non_2xx = re.search(r"^Non-2xx responses:\s+(\d+)", output, re.MULTILINE)
    return {
        "requests": int(number(r"^Complete requests:\s+(\d+)")),
        "failed": int(number(r"^Failed requests:\s+(\d+)")) + (int(non_2xx.group(1)) if non_2xx else 0),
        "rps": number(r"^Requests per second:\s+([\d.]+)"),
        "p50_ms": number(r"^\s+50%\s+(\d+)"),
        "p99_ms": number(r"^\s+99%\s+(\d+)"),
    }


def throughput(origin: Server, varnish: Varnish, detail: str, *, duration: float, rounds: int) -> dict[str, Any]:
    scenarios = {
        "list_origin": (origin.port, LIST_PATH),
        "list_edge": (varnish.port, LIST_PATH),
        "detail_origin": (origin.port, detail),
        "detail_edge": (varnish.port, detail),
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in scenarios}
    for _ in range(rounds):
        for name, (port, path) in scenarios.items():
            runs[name].append(ab(port, path, duration))
            print(f"  {name}: {runs[name][-1]['rps']:.0f} req/s, p99 {runs[name][-1]['p99_ms']:.0f} ms")
    summary = {}
    for name, slices in runs.items():
        best = sorted(slices, key=lambda run: run["rps"])[len(slices) // 2]  # the median slice (upper)
        summary[name] = {**best, "slices": slices, "failed_total": sum(run["failed"] for run in slices)}
    return summary


def publish_to_fresh(varnish: Varnish, slugs: list[str], edits: int) -> dict[str, Any]:
    from content.models import Article
    from content.services import content_save

    latencies = []
    for index in range(edits):
        slug = slugs[index % len(slugs)]
        path = f"/api/v1/articles/{slug}/?fields=title"
        for _ in range(2):
            varnish.get(path)
        if not varnish.get(path).hit:
            raise RuntimeError(f"{path} is not cached at the edge before the edit")
        article = Article.objects.get(slug=slug)
        title = f"Edited {index} {random.random():.6f}"
        article.title = title
        content_save(item=article)  # autocommit: the event is published when this returns
        committed = time.perf_counter()
        deadline = committed + 10
        while title not in varnish.get(path).body.decode():
            if time.perf_counter() > deadline:
                raise RuntimeError(f"edit {index} of {slug} not fresh at the edge after 10 s")
            time.sleep(0.005)
        latencies.append(time.perf_counter() - committed)
    return {
        "edits": edits,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000,
    }


def _editor(slugs: list[str], seconds: float, done: Any) -> None:
    """In a process of its own (the client's event loop would starve a thread of the GIL): one edit a second,
    on the second, through the service the admin uses."""
    from django.db import connections

    from content.models import Article
    from content.services import content_save

    connections.close_all()  # the parent's connection is not this process's to use
    rng = random.Random(3)
    start = time.monotonic()
    count = 0
    while (due := start + count + 1) < start + seconds:
        time.sleep(max(0.0, due - time.monotonic()))
        article = Article.objects.get(slug=rng.choice(slugs))
        article.summary = f"Summary {count}"
        content_save(item=article)
        count += 1
    done.value = count


def mixed_hit_ratio(varnish: Varnish, slugs: list[str], duration: float) -> dict[str, Any]:
    from django.db import connections

    pages = [
        "/api/v1/articles/", LIST_PATH, "/api/v1/articles/?page=2", "/api/v1/programs/", "/api/v1/therapies/",
        "/api/v1/faqs/", "/api/v1/site/", "/api/v1/sitemap/", "/api/v1/menus/",
        *(f"/api/v1/articles/{slug}/" for slug in slugs),
    ]  # fmt: skip
    for path in pages:  # every page once at the edge before the measure
        varnish.get(path, Accept_Encoding=CODING)
    context = multiprocessing.get_context("fork")
    edits = context.Value("i", 0)
    connections.close_all()
    editor = context.Process(target=_editor, args=(slugs, duration, edits))

    counts = {"hit": 0, "miss": 0, "errors": 0}
    misses: dict[str, int] = {}

    async def client(index: int, end: float) -> None:
        connection = Connection(varnish.port)
        rng = random.Random(index)
        try:
            while time.perf_counter() < end:
                path = rng.choice(pages)
                response = await connection.request(path, {"Accept-Encoding": CODING})
                if response.status != 200:
                    counts["errors"] += 1
                elif response.headers.get("x-cache") == "HIT":
                    counts["hit"] += 1
                else:
                    counts["miss"] += 1
                    misses[path] = misses.get(path, 0) + 1
        finally:
            await connection.close()

    async def load() -> None:
        end = time.perf_counter() + duration
        await asyncio.gather(*(client(index, end) for index in range(16)))

    editor.start()
    try:
        asyncio.run(load())
    finally:
        editor.join(timeout=30)
    total = counts["hit"] + counts["miss"]
    worst = dict(sorted(misses.items(), key=lambda item: -item[1])[:8])
    return {**counts, "requests": total, "edits": edits.value, "hit_ratio": counts["hit"] / total if total else 0.0,
            "misses_by_path": worst}  # fmt: skip


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    started = datetime.now()
    load_before = os.getloadavg()
    print(f"bench/edge.py: {DB_NAME}, Redis {REDIS_URL}, {os.cpu_count()} CPUs")
    recreate_database(DB_NAME)
    flush_redis(REDIS_URL)
    work_dir = Path(tempfile.mkdtemp(prefix="corerecovery-bench-edge-"))
    varnish = Varnish(work_dir, origin_port=0)  # its port first: the origin's settings name it
    env = bench_env(
        db_name=DB_NAME, redis_url=REDIS_URL, cache_key_prefix="corerecovery-bench-edge",
        settings_module="bench.settings", THROTTLE_ANON_RATE=NEVER_TRIPS, NUM_PROXIES="1",
        EDGE_BACKEND="varnish", EDGE_VARNISH_URL=varnish.url,
    )  # fmt: skip
    setup_django(env, ALLOWED_HOSTS=f"{HOST},testserver")
    corpus = build_corpus(args.seed)
    print(f"corpus: {len(corpus.slugs)} articles, {corpus.words_per_article:.0f} words each")

    servers: list[Server] = []
    worker = CeleryWorker("edge", env, "prefork", 2, work_dir)
    try:
        with servers_stopped_at_exit(servers):
            origin = Server("origin", env, 2, work_dir)
            servers.append(origin)
            origin.wait_ready()
            varnish.origin_port = origin.port
            varnish.start()
            detail = f"/api/v1/articles/{corpus.slugs[0]}/"
            for path in (LIST_PATH, detail):
                if fetch(origin.port, path).status != 200 or varnish.get(path).status != 200:
                    raise RuntimeError(f"{path} failed")
            print("throughput, 64 clients (ab):")
            result: dict[str, Any] = {
                "throughput": throughput(origin, varnish, detail, duration=args.duration, rounds=args.rounds)
            }
            print("publish-to-fresh:")
            result["publish_to_fresh"] = publish_to_fresh(varnish, corpus.slugs, args.edits)
            print(f"  {result['publish_to_fresh']}")
            print("mixed reads with an edit every second:")
            result["mixed"] = mixed_hit_ratio(varnish, corpus.slugs, args.mixed_duration)
            print(f"  {result['mixed']}")
    finally:
        varnish.stop()
        worker.stop()
    tp = result["throughput"]
    result["ratios"] = {
        "list_edge_vs_origin": tp["list_edge"]["rps"] / tp["list_origin"]["rps"],
        "detail_edge_vs_origin": tp["detail_edge"]["rps"] / tp["detail_origin"]["rps"],
    }
    result["machine"] = machine(load_before=load_before, load_after=os.getloadavg())
    result["args"] = vars(args)
    print("\n| scenario | req/s | p50 ms | p99 ms | failed |\n|---|---:|---:|---:|---:|")
    for name, row in tp.items():
        print(f"| {name} | {row['rps']:,.0f} | {row['p50_ms']:.0f} | {row['p99_ms']:.0f} | {row['failed_total']} |")
    fresh, mixed = result["publish_to_fresh"], result["mixed"]
    print(f"\nthrough the edge vs origin: list {result['ratios']['list_edge_vs_origin']:.1f}x, "
          f"detail {result['ratios']['detail_edge_vs_origin']:.1f}x (target >= 5x)")  # fmt: skip
    print(f"publish-to-fresh over {fresh['edits']} edits: p50 {fresh['p50_ms']:.0f} ms, p95 {fresh['p95_ms']:.0f} ms, "
          f"max {fresh['max_ms']:.0f} ms (target p95 < 1000 ms)")  # fmt: skip
    print(f"hit ratio: {mixed['hit_ratio']:.2%} of {mixed['requests']:,} reads with {mixed['edits']} edits, "
          f"{mixed['errors']} errors (target >= 99%)")  # fmt: skip
    write_results("edge", started, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
