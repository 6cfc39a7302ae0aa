"""The front door: Debian's nginx with the shipped configuration (deploy/nginx) in front of a live gunicorn.

Slow clients are nginx's to hold: 200 connections dribbling their headers or their bodies, from 200 addresses,
leave /healthz and contact requests from another client answered at once, while gunicorn never sees them.
nginx's own errors are problem+json like the app's, and it passes the app's compressed bodies through as they
are and compresses nothing else. Every connection goes to 127.0.0.1; each test starts its own processes.
"""

import http.client
import json
import math
import os
import re
import select
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest

from leads.models import Lead
from tests.factories import ArticleFactory, ProgramFactory, paragraph
from tests.leads.conftest import lead_body
from tests.servers import NGINX_DIR, free_port, gunicorn, nginx, nginx_binary

PROBLEM = "application/problem+json"
PROBES = 50
DRIBBLERS = 200  # half dribble their headers, half their bodies
P95_LIMIT = 0.200  # seconds
# The probing client's address; the dribblers each have their own in 127.0.1.0/24 (all loopback on Linux).
PROBE_ADDRESS = "127.0.0.2"


def _app_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # nginx appends the address it got the request from: the one proxy in front, as in compose.
        "NUM_PROXIES": "1",
        # The probes send 50 contact requests from one address; the throttle is not under test here.
        "THROTTLE_LEADS_RATE": "100000/hour",
        "THROTTLE_ANON_RATE": "100000/minute",
    }


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def _request(
    url: str, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes, float]:
    """One request on a new connection from PROBE_ADDRESS: status, headers (lower-case names), body, seconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", _port(url), timeout=10, source_address=(PROBE_ADDRESS, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    answered = {name.lower(): value for name, value in response.getheaders()}
    return response.status, answered, content, time.perf_counter() - started


def _p95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


class Dribblers:
    """Connections that send a request a byte at a time, one byte each per `interval`, from a thread."""

    def __init__(self, port: int, count: int, *, interval: float = 1.0) -> None:
        self.sockets: list[socket.socket] = []
        self.kinds: list[str] = []
        self.closed_by_peer: set[int] = set()
        self._stop = threading.Event()
        self.interval = interval
        for number in range(count):
            sock = socket.socket()
            sock.bind((f"127.0.1.{number % 250 + 1}", 0))
            sock.settimeout(5)
            sock.connect(("127.0.0.1", port))
            if number % 2:
                # The headers of a contact request, whole, then the first byte of a 1,000-byte body.
                sock.sendall(
                    b"POST /api/v1/leads/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n{"
                )
                self.kinds.append("body")
            else:
                # The start of the headers, never finished.
                sock.sendall(b"POST /api/v1/leads/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Dripping: ")
                self.kinds.append("header")
            sock.setblocking(False)
            self.sockets.append(sock)
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        while not self._stop.wait(self.interval):
            for index, sock in enumerate(self.sockets):
                if index in self.closed_by_peer:
                    continue
                try:
                    sock.send(b" ")
                except OSError:
                    self.closed_by_peer.add(index)

    def still_open(self, kind: str) -> int:
        """How many connections of `kind` the server still holds open (it neither answered nor closed)."""
        held = 0
        for index, sock in enumerate(self.sockets):
            if self.kinds[index] != kind or index in self.closed_by_peer:
                continue
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                held += 1
        return held

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


@contextmanager
def dribbling(port: int, count: int) -> Iterator[Dribblers]:
    dribblers = Dribblers(port, count)
    try:
        yield dribblers
    finally:
        dribblers.close()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_hundred_slow_clients_leave_health_and_contact_requests_answered_at_once(database_url, settings):
    ProgramFactory(slug="iop")
    # config/gunicorn.py with 2 workers: what compose shipped before nginx, which 4 slow clients stopped.
    env = {**_app_env(database_url, settings.REDIS_URL), "GUNICORN_WORKERS": "2"}
    contact = json.dumps(lead_body()).encode()
    json_headers = {"Content-Type": "application/json"}

    with gunicorn(env, shipped=True) as app_url, nginx(urlsplit(app_url).netloc) as front:
        _request(front.url, "GET", "/healthz")  # nginx and gunicorn both up
        with dribbling(_port(front.url), DRIBBLERS) as dribblers:
            time.sleep(1.5)  # every dribbler connected and sending
            health, contacts = [], []
            for _ in range(PROBES):
                status, _, _, seconds = _request(front.url, "GET", "/healthz")
                assert status == 200
                health.append(seconds)
                status, _, body, seconds = _request(
                    front.url, "POST", "/api/v1/leads/", body=contact, headers=json_headers
                )
                assert status == 201, body[:300]
                contacts.append(seconds)
            body_dribblers_held = dribblers.still_open("body")

    # nginx still held every dribbled body at the end: it was buffering, not timeouts, that kept the API free.
    assert body_dribblers_held == DRIBBLERS // 2
    # Only the probes' contact requests reached the app: no dribbled request did, not even in part.
    assert Lead.objects.count() == PROBES
    print(f"\nfront door under {DRIBBLERS} slow clients: p95 /healthz {_p95(health) * 1000:.1f} ms, contact "
          f"request {_p95(contacts) * 1000:.1f} ms")  # fmt: skip
    assert _p95(health) < P95_LIMIT, sorted(health)
    assert _p95(contacts) < P95_LIMIT, sorted(contacts)


def _assert_problem(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict:
    assert status == expected, body[:300]
    assert headers["content-type"] == PROBLEM, headers
    problem = json.loads(body)
    assert problem["status"] == expected
    assert problem["title"] == HTTPStatus(expected).phrase
    assert {"type", "title", "status", "detail", "code"} <= set(problem)
    return problem


def _raw(port: int, data: bytes, *, source: str = PROBE_ADDRESS) -> tuple[int, dict[str, str], bytes]:
    """Send `data` as it is and parse the one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as sock:
        sock.sendall(data)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
            head, _, rest = received.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            if length and len(rest) >= int(length[1]):
                break
    head, _, rest = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, rest


@pytest.mark.integration
def test_nginx_answers_its_own_errors_as_problems():
    dead_upstream = f"127.0.0.1:{free_port()}"  # nothing listens there
    static = {"admin/css/base.0123456789ab.css": b"body { margin: 0 }\n"}

    with nginx(dead_upstream, static=static) as front:
        port = _port(front.url)
        _assert_problem(*_request(front.url, "GET", "/api/v1/articles/")[:3], 502)
        problem = _assert_problem(*_request(front.url, "GET", "/readyz")[:3], 502)
        assert "988" in problem["detail"]
        too_large = _request(
            front.url, "POST", "/api/v1/leads/", body=b"x" * 70_000, headers={"Content-Type": "application/json"}
        )
        assert _assert_problem(*too_large[:3], 413)["code"] == "payload_too_large"
        _assert_problem(*_raw(port, b"NOT HTTP AT ALL\r\n\r\n"), 400)
        huge_header = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
        _assert_problem(*_raw(port, huge_header), 400)
        _assert_problem(*_raw(port, b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 414)
        _assert_problem(*_request(front.url, "GET", "/static/admin/css/missing.css")[:3], 404)
        # Static files are nginx's: served with no upstream at all, hashed names cached for good.
        status, headers, body, _ = _request(front.url, "GET", "/static/admin/css/base.0123456789ab.css")
        assert (status, body) == (200, static["admin/css/base.0123456789ab.css"])
        assert headers["cache-control"] == "public, max-age=31536000, immutable"

        # Requests in progress from one address are limited: the 33rd while 32 are still sending their bodies.
        with dribbling_from("127.0.0.3", port, 32):
            time.sleep(0.5)
            status, headers, body = _raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", source="127.0.0.3")
            problem = _assert_problem(status, headers, body, 429)
        assert problem["code"] == "throttled"
        assert headers["retry-after"] == "1"


@contextmanager
def dribbling_from(address: str, port: int, count: int) -> Iterator[list[socket.socket]]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(address, 0))
            sock.sendall(b"POST /api/v1/leads/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def test_every_error_nginx_answers_itself_is_a_problem_like_the_apps():
    template = (NGINX_DIR / "templates" / "default.conf.template").read_text()
    pages = dict(re.findall(r"error_page ([\d ]+) (/_problem/\d+);", template))
    found = re.findall(r"location = (/_problem/\d+) \{\s*internal;.*?return (\d+) '(.*?)\\n';", template, re.DOTALL)
    bodies = {uri: (int(status), body) for uri, status, body in found}

    for statuses, location in pages.items():
        status, body = bodies[location]
        problem = json.loads(body)
        assert set(problem) == {"type", "title", "status", "detail", "code"}
        assert problem["status"] == status == int(statuses.split()[0])
        assert problem["title"] == HTTPStatus(status).phrase
    assert pages, "no error_page"
    assert {413, 429, 502, 503, 504} <= {status for status, _ in bodies.values()}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_through_tls_and_http2_the_apps_codings_pass_untouched_and_nothing_else_is_compressed(
    database_url, settings, tmp_path
):
    ProgramFactory(slug="iop")
    ArticleFactory(slug="long", body=[paragraph("Recovery takes practice and support. " * 20)] * 10)
    certificates = tmp_path / "certificates"
    # As compose's `certificates` service runs it.
    script = NGINX_DIR / "self_signed_certificate.py"
    subprocess.run([sys.executable, str(script), str(certificates)], check=True, capture_output=True)
    codings = {"Accept-Encoding": "gzip, deflate, br"}

    with gunicorn(_app_env(database_url, settings.REDIS_URL)) as app_url:
        direct = _request(app_url, "GET", "/api/v1/articles/?fields=slug,body", headers=codings)
        with nginx(urlsplit(app_url).netloc, tls=certificates) as front:
            content = _request(front.url, "GET", "/api/v1/articles/?fields=slug,body", headers=codings)
            lead = _request(
                front.url,
                "POST",
                "/api/v1/leads/",
                body=json.dumps(lead_body()).encode(),
                headers={"Content-Type": "application/json", **codings},
            )
            problem = _request(front.url, "GET", "/api/v1/articles/nope/", headers=codings)
            context = ssl.create_default_context(cafile=str(certificates / "certificate.pem"))
            context.set_alpn_protocols(["h2", "http/1.1"])
            assert front.tls_port is not None
            with (
                socket.create_connection(("127.0.0.1", front.tls_port), timeout=5) as raw,
                context.wrap_socket(raw, server_hostname="localhost") as tls,
            ):
                negotiated = (tls.selected_alpn_protocol(), tls.version())
            context.set_alpn_protocols(["http/1.1"])
            secure = http.client.HTTPSConnection("localhost", front.tls_port, context=context, timeout=5)
            secure.request("GET", "/healthz")
            secure_status = secure.getresponse().status
            secure.close()

    status, headers, body, _ = content
    assert status == 200
    assert headers["content-encoding"] == "br"  # the app's, as stored
    assert brotli.decompress(body) == brotli.decompress(direct[2])
    assert headers["etag"] == direct[1]["etag"]  # still strong: nginx did not touch the body
    assert not headers["etag"].startswith("W/")
    assert "accept-encoding" in headers["vary"].lower()
    for status, headers, _body, _ in (lead, problem):
        assert "content-encoding" not in headers, (status, headers)
    assert (lead[0], problem[0]) == (201, 404)
    assert negotiated[0] == "h2"
    assert negotiated[1] in {"TLSv1.2", "TLSv1.3"}
    assert secure_status == 200


def test_the_tls_file_is_kept_apart_so_the_plain_template_needs_no_certificate():
    plain = (NGINX_DIR / "templates" / "default.conf.template").read_text()
    tls = (NGINX_DIR / "tls" / "tls.conf.template").read_text()

    assert "ssl_certificate" not in plain
    assert "include conf.d/tls/*.conf;" in plain
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in tls


def test_nginx_is_found_in_sbin_when_the_path_lacks_it(monkeypatch):
    # Debian installs it in /usr/sbin, which the PATH of a user other than root often leaves out.
    monkeypatch.setenv("PATH", "/nonexistent")

    binary = nginx_binary()

    assert Path(binary).is_file()
    assert os.access(binary, os.X_OK)
