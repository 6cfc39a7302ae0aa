"""What the benchmarks share: gunicorn servers and Celery workers started and stopped by the benchmark, their
CPU, an asyncio HTTP/1.1 client for 127.0.0.1, tallies and percentiles, cProfile summaries, and throw-away
PostgreSQL and Redis databases.

Used by bench/content.py, bench/leads.py and bench/speed_to_lead.py; run neither this module nor them under
pytest.
"""

import asyncio
import contextlib
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
VENV_BIN = ROOT / ".venv" / "bin"
RESULTS_DIR = ROOT / "bench" / "results"

REQUEST_TIMEOUT = 30.0
STARTUP_TIMEOUT = 60.0
# What a client sees when a request of the load fails without a response.
REQUEST_ERRORS = (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError)
NEVER_TRIPS = "100000000/minute"


# --------------------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------------------


def bench_env(
    *,
    db_name: str,
    redis_url: str,
    cache_key_prefix: str,
    settings_module: str,
    base: Mapping[str, str] | None = None,
    **variables: str,
) -> dict[str, str]:
    """The environment of a benchmark's servers: `base` (this process's by default) with the benchmark's own
    database, Redis database, cache prefix and settings, DEBUG off, the host, quiet logs, the project root on
    PYTHONPATH, and then `variables`."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db_name}",
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": cache_key_prefix,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DEBUG": "false",
            "ALLOWED_HOSTS": HOST,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(variables)
    return env


def setup_django(env: Mapping[str, str], **overrides: str) -> None:
    """Django in this process, with exactly the servers' environment (`env`, then `overrides`)."""
    wanted = {**env, **overrides}
    for name in set(os.environ) - set(wanted):
        del os.environ[name]
    os.environ.update(wanted)
    import django

    django.setup()


# --------------------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class _Logged:
    """A child process whose output goes to `log_path`."""

    log_path: Path
    log: io.BufferedWriter

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Server(_Logged):
    """One gunicorn master with sync workers, started and stopped by this process only; the code is this
    checkout's, or that of the checkout at `root` (bench/ab.py)."""

    def __init__(
        self, name: str, env: dict[str, str], workers: int, log_dir: Path, threads: int = 1, root: Path = ROOT
    ) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"gunicorn-{name}.log"
        self.log = self.log_path.open("wb")
        command = [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "-w",
            str(workers),
            "-k",
            "sync" if threads == 1 else "gthread",
            "--threads",
            str(threads),
            "-b",
            f"{HOST}:{self.port}",
            "--chdir",
            str(root),
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        self.process = subprocess.Popen(
            command, env=env, cwd=root, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited ({self.process.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                if fetch(self.port, "/healthz", timeout=2.0).status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} not ready after {STARTUP_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        return child_pids(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: gunicorn's graceful shutdown, workers included
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float | None:
    """User plus system CPU of these processes, or None if one has gone."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / _TICKS


# --------------------------------------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    length: int  # of the body, as sent (compressed, when it is)
    body: bytes | None
    head_length: int = 0  # the status line and headers

    @property
    def wire_bytes(self) -> int:
        """What the response took on the wire: head and body."""
        return self.head_length + self.length


class Connection:
    """One HTTP/1.1 client connection to 127.0.0.1, kept alive unless the server closes it.

    The Host header leaves out the port, so both servers render the same absolute `next` links and the
    same bytes.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        path: str,
        headers: dict[str, str] | None = None,
        *,
        keep_body: bool = False,
        method: str = "GET",
        body: bytes | None = None,
    ) -> Response:
        """One request; `body` is sent with its Content-Length, as JSON unless `headers` has a Content-Type."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Accept: application/json"]
        if body is not None:
            # JSON unless the caller says otherwise (a page's form posts application/x-www-form-urlencoded).
            if not any(name.lower() == "content-type" for name in headers or {}):
                lines.append("Content-Type: application/json")
            lines.append(f"Content-Length: {len(body)}")
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        reused = self.writer is not None
        try:
            return await self._exchange(raw, keep_body)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            # A write may have been done before the connection broke: only a read is retried.
            if not reused or method not in ("GET", "HEAD"):
                raise
            # The server closed an idle kept-alive connection: retry once on a new one.
            return await self._exchange(raw, keep_body)

    async def _exchange(self, raw: bytes, keep_body: bool) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=1 << 20)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        chunks: list[bytes] | None = [] if keep_body else None
        length = await self._read_body(status, headers, chunks)
        if headers.get("connection", "").lower() == "close" or ("content-length" not in headers and status != 304):
            await self.close()
        return Response(status, headers, length, b"".join(chunks) if chunks is not None else None, len(head))

    async def _read_body(self, status: int, headers: dict[str, str], chunks: list[bytes] | None) -> int:
        assert self.reader is not None
        if status in (204, 304) or 100 <= status < 200:
            return 0
        if "content-length" in headers:
            remaining = int(headers["content-length"])
            total = remaining
            while remaining:
                chunk = await self.reader.read(min(remaining, 1 << 20))
                if not chunk:
                    raise asyncio.IncompleteReadError(b"", remaining)
                if chunks is not None:
                    chunks.append(chunk)
                remaining -= len(chunk)
            return total
        if headers.get("transfer-encoding", "").lower() == "chunked":
            total = 0
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    return total
                chunk = await self.reader.readexactly(size + 2)
                if chunks is not None:
                    chunks.append(chunk[:-2])
                total += size
        body = await self.reader.read()  # until the server closes
        if chunks is not None:
            chunks.append(body)
        return len(body)

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def fetch(
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = REQUEST_TIMEOUT,
    method: str = "GET",
    body: bytes | None = None,
) -> Response:
    async def once() -> Response:
        connection = Connection(port)
        try:
            request = connection.request(path, headers, keep_body=True, method=method, body=body)
            return await asyncio.wait_for(request, timeout)
        finally:
            await connection.close()

    return asyncio.run(once())


# --------------------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    measure_from: float  # perf_counter: requests started from here on are measured
    end: float  # no request starts after this


async def run_clients(
    port: int,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    step: Callable[[Connection, int, int, Window], Awaitable[None]],
) -> None:
    """`concurrency` clients, each on its own connection, call `step(connection, client, turn, window)` (turn
    0, 1, ... of that client) until warmup + duration seconds have passed; the last finish within
    REQUEST_TIMEOUT."""
    start = time.perf_counter()
    window = Window(start + warmup, start + warmup + duration)

    async def client(index: int) -> None:
        connection = Connection(port)
        turn = 0
        try:
            while time.perf_counter() < window.end:
                await step(connection, index, turn, window)
                turn += 1
        finally:
            await connection.close()

    tasks = [asyncio.create_task(client(index)) for index in range(concurrency)]
    await asyncio.wait_for(asyncio.gather(*tasks), warmup + duration + REQUEST_TIMEOUT + 5)


def cpu_during(
    load: Awaitable[None], warmup: float, duration: float, pid_groups: list[list[int]]
) -> tuple[list[float | None], float]:
    """Run `load` (warmup, then duration seconds) and sample CPU at the edges of the measured window, not of
    the warm-up: what each group of processes used (None if one has gone) and what this process used."""

    async def sliced() -> tuple[list[float | None], float]:
        task = asyncio.ensure_future(load)
        await asyncio.sleep(warmup)
        before, client_before = [cpu_seconds(pids) for pids in pid_groups], time.process_time()
        await asyncio.sleep(duration)
        after, client_after = [cpu_seconds(pids) for pids in pid_groups], time.process_time()
        await task
        used = [
            None if first is None or last is None else last - first for first, last in zip(before, after, strict=True)
        ]
        return used, client_after - client_before

    return asyncio.run(sliced())


# --------------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, requests started after the warm-up
    completed: int = 0  # successful requests completed inside the measured window
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bytes_min: int | None = None
    bytes_max: int | None = None
    measured_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    server_cpu_seconds: float | None = 0.0

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(message)

    def add_window(self, seconds: float, server_cpu: float | None, client_cpu: float) -> None:
        """One measured window: its length, the servers' CPU in it (None: unknown), this process's CPU."""
        self.measured_seconds += seconds
        self.client_cpu_seconds += client_cpu
        if server_cpu is None or self.server_cpu_seconds is None:
            self.server_cpu_seconds = None
        else:
            self.server_cpu_seconds += server_cpu

    def figures(self, *, with_max: bool = False) -> dict[str, Any]:
        """Throughput, latency (ms), errors, statuses, sizes and CPU per request, as the results hold them."""
        seconds = self.measured_seconds or float("nan")
        served = self.completed
        latency = {
            "p50": percentile(self.latencies, 0.50) * 1000,
            "p90": percentile(self.latencies, 0.90) * 1000,
            "p99": percentile(self.latencies, 0.99) * 1000,
        }
        if with_max:
            latency["max"] = max(self.latencies) * 1000 if self.latencies else float("nan")
        latency["mean"] = statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")
        return {
            "requests": served,
            "seconds": self.measured_seconds,
            "requests_per_second": served / seconds,
            "latency_ms": latency,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "response_bytes": {"min": self.bytes_min, "max": self.bytes_max},
            "server_cpu_ms_per_request": (
                self.server_cpu_seconds * 1000 / served if self.server_cpu_seconds is not None and served else None
            ),
            "client_cpu_percent": 100 * self.client_cpu_seconds / seconds,
        }


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def top_stats(profiler: cProfile.Profile, sort: str, limit: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    text = out.getvalue()
    return text[text.find("   ncalls") :] if "   ncalls" in text else text


class GCClock:
    """Time spent in the garbage collector while installed (`with clock:`), in `seconds`."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> "GCClock":
        self.seconds = 0.0
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


def profile_gc_off(work: Callable[[], None]) -> cProfile.Profile:
    """cProfile of `work` with the garbage collector off, so that a collection is not charged to whichever
    function happened to allocate."""
    profiler = cProfile.Profile()
    gc.disable()
    try:
        profiler.enable()
        work()
        profiler.disable()
    finally:
        gc.enable()
    return profiler


# --------------------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    cell: Callable[[dict[str, Any]], str]


def format_table(columns: list[Column], rows: list[dict[str, Any]]) -> str:
    """A header, a rule and a line a row: the first column left-aligned, the others right-aligned."""

    def line(cells: list[str]) -> str:
        first, *others = cells
        return " ".join(
            [
                f"{first:<{columns[0].width}}",
                *(f"{cell:>{c.width}}" for cell, c in zip(others, columns[1:], strict=True)),
            ]
        )

    header = line([column.title for column in columns])
    return "\n".join([header, "-" * len(header), *(line([c.cell(row) for c in columns]) for row in rows)])


def ms(value: float | None) -> str:
    """Milliseconds with two decimals, or n/a."""
    return f"{value:.2f}" if value is not None else "n/a"


def machine(
    load_before: tuple[float, ...] | None = None, load_after: tuple[float, ...] | None = None
) -> dict[str, Any]:
    """The machine of the results: CPUs, Python and, when given, the load average around the measurements."""
    info: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    if load_before is not None:
        info.update({"load_average_before": load_before, "load_average_after": load_after})
    return info


def write_results(
    name: str, started: datetime, result: dict[str, Any], default: Callable[[Any], Any] | None = None
) -> Path:
    """bench/results/<name>-<started>.json, indented; prints and returns its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    output = RESULTS_DIR / f"{name}-{started:%Y%m%d-%H%M%S}.json"
    output.write_text(json.dumps(result, indent=2, default=default) + "\n")
    print(f"\nresults: {output.relative_to(ROOT)}")
    return output


def raise_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def servers_stopped_at_exit(servers: list[Server]) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.stop()


# --------------------------------------------------------------------------------------------------------
# Databases, Redis and Celery workers
# --------------------------------------------------------------------------------------------------------

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def pg_backend_pids(name: str) -> list[int]:
    """The PostgreSQL backends connected to a database (the gunicorn workers' connections)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'", [name]
        ).fetchall()
    return sorted(int(row[0]) for row in rows)


def recreate_database(name: str) -> None:
    """Drop (closing its connections) and create a throw-away PostgreSQL database on 127.0.0.1."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    """Empty the benchmark's own Redis database (the index in `url`; never 0 or 15, which others share)."""
    import redis

    if url.rstrip("/").rsplit("/", 1)[-1] in ("", "0", "15"):
        raise ValueError(f"refusing to flush a shared Redis database: {url}")
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.flushdb()
    finally:
        client.close()


def child_pids(pid: int) -> list[int]:
    """The direct children of a process."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return sorted(int(child) for child in children)
    except OSError:
        return sorted(
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and _parent_pid(int(entry.name)) == pid
        )


class CeleryWorker(_Logged):
    """One `celery -A config worker` (its pool's children included), started and stopped by this process only."""

    def __init__(
        self, name: str, env: dict[str, str], pool: str, concurrency: int, log_dir: Path, log_level: str = "WARNING"
    ) -> None:
        self.name = name
        self.node = f"{name}-{os.getpid()}@%h"
        self.log_path = log_dir / f"celery-{name}.log"
        self.log = self.log_path.open("wb")
        command = [
            str(VENV_BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-P",
            pool,
            "-c",
            str(concurrency),
            "-n",
            self.node,
            "-l",
            log_level,
        ]
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def pids(self) -> list[int]:
        """The main process first, then its pool's children (none with the solo pool)."""
        return [self.process.pid, *child_pids(self.process.pid)]

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (Celery's warm shutdown: running tasks finish), then SIGKILL of its process group."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the pool's children too
                self.process.wait(timeout=10)
        self.log.close()
