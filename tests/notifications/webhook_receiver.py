"""A webhook receiver on 127.0.0.1 for tests: records every request and answers as scripted."""

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._answers: deque[tuple[int, bytes]] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/core-recovery"

    def answer_next(self, *statuses: int, body: bytes = b"") -> None:
        """Answer the next requests with these statuses (then 200 again)."""
        with self._lock:
            self._answers.extend((status, body) for status in statuses)

    def of_type(self, event_type: str) -> list[Received]:
        return [request for request in self.received if request.json()["type"] == event_type]

    def _next_answer(self) -> tuple[int, bytes]:
        with self._lock:
            return self._answers.popleft() if self._answers else (200, b'{"ok": true}')

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.received.append(Received(self.path, headers, body))
                status, answer = receiver._next_answer()
                self.send_response(status)
                if status in (301, 302, 307, 308):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _running() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


receiver = pytest.fixture(_running, name="receiver")
second_receiver = pytest.fixture(_running, name="second_receiver")  # a second endpoint's own receiver
