"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery, signals

from ops.celery_signals import keep_django_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("corerecovery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The worker's log lines are the web's: Django's LOGGING, one JSON object per line in production (ops/logs.py).
signals.setup_logging.connect(keep_django_logging, weak=False)
