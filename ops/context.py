"""What every log line says about where it comes from: the request id (web) or the task (worker), and the trace.

A request id comes from the `X-Request-ID` header when nginx (`$request_id`) or the edge sent a well-formed one,
else is made here, and is carried in the headers of the Celery tasks the request enqueues, so the worker's lines
for that lead carry it too. It is not echoed in responses: tests hold that the answers to two callers differ in
nothing a caller could compare (tests/api/test_authorization_matrix.py), and warm reads replay stored headers.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy may hand us: letters, digits, dashes, dots, underscores; nothing a log line could be forged with.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")

request_id: ContextVar[str] = ContextVar("request_id", default="")
task_name: ContextVar[str] = ContextVar("task_name", default="")
task_id: ContextVar[str] = ContextVar("task_id", default="")


# A request id made here: 32 hex digits, this process's random half (drawn again in a forked child, so that no
# two gunicorn workers share it) and a count of the ids it made. Unique without a system call per request
# (`secrets.token_hex` reads the kernel's random source each time); an id is a log correlation key, not a secret.
_process_prefix = ""
_counter = itertools.count(1)


def _new_process() -> None:
    global _process_prefix, _counter
    _process_prefix = secrets.token_hex(8)
    _counter = itertools.count(1)


_new_process()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_process)


def request_id_from(header: str | None) -> str:
    if header and _WELL_FORMED.fullmatch(header):
        return header
    return f"{_process_prefix}{next(_counter):016x}"
