import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import throttling, warm_reads
from tests.notifications.webhook_receiver import receiver, second_receiver  # noqa: F401 (fixtures for every test)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Tests share one Redis database (db 15 by default); each starts with it empty, and with nothing this
    # process remembers of earlier tests' content responses.
    cache.clear()
    warm_reads.routes.clear()
    yield
    cache.clear()


@pytest.fixture
def steady_throttle_window(monkeypatch) -> None:
    """The throttles' clock held in the middle of a minute and of an hour: a test's requests all fall in one
    fixed window (the throttles count per window), however slowly a loaded machine runs them."""
    moment = time.time() // 3600 * 3600 + 1830
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: moment))


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
