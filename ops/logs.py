"""Logging: one JSON object per line in production (LOG_FORMAT=json), plain lines for `make run`.

Every record gets `request_id`, `trace_id` and `span_id` (empty when none), and in a worker `task` and
`task_id`, by `ContextFilter` on the handler, so third-party loggers' lines carry them too.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from ops import context

_FIELDS = ("request_id", "trace_id", "span_id", "task", "task_id")


def _trace_ids() -> tuple[str, str]:
    from opentelemetry import trace

    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return "", ""
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        record.trace_id, record.span_id = _trace_ids()
        record.task = context.task_name.get()
        record.task_id = context.task_id.get()
        return True


class JsonFormatter(_JsonFormatter):
    """`time`, `level`, `logger`, `message`, the context fields, and `exc_info` (the traceback) when there is
    one. Nothing else a call passes in `extra` is kept: a stray `extra=` can never put a value in the logs."""

    def __init__(self) -> None:
        # `time` in UTC, ISO 8601, whatever TIME_ZONE the process runs in (the web and the worker alike).
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_data, record, message_dict)
        for name in list(log_data):
            if name not in {"time", "level", "logger", "message", "exc_info", "stack_info", *_FIELDS}:
                del log_data[name]
        for name in _FIELDS:
            log_data[name] = getattr(record, name, "")
