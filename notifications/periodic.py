"""The periodic work of CELERY_BEAT_SCHEDULE, run in one process without Celery beat: the embedded set-up's beat.

`make run` has no Redis and no beat (Celery runs eagerly), so the minute's sweep, the escalation of ignored
leads, the webhook retries and the daily digest never ran there. `manage.py run_periodic` (which `make run`
starts beside runserver) runs the same schedule with this runner: each entry's task in this process, at the
times Celery's own schedule objects say, from the one dictionary production's beat reads.
"""

import copy
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery import current_app
from celery.schedules import BaseSchedule, maybe_schedule
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# Never sleep longer than this between checks, so that a stop request or a changed clock is noticed soon.
MAX_SLEEP_SECONDS = 5.0


@dataclass
class Entry:
    name: str
    task: str
    schedule: BaseSchedule
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    last_run_at: datetime


class PeriodicRunner:
    """Runs each entry of a beat schedule when it is due, as beat would, on the clock it is given.

    Like beat started afresh, an entry's first run is one period after the start (a crontab: at its next time).
    """

    def __init__(self, schedule: dict[str, dict[str, Any]], *, clock: Callable[[], datetime] = timezone.now) -> None:
        self.clock = clock
        started = clock()
        self.entries = []
        for name, spec in schedule.items():
            entry_schedule = copy.copy(maybe_schedule(spec["schedule"], app=current_app))
            entry_schedule.nowfun = clock  # the runner's clock: tests move it forward instead of waiting
            self.entries.append(
                Entry(name, spec["task"], entry_schedule, tuple(spec.get("args", ())), dict(spec.get("kwargs", {})),
                      started)
            )  # fmt: skip

    def tick(self) -> tuple[list[str], float]:
        """Run every entry that is due; returns their names and the seconds until the next check."""
        ran: list[str] = []
        next_check = MAX_SLEEP_SECONDS
        for entry in self.entries:
            due, seconds = entry.schedule.is_due(entry.last_run_at)
            if due:
                entry.last_run_at = self.clock()
                self._run(entry)
                ran.append(entry.name)
                _, seconds = entry.schedule.is_due(entry.last_run_at)
            next_check = min(next_check, max(float(seconds), 0.0))
        return ran, next_check

    def run_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            _, seconds = self.tick()
            stop.wait(max(seconds, 0.05))

    def _run(self, entry: Entry) -> None:
        # As a request does: a connection the last run left broken or too old is replaced first.
        close_old_connections()
        try:
            # In this process, now; under the embedded set-up the tasks it enqueues run eagerly too.
            current_app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=True)
        except Exception:
            # Reported and retried at the next period, as beat's next run would; the runner keeps going.
            logger.exception("periodic task %s failed", entry.name)
        finally:
            close_old_connections()
