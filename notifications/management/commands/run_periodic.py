import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from notifications.periodic import PeriodicRunner


class Command(BaseCommand):
    help = (
        "Run CELERY_BEAT_SCHEDULE's periodic work (sweep and escalation, webhook retries, digest, retention) in "
        "this process, at its times: the beat of `make run`, which has no Redis and no Celery beat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stderr.write("REDIS_URL is set: Celery beat and a worker do this work; this runs it here as well.")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        runner = PeriodicRunner(settings.CELERY_BEAT_SCHEDULE)
        names = ", ".join(entry.name for entry in runner.entries)
        self.stdout.write(f"Periodic work in this process (as Celery beat would): {names}.")
        self.stdout.flush()
        runner.run_until(stop)
