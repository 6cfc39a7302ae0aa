"""Content keeps being served when Redis is gone; the throttle and caches degrade, never fail."""

import pytest
from django.test import override_settings

from api.caching import Rendered, local_responses
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}
LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-test"}}


def test_content_is_served_from_the_database_when_redis_is_unreachable(api_client):
    ArticleFactory(slug="a", title="Still here")

    with override_settings(CACHES=UNREACHABLE_REDIS):
        listing = api_client.get("/api/v1/articles/")
        detail = api_client.get("/api/v1/articles/a/")

    assert listing.status_code == 200
    assert listing.json()["results"][0]["title"] == "Still here"
    assert detail.status_code == 200
    assert detail["ETag"]


def test_the_throttle_counts_in_local_memory_without_redis(api_client, settings, steady_throttle_window):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}

    with override_settings(CACHES=LOCAL_MEMORY):
        statuses = [api_client.get("/api/v1/faqs/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_the_local_response_cache_is_bounded_in_bytes(settings):
    settings.CONTENT_LOCAL_CACHE_BYTES = 1000
    local_responses.clear()

    def rendered(size: int) -> Rendered:
        return Rendered(body=b"x" * size, etag='"e"', last_modified=None)

    for index in range(6):
        local_responses.put(f"key-{index}", "token", rendered(200))
    local_responses.put("too-big", "token", rendered(600))

    assert local_responses.get("key-0", "token") is None  # the oldest went first
    assert local_responses.get("key-5", "token") is not None
    assert local_responses.get("key-5", "other-token") is None
    assert local_responses.get("too-big", "token") is None  # over a quarter of the budget: never kept
    local_responses.clear()
