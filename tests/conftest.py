import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from rest_framework.test import APIClient

from api import throttling, warm_reads
from config import cache as redis_cache
from partners.selectors import API_KEYS, PORTAL_USERS
from tests.notifications.webhook_receiver import receiver, second_receiver  # noqa: F401 (fixtures for every test)
from tests.servers import HungRedis, caches_on


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Tests share one Redis database (db 15 by default); each starts with it empty, and with nothing this
    # process remembers of earlier tests' content responses.
    redis_cache.pauses.clear()  # a test that made Redis fail must not leave it paused for the next
    _clear_caches()
    # Rows kept in this process: a test's rolled-back rows send no signal, and SQLite may give their ids again.
    API_KEYS.clear()
    PORTAL_USERS.clear()
    warm_reads.routes.clear()
    yield
    _clear_caches()


def _clear_caches() -> None:
    for alias in ("default", "responses"):
        caches[alias].clear()


@pytest.fixture
def steady_throttle_window(monkeypatch) -> None:
    """The throttles' clock held in the middle of a minute and of an hour: a test's requests all fall in one
    fixed window (the throttles count per window), however slowly a loaded machine runs them."""
    moment = time.time() // 3600 * 3600 + 1830
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: moment))


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def hung_redis() -> Iterator[HungRedis]:
    """The cache pointed at a Redis that accepts connections and never answers, for the test's duration."""
    server = HungRedis()
    caches = caches_on(f"redis://127.0.0.1:{server.port}/0")
    with override_settings(CACHES=caches):
        yield server
    server.close()


@pytest.fixture
def migrations(transactional_db) -> Iterator[None]:
    """The real migrations, for a test that takes an app back, writes rows with the historical models and runs
    the change forward as `manage.py migrate` would in production. pytest-django builds the test database from
    the models (`--no-migrations`): the whole history is recorded as applied first."""
    with override_settings(MIGRATION_MODULES={}):
        recorder = MigrationRecorder(connection)
        recorder.ensure_schema()
        for app_label, name in MigrationExecutor(connection).loader.graph.nodes:
            recorder.record_applied(app_label, name)
        try:
            yield
        finally:
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())  # whatever happened, later tests get the schema
            recorder.migration_qs.all().delete()
            ContentType.objects.clear_cache()
