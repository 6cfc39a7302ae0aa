import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import warm_reads
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
def api_client() -> APIClient:
    return APIClient()
