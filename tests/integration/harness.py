"""Real processes and fake providers for the integration and reliability tests, all on 127.0.0.1.

- `FakeTwilio`: Twilio's Messages endpoint (`POST /2010-04-01/Accounts/<sid>/Messages.json`) in a thread,
  recording every form body and answering like Twilio (201 with a message resource, or Twilio's error JSON);
  it can fail, refuse a number or hold a request until the test releases it.
- `SMTPSink`: a real SMTP server (aiosmtpd) that keeps every message it accepts.
- `Launcher`: starts gunicorn, Celery workers and private `redis-server`s, and stops every one of them when
  the test ends, passed or failed.
- `Probe`: a Celery client on the test's broker, to ping workers, send the sweep by name and tell when the
  queue has drained.

Nothing here prints message contents: the data are synthetic, and messages to staff carry none anyway.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from contextlib import ExitStack
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis
from aiosmtpd.controller import Controller
from celery import Celery

from tests.servers import ROOT, free_port

LOOPBACK = "127.0.0.1"
# A Redis database of the shared server for these tests only; flushed before and after each test. Another
# checkout running its suite at the same time on this machine sets INTEGRATION_REDIS_URL to a database of its own.
SHARED_REDIS_DB_URL = os.environ.get("INTEGRATION_REDIS_URL", "redis://127.0.0.1:6379/12")
QUEUE = "celery"
TWILIO_STATUS_PATH = "/api/v1/webhooks/twilio/status/"
LEADS_PATH = "/api/v1/leads/"
# Requests from this process go straight to 127.0.0.1, whatever proxy the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def wait_for(predicate: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll until `predicate()` is truthy (and return it); fail after `timeout` seconds saying `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- HTTP from the test -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HTTPReply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_post(url: str, data: bytes, headers: dict[str, str], *, timeout: float = 15.0) -> HTTPReply:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            return HTTPReply(response.status, response.read())
    except urllib.error.HTTPError as error:
        return HTTPReply(error.code, error.read())


def post_json(url: str, body: dict[str, Any]) -> HTTPReply:
    return http_post(url, json.dumps(body).encode(), {"Content-Type": "application/json"})


def post_form(url: str, form: dict[str, str], headers: dict[str, str] | None = None) -> HTTPReply:
    data = urllib.parse.urlencode(form).encode()
    return http_post(url, data, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


# --- Fake Twilio ----------------------------------------------------------------------------------------


@dataclass
class TwilioCall:
    """One request the fake received: the path, the form fields, and what it answered (or will)."""

    path: str
    form: dict[str, str]
    authorized: bool
    status: int = 0
    sid: str = ""  # the message sid, when the request was accepted (201)

    @property
    def to(self) -> str:
        return self.form.get("To", "")

    @property
    def body(self) -> str:
        return self.form.get("Body", "")


@dataclass
class _Plan:
    status: int = 201
    code: int = 0
    message: str = ""
    hold: threading.Event | None = None


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's (legacy, non RFC 9457) error body, which the SDK turns into a TwilioRestException."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that died mid-request (the killed worker) is expected here


class FakeTwilio:
    """Twilio's Programmable Messaging API, as far as `client.messages.create` uses it."""

    def __init__(self, *, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.calls: list[TwilioCall] = []
        # `To` numbers Twilio refuses at once: 400 with code 21211 ("Invalid 'To' Phone Number").
        self.invalid_numbers: set[str] = set()
        self._plans: deque[_Plan] = deque()
        self._holds: list[threading.Event] = []
        self._lock = threading.Condition()
        self._server = _QuietServer((LOOPBACK, 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def messages_path(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        for hold in self._holds:
            hold.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # What the next requests get (in order); then 201.
    def fail_next(
        self, count: int, *, status: int = 503, code: int = 20503, message: str = "Service Unavailable"
    ) -> None:
        with self._lock:
            self._plans.extend(_Plan(status, code, message) for _ in range(count))

    def hold_next(self) -> threading.Event:
        """The next request is recorded (Twilio has it) but answered only when the returned event is set."""
        release = threading.Event()
        with self._lock:
            self._plans.append(_Plan(hold=release))
            self._holds.append(release)
        return release

    def accepted(self) -> list[TwilioCall]:
        with self._lock:
            return [call for call in self.calls if call.status == 201]

    def calls_to(self, number: str) -> list[TwilioCall]:
        with self._lock:
            return [call for call in self.calls if call.to == number]

    def snapshot(self) -> list[TwilioCall]:
        with self._lock:
            return list(self.calls)

    def wait_for_calls(self, count: int, *, timeout: float) -> list[TwilioCall]:
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.calls) >= count, timeout=timeout):
                raise AssertionError(f"the fake Twilio got {len(self.calls)} requests, expected {count}")
            return list(self.calls)

    def _answer(self, path: str, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any], _Plan]:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        call = TwilioCall(path=path, form=form, authorized=secrets.compare_digest(authorization, expected))
        plan = _Plan()
        with self._lock:
            self.calls.append(call)
            if path != self.messages_path:
                call.status = 404
                answer = twilio_error(404, 20404, "The requested resource was not found")
            elif not call.authorized:
                call.status = 401
                answer = twilio_error(401, 20003, "Authentication Error - invalid username")
            elif call.to in self.invalid_numbers:
                call.status = 400
                answer = twilio_error(400, 21211, "The 'To' number is not a valid phone number.")
            else:
                plan = self._plans.popleft() if self._plans else _Plan()
                call.status = plan.status
                if plan.status == 201:
                    call.sid = "SM" + secrets.token_hex(16)
                    answer = self._message_resource(call)
                else:
                    answer = twilio_error(plan.status, plan.code, plan.message)
            self._lock.notify_all()
        return call.status, answer, plan

    def _message_resource(self, call: TwilioCall) -> dict[str, Any]:
        now = formatdate(usegmt=True)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{call.sid}"
        return {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": call.body,
            "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": call.form.get("From"), "messaging_service_sid": None,
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD", "sid": call.sid,
            "status": "queued", "subresource_uris": {"media": f"{uri}/Media.json"}, "to": call.to,
            "uri": f"{uri}.json",
        }  # fmt: skip

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                path = urllib.parse.urlsplit(self.path).path
                status, answer, plan = fake._answer(path, form, self.headers.get("Authorization", ""))
                if plan.hold is not None:
                    plan.hold.wait(timeout=30)  # bounded: teardown sets it anyway
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # form bodies stay out of the test output

        return Handler


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token).compute_signature(url, params)


# --- SMTP -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def texts(self) -> list[str]:
        """The subject and every decoded text part (plain and HTML)."""
        parts = [self.subject]
        for part in self.message.walk():
            if part.get_content_maintype() == "text":
                parts.append(part.get_content())
        return parts


class _Collector:
    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


_SMTP_LOG = logging.getLogger("mail.log")


class SMTPSink:
    """A real SMTP server on a free loopback port (aiosmtpd's Controller runs it in a thread)."""

    def __init__(self) -> None:
        self._collector = _Collector()
        self.port = free_port()
        self._controller = Controller(self._collector, hostname=LOOPBACK, port=self.port)
        self._log_level = logging.NOTSET

    def start(self) -> None:
        # aiosmtpd logs each SMTP command (addresses included) at INFO: kept out of the test output.
        self._log_level = _SMTP_LOG.level
        _SMTP_LOG.setLevel(logging.WARNING)
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
        _SMTP_LOG.setLevel(self._log_level)

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._collector.lock:
            return list(self._collector.messages)

    def to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.messages if address in mail.rcpt_tos]


# --- Processes ----------------------------------------------------------------------------------------------


def child_env(overrides: dict[str, str]) -> dict[str, str]:
    """The environment of a server or worker: this one without Twilio or proxy settings, plus `overrides`."""
    dropped = ("TWILIO_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
    env = {name: value for name, value in os.environ.items() if not name.upper().startswith(dropped)}
    return {**env, "NO_PROXY": "*", "PYTHONUNBUFFERED": "1", **overrides}


def _tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""


def _stop(process: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    name: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no ack, no rollback but the database's own when the socket closes."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_tail(self) -> str:
        return _tail(self.log)


@dataclass
class RedisServer:
    """A private redis-server this test may stop and start again on the same port."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    # More redis-server options, e.g. ("--maxmemory", "2mb"): later ones win over the defaults above.
    options: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> None:
        self.starts += 1
        log = (self.directory / f"redis-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.directory), *self.options],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        client = redis.Redis(host=LOOPBACK, port=self.port, socket_connect_timeout=0.5)
        try:
            wait_for(lambda: self._answers(client), timeout=10, what=f"redis-server on port {self.port}")
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            _stop(self.process)
            self.process = None

    def freeze(self) -> None:
        """Hang the server (SIGSTOP): the kernel still accepts connections, nothing answers them."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def _answers(self, client: redis.Redis) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"redis-server exited: {_tail(self.directory / f'redis-{self.starts}.log')}")
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False


class Launcher:
    """Starts the test's processes; `close()` (the fixture's teardown) stops every one, in reverse order."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._stack = ExitStack()
        self._count = 0

    def close(self) -> None:
        self._stack.close()

    def on_close(self, callback: Callable[[], Any]) -> None:
        self._stack.callback(callback)

    def _log(self, stem: str) -> Path:
        self._count += 1
        return self.directory / f"{self._count:02d}-{stem}.log"

    def redis_server(self) -> RedisServer:
        server = RedisServer(port=free_port(), directory=self.directory)
        self._stack.callback(server.stop)
        server.start()
        return server

    def worker(self, env: dict[str, str]) -> Worker:
        """A real Celery worker (solo pool, the `celery` queue) with `env`, just started: `Probe.wait_ready`
        tells when it answers."""
        name = f"itest-{secrets.token_hex(4)}@{socket.gethostname()}"
        log = self._log("worker")
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-c", "1",
                 "--without-heartbeat", "--without-gossip", "--without-mingle", "-Q", QUEUE, "-l", "WARNING",
                 "-n", name],
                cwd=ROOT, env=child_env(env), stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._stack.callback(_stop, process)
        return Worker(process, name, log)

    def server(self, env: dict[str, str], *, port: int) -> str:
        """gunicorn serving the project on `port` (known beforehand, for ADMIN_BASE_URL); returns its URL.

        Like tests/servers.py's gunicorn(), with the port chosen by the caller and the log in a file (a pipe
        nobody reads could fill up and stall the server)."""
        log = self._log("gunicorn")
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", "1", "-b", f"{LOOPBACK}:{port}"],
                cwd=ROOT, env=child_env(env), stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._stack.callback(_stop, process)
        base_url = f"http://{LOOPBACK}:{port}"

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {_tail(log)}")
            try:
                _DIRECT.open(f"{base_url}/healthz", timeout=1).close()
            except OSError:
                return False
            return True

        wait_for(healthy, timeout=30, what="gunicorn to answer /healthz")
        return base_url


# --- Celery, seen from the test -------------------------------------------------------------------------------


class Probe:
    """A Celery client of the test's broker: it knows tasks by name only, and never runs one."""

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self.app = Celery("itest-probe", broker=broker_url, set_as_current=False)
        self.app.conf.update(
            task_default_queue=QUEUE,
            broker_connection_timeout=1,
            broker_transport_options={"socket_connect_timeout": 1},
        )
        self._redis = redis.Redis.from_url(broker_url, socket_connect_timeout=1)

    def close(self) -> None:
        self.app.close()
        self._redis.close()

    def wait_ready(self, worker: Worker, *, timeout: float = 30) -> None:
        def answers() -> bool:
            if worker.process.poll() is not None:
                raise AssertionError(f"the worker exited: {worker.log_tail()}")
            return bool(self.app.control.ping(destination=[worker.name], timeout=0.5, limit=1))

        wait_for(answers, timeout=timeout, what=f"worker {worker.name} to answer a ping")

    def send(self, task_name: str, *args: Any) -> None:
        self.app.send_task(task_name, args=args, queue=QUEUE)

    def unacked(self) -> set[bytes]:
        """Delivery tags of messages some worker took and has not acknowledged (kombu's Redis transport)."""
        return set(self._redis.hkeys("unacked"))  # type: ignore[arg-type]

    def drained(self, *, orphans: AbstractSet[bytes] = frozenset()) -> bool:
        """Nothing waits in the queue and no live worker holds a message (`orphans`: a dead worker's)."""
        return self._redis.llen(QUEUE) == 0 and not (self.unacked() - orphans)

    def wait_drained(self, *, timeout: float = 15, orphans: AbstractSet[bytes] = frozenset()) -> None:
        """Until the queue is drained twice in a row: a task that published nothing more has ended, and a
        message a worker is just taking (popped, not yet in `unacked`, for microseconds) is not missed."""

        def twice() -> bool:
            if not self.drained(orphans=orphans):
                return False
            time.sleep(0.1)
            return self.drained(orphans=orphans)

        wait_for(twice, timeout=timeout, what="the queue to drain")


def flush_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class Config:
    """What a server and a worker of one test share."""

    database_url: str
    smtp: SMTPSink
    twilio: FakeTwilio
    admin_port: int = field(default_factory=free_port)

    @property
    def admin_base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.admin_port}"

    def env(self, broker_url: str, **overrides: str) -> dict[str, str]:
        return {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": broker_url,  # set: Celery is not eager, the cache is Redis
            "CACHE_KEY_PREFIX": "itest",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_LEADS_RATE": "1000/hour",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": LOOPBACK,
            "EMAIL_PORT": str(self.smtp.port),
            "EMAIL_TIMEOUT": "5",
            "DEFAULT_FROM_EMAIL": "Core Recovery <no-reply@corerecovery.example>",
            "SMS_BACKEND": "notifications.backends.twilio",
            "TWILIO_ACCOUNT_SID": self.twilio.account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio.auth_token,
            "TWILIO_FROM_NUMBER": "+16025550199",
            "TWILIO_API_BASE_URL": self.twilio.base_url,
            "ADMIN_BASE_URL": self.admin_base_url,
            # The sweep may pick up anything at once; retries come quickly.
            "NOTIFICATION_SWEEP_GRACE_SECONDS": "0",
            "NOTIFICATION_RETRY_STALE_SECONDS": "2",
            "NOTIFICATION_RETRY_BASE_SECONDS": "1",
            "NOTIFICATION_RETRY_MAX_SECONDS": "2",
            **overrides,
        }
