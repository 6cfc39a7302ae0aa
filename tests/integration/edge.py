"""A real Varnish (Debian's `varnishd` with xkey) running the shipped deploy/varnish/default.vcl in front of a
real gunicorn, both on free ports of 127.0.0.1, for tests/integration/test_edge.py and bench/edge.py.

`Origin` is gunicorn with an access log, so a test can count the requests that reached it, and can be stopped
and started again on the same port. `Varnish` renders the VCL with deploy/varnish/configure.sh (as a deploy
step does) and runs `varnishd -F` in a working directory of its own.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.servers import ROOT, free_port

VARNISH_DIR = ROOT / "deploy" / "varnish"
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def hit(self) -> bool:
        return self.header("X-Cache") == "HIT"

    @property
    def age(self) -> int:
        return int(self.header("Age") or 0)


def request(port: int, path: str, *, method: str = "GET", headers: dict[str, str] | None = None,
            body: bytes | None = None, timeout: float = 10.0) -> Reply:  # fmt: skip
    """One request on a new connection (http.client sends the Host given in `headers` as it is)."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        sent = {"Host": f"{LOOPBACK}:{port}", "Accept-Encoding": "identity", **(headers or {})}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in sent.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return Reply(response.status, {name.lower(): value for name, value in response.getheaders()}, response.read())
    finally:
        connection.close()


def _wait_port(port: int, process: subprocess.Popen[bytes], log: Path, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not listen on {port}") from None
            time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Origin:
    """gunicorn serving the project, with an access log of the paths it answered."""

    def __init__(self, env: dict[str, str], directory: Path, *, workers: int = 1) -> None:
        self.env = env
        self.port = free_port()
        self.directory = directory
        self.workers = workers
        self.access_log = directory / f"origin-{self.port}-access.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        log = self.directory / f"origin-{self.port}.log"
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", str(self.workers),
                 "-b", f"{LOOPBACK}:{self.port}", "--access-logfile", str(self.access_log),
                 "--access-logformat", "%(m)s %(U)s %(s)s"],
                cwd=ROOT, env={**os.environ, **self.env}, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        _wait_port(self.port, self.process, log, timeout=60, what="gunicorn")
        deadline = time.monotonic() + 60
        while request(self.port, "/readyz").status != 200:
            if time.monotonic() > deadline:
                raise AssertionError("gunicorn never answered /readyz with 200")
            time.sleep(0.1)

    def stop(self) -> None:
        _stop(self.process)
        self.process = None

    def requests_for(self, path: str) -> int:
        """How many requests for `path` (without its query) the origin answered so far."""
        if not self.access_log.exists():
            return 0
        return sum(1 for line in self.access_log.read_text().splitlines() if line.split(" ")[1:2] == [path])


class Varnish:
    """varnishd in the foreground with the shipped VCL, its backend set to `origin_port`."""

    def __init__(self, directory: Path, *, origin_port: int, purgers: str = "") -> None:
        self.directory = directory / f"varnish-{os.getpid()}-{free_port()}"
        self.directory.mkdir(parents=True)
        self.port = free_port()
        self.admin_port = free_port()
        self.origin_port = origin_port
        self.purgers = purgers
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def vcl(self) -> str:
        """The shipped VCL as deploy/varnish/configure.sh renders it for this origin."""
        env = {**os.environ, "EDGE_ORIGIN_HOST": LOOPBACK, "EDGE_ORIGIN_PORT": str(self.origin_port),
               "EDGE_PURGERS": self.purgers}  # fmt: skip
        return subprocess.run(
            ["sh", str(VARNISH_DIR / "configure.sh")], env=env, check=True, capture_output=True, text=True
        ).stdout

    def start(self) -> None:
        vcl = self.directory / "default.vcl"
        vcl.write_text(self.vcl())
        log = self.directory / "varnishd.log"
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                # -j none: no privilege separation, so the working directory can be the test's own.
                [VARNISHD, "-F", "-j", "none", "-n", str(self.directory / "work"), "-a", f"{LOOPBACK}:{self.port}",
                 "-T", f"{LOOPBACK}:{self.admin_port}", "-f", str(vcl), "-s", "malloc,64m",
                 "-p", "thread_pool_min=10"],
                stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        _wait_port(self.port, self.process, log, timeout=30, what="varnishd")

    def stop(self) -> None:
        _stop(self.process)
        self.process = None

    def get(self, path: str, **headers: Any) -> Reply:
        return request(self.port, path, headers={name.replace("_", "-"): value for name, value in headers.items()})
