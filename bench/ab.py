"""Two checkouts' servers on the same data, loaded alternately in short slices: what one change costs per request.

    .venv/bin/python bench/ab.py --baseline /tmp/corerecovery-base [--slices 20] [--slice 1.0]
    .venv/bin/python bench/ab.py --off [--slices 20]   # this checkout with the instrumentation off as "base"

`--baseline` is another checkout of this repository (`git worktree add /tmp/corerecovery-base <commit>`, with
`.venv` linked to this one's), at a commit whose database schema is this one's. What it does:

1. Drops and recreates the database `corerecovery_bench_ab` (BENCH_DB_NAME) and writes bench/content.py's
   corpus (60 articles of about 1,600 words, hero images, programs) with this checkout's code.
2. Starts two gunicorn servers (sync workers, `-w 2`, content cache on, NUM_PROXIES=1): "base" runs the
   baseline checkout's code, "this" this checkout's, on the same database and Redis database (BENCH_REDIS_URL,
   flushed) under different cache prefixes; each renders its own warm pages once before the measure.
3. For each slice and each scenario (warm article detail, warm list, list revalidated with its ETag: 304),
   loads one server then the other (the order alternating from slice to slice) with the same clients for the
   same time, each request with its own X-Forwarded-For address, and counts the gunicorn workers' CPU.
   Whatever else the machine does falls on both alike, slice by slice, which the separate runs of
   bench/content.py cannot promise on a shared machine.
4. Prints, per scenario, each server's CPU per request over all slices, their ratio, and the median and
   quartiles of the slice-by-slice ratios.

It measures the whole server, as bench/content.py does. For issue 18, `--off` makes "base" this checkout with
the instrumentation off (bench/settings_uninstrumented.py: no metrics middleware, every metric call a no-op), so
the ratio is what the instrumentation costs on the cheapest reads; a baseline of the commit before `ops/`
(9305429) adds whatever else changed since.
"""

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    NEVER_TRIPS,
    Server,
    Tally,
    bench_env,
    fetch,
    flush_redis,
    raise_on_sigterm,
    recreate_database,
    servers_stopped_at_exit,
    setup_django,
)

DB_NAME = os.environ.get("BENCH_DB_NAME", "corerecovery_bench_ab")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def server_env(name: str, root: Path, settings_module: str = "config.settings.base") -> dict[str, str]:
    return bench_env(
        db_name=DB_NAME, redis_url=REDIS_URL, cache_key_prefix=f"corerecovery-bench-ab-{name}",
        settings_module=settings_module, THROTTLE_ANON_RATE=NEVER_TRIPS, NUM_PROXIES="1",
        CONTENT_CACHE_ENABLED="true", PYTHONPATH=str(root),
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    base = parser.add_mutually_exclusive_group(required=True)
    base.add_argument("--baseline", type=Path, help="the other checkout (its code is 'base')")
    base.add_argument("--off", action="store_true", help="'base' is this checkout with the instrumentation off")
    parser.add_argument("--slices", type=int, default=20, help="slices per scenario and server (default 20)")
    parser.add_argument("--slice", type=float, default=1.0, help="measured seconds per slice (default 1.0)")
    parser.add_argument("--warmup", type=float, default=0.3, help="unmeasured seconds before each slice")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    args = parser.parse_args()
    from bench.common import ROOT

    baseline = ROOT if args.off else args.baseline.resolve()
    if not (baseline / "manage.py").is_file():
        parser.error(f"{baseline} is not a checkout of this repository")
    base_settings = "bench.settings_uninstrumented" if args.off else "config.settings.base"
    signal.signal(signal.SIGTERM, raise_on_sigterm)

    cpus = os.cpu_count()
    print(f"bench/ab.py: base {baseline} ({base_settings}), this {ROOT}; {DB_NAME}, Redis {REDIS_URL}, {cpus} CPUs")
    recreate_database(DB_NAME)
    setup_django(server_env("this", ROOT), ALLOWED_HOSTS="127.0.0.1,testserver")
    from bench.content import LIST_PATH, AddressPool, Scenario, build_corpus, measure

    corpus = build_corpus(20240601)
    flush_redis(REDIS_URL)

    work_dir = Path(tempfile.mkdtemp(prefix="corerecovery-bench-ab-"))
    servers: list[Server] = []
    with servers_stopped_at_exit(servers):
        for name, root, settings_module in (("base", baseline, base_settings), ("this", ROOT, "config.settings.base")):
            servers.append(Server(name, server_env(name, root, settings_module), args.workers, work_dir, root=root))
        etags = {}
        for server in servers:
            server.wait_ready()
            page = fetch(server.port, LIST_PATH)  # renders and stores it: warm from here on
            if page.status != 200 or not page.headers.get("etag"):
                raise RuntimeError(f"the {server.name} server's list: {page.status}")
            etags[server.name] = page.headers["etag"]
            for slug in corpus.slugs:
                if fetch(server.port, f"/api/v1/articles/{slug}/").status != 200:
                    raise RuntimeError(f"the {server.name} server's detail of {slug} failed")
            if fetch(server.port, LIST_PATH, {"If-None-Match": etags[server.name]}).status != 304:
                raise RuntimeError(f"the {server.name} server's list did not revalidate with its ETag")

        ok = frozenset({200})
        details = [f"/api/v1/articles/{slug}/" for slug in corpus.slugs]

        def scenarios(server: Server) -> list[Scenario]:
            return [
                Scenario("detail_warm", "detail, warm", "warm", details, ok),
                Scenario("list_warm", "list, warm", "warm", [LIST_PATH], ok),
                Scenario(
                    "revalidate_304", "list If-None-Match (304)", "warm", [LIST_PATH], frozenset({304}),
                    {"If-None-Match": etags[server.name]},
                ),
            ]  # fmt: skip

        keys = [scenario.key for scenario in scenarios(servers[0])]
        labels = {scenario.key: scenario.label for scenario in scenarios(servers[0])}
        totals = {(key, server.name): Tally() for key in keys for server in servers}
        per_slice: dict[str, list[float]] = {key: [] for key in keys}
        pool = AddressPool("unique")
        load_before = os.getloadavg()
        for number in range(args.slices):
            print(f"  slice {number + 1}/{args.slices}", flush=True)
            for index, key in enumerate(keys):
                order = servers if (number + index) % 2 == 0 else servers[::-1]
                spent = {}
                for server in order:
                    scenario = next(s for s in scenarios(server) if s.key == key)
                    tally = Tally()
                    measure(
                        scenario, server, concurrency=args.concurrency, warmup=args.warmup, duration=args.slice,
                        pool=pool, tally=tally,
                    )  # fmt: skip
                    if tally.errors or tally.server_cpu_seconds is None or not tally.completed:
                        raise RuntimeError(f"{server.name} {key}: {tally.errors} errors {tally.error_samples}")
                    total = totals[(key, server.name)]
                    total.completed += tally.completed
                    total.add_window(tally.measured_seconds, tally.server_cpu_seconds, tally.client_cpu_seconds)
                    spent[server.name] = tally.server_cpu_seconds / tally.completed
                per_slice[key].append(spent["this"] / spent["base"])
        load_after = os.getloadavg()
    shutil.rmtree(work_dir)

    print(f"\nload average {load_before[0]:.2f} before, {load_after[0]:.2f} after; {args.slices} slices of "
          f"{args.slice:.1f} s per scenario and server, {args.concurrency} clients")  # fmt: skip
    print(f"{'scenario':<28} {'base ms/req':>12} {'this ms/req':>12} {'this/base':>10} {'slices: median':>15} "
          f"{'quartiles':>13}")  # fmt: skip
    for key in keys:
        cpu = {
            name: (totals[(key, name)].server_cpu_seconds or 0.0) * 1000 / totals[(key, name)].completed
            for name in ("base", "this")
        }
        quartiles = statistics.quantiles(per_slice[key], n=4)
        print(
            f"{labels[key]:<28} {cpu['base']:>12.3f} {cpu['this']:>12.3f} {cpu['this'] / cpu['base']:>10.3f} "
            f"{statistics.median(per_slice[key]):>15.3f} {quartiles[0]:>6.3f}-{quartiles[2]:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
