"""The web and Celery workers leave the startup objects out of the garbage collector's reach (config/wsgi.py,
config/celery.py)."""

import gc
import os
import subprocess
import sys

# In a process of its own: freezing in the test session would reach the session's objects.
SCRIPT = """
import gc, sys
import config.wsgi
print(gc.get_freeze_count(), len(gc.get_objects()), "api.views.leads" in sys.modules, gc.isenabled())
"""


def test_the_app_is_loaded_then_frozen_so_a_full_collection_scans_little():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )  # fmt: skip
    frozen, tracked, views_loaded, collector_on = result.stdout.split()

    assert views_loaded == "True"  # the URLconf's views and serializers, loaded before the freeze
    assert int(frozen) > 100_000  # Django, DRF, the models, the views
    assert int(tracked) < int(frozen) // 10  # what a full collection still scans
    assert collector_on == "True"  # requests' own garbage is still collected


def test_each_celery_pool_process_freezes_what_it_inherited():
    from config.celery import freeze_startup_objects

    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()
