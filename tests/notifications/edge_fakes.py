"""A local stand-in for a CDN's purge API (Fastly's, Cloudflare's) on 127.0.0.1: it records every request the
official SDKs send and answers with the statuses a test plans, then 200 with a body shaped like the real one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakePurgeAPI:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.planned: list[int] = []  # statuses to answer next, in order; then 200
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, recorded: Recorded) -> tuple[int, dict[str, Any]]:
        status = self.planned.pop(0) if self.planned else 200
        if status != 200:
            return status, {"success": False, "errors": [{"code": 1000 + status, "message": "planned"}], "msg": "x"}
        if recorded.path.startswith("/zones/"):  # Cloudflare: the v4 envelope
            return 200, {"success": True, "errors": [], "messages": [], "result": {"id": "zone"}}
        keys = recorded.headers.get("surrogate-key", "").split()
        return 200, {key: f"purge-{index}" for index, key in enumerate(keys)}  # Fastly: key → purge id

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    "POST", self.path, {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length),
                )  # fmt: skip
                fake.requests.append(recorded)
                status, payload = fake._answer(recorded)
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def purge_api() -> Iterator[FakePurgeAPI]:
    fake = FakePurgeAPI()
    fake.start()
    yield fake
    fake.stop()
