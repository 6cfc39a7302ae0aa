"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import gc
import os
from typing import Any

from celery import Celery, signals

from ops.celery_signals import keep_django_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("corerecovery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The worker's log lines are the web's: Django's LOGGING, one JSON object per line in production (ops/logs.py).
signals.setup_logging.connect(keep_django_logging, weak=False)


@signals.worker_process_init.connect(weak=False)
def freeze_startup_objects(**_: Any) -> None:
    """In each pool process, as config/wsgi.py does in each web worker: the objects loaded before the fork (Django,
    the tasks and what they import) are left out of the garbage collector's full collections, which would scan
    them all every few thousand tasks."""
    gc.freeze()
