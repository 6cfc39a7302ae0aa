"""Celery's signals: task outcomes as metrics, the request id carried from web to worker, and the log context.

The task results say enough not to touch the tasks: `notifications.sweep` returns what it re-enqueued and
escalated, `notifications.deliver_webhook` the delivery's status afterwards.
"""

from __future__ import annotations

import os
import time
from typing import Any

from celery import signals

from ops import context, metrics

REQUEST_ID_HEADER = "corerecovery_request_id"
SWEEP_TASK = "notifications.sweep"
WEBHOOK_TASK = "notifications.deliver_webhook"


def _name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


def _before_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = context.request_id.get()
    if request_id and headers is not None:
        headers[REQUEST_ID_HEADER] = request_id


def _prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
    request = getattr(task, "request", None)
    carried = getattr(request, REQUEST_ID_HEADER, None)
    if carried or not getattr(request, "is_eager", False):
        # A worker's thread runs task after task: a task enqueued by no request (the sweep) has no request id,
        # not the last one's. An eager task runs inside its request and keeps the request's.
        context.request_id.set(str(carried or ""))
    context.task_name.set(_name(task))
    context.task_id.set(task_id or "")


def _postrun(**_: Any) -> None:
    context.task_name.set("")
    context.task_id.set("")


def _success(sender: Any = None, result: Any = None, **_: Any) -> None:
    name = _name(sender)
    metrics.TASKS.labels(name, "success").inc()
    metrics.TASK_LAST_SUCCESS.labels(name).set(time.time())
    if name == SWEEP_TASK and isinstance(result, dict):
        for kind in ("events", "notifications"):
            if result.get(kind):
                metrics.SWEEPER_REQUEUED.labels(kind).inc(result[kind])
        if result.get("escalations"):
            metrics.ESCALATIONS.inc(result["escalations"])
    elif name == WEBHOOK_TASK and isinstance(result, str):
        metrics.WEBHOOK_DELIVERIES.labels(result).inc()


def _failure(sender: Any = None, **_: Any) -> None:
    metrics.TASKS.labels(_name(sender), "failure").inc()


def _retry(sender: Any = None, **_: Any) -> None:
    metrics.TASK_RETRIES.labels(_name(sender)).inc()


def _process_shutdown(**_: Any) -> None:
    # A prefork child that exits leaves its gauge files behind; live-mode gauges must forget it.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


def keep_django_logging(**_: Any) -> None:
    """Celery's `setup_logging`: with a receiver, Celery leaves logging alone; the worker logs through Django's
    LOGGING (JSON in production, with the task and the request id), at LOG_LEVEL."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def connect() -> None:
    signals.before_task_publish.connect(_before_publish, weak=False, dispatch_uid="ops.before_publish")
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="ops.prerun")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="ops.postrun")
    signals.task_success.connect(_success, weak=False, dispatch_uid="ops.success")
    signals.task_failure.connect(_failure, weak=False, dispatch_uid="ops.failure")
    signals.task_retry.connect(_retry, weak=False, dispatch_uid="ops.retry")
    signals.worker_process_shutdown.connect(_process_shutdown, weak=False, dispatch_uid="ops.process_shutdown")
