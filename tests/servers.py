"""Servers on 127.0.0.1 for tests: the project in a real gunicorn process, and a Redis that hangs."""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], *, timeout: float = 20.0, port: int | None = None) -> Iterator[str]:
    """Serve the project with `env` added to the environment, on `port` (default: a free one); yields the
    base URL. A port known beforehand can go into ADMIN_BASE_URL (message links, Twilio's StatusCallback)."""
    port = port or free_port()
    # The log goes to a file: a pipe nobody reads stalls a chatty server, and reading it blocks until exit.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", "1", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(f"{base_url}/healthz", timeout=1).close()
                    break
                except OSError as exc:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        errors = log.read().decode(errors="replace")[-2000:]
                        raise RuntimeError(f"gunicorn did not start: {errors}") from exc
                    time.sleep(0.1)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=10)


class HungRedis:
    """A server on 127.0.0.1 that accepts connections and never answers: a Redis that hangs."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


def caches_on(redis_url: str) -> dict[str, dict[str, object]]:
    """CACHES for the project's Redis caches (state and responses) on `redis_url`, with short timeouts (tests
    of a failing Redis)."""
    cache: dict[str, object] = {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": redis_url,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    return {"default": cache, "responses": cache}
