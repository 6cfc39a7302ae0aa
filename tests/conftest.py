import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.notifications.webhook_receiver import receiver, second_receiver  # noqa: F401 (fixtures for every test)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Tests share one Redis database (db 15 by default); each starts with it empty.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
