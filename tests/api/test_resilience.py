"""Content keeps being served when Redis is gone; the throttle and caches degrade, never fail."""

from types import SimpleNamespace

import pytest
from django.test import override_settings

from api.caching import Rendered, local_responses
from config import cache as redis_cache
from tests.factories import ArticleFactory
from tests.servers import HungRedis, caches_on

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = caches_on("redis://127.0.0.1:1/0")
LOCAL_MEMORY = {
    alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"throttle-test-{alias}"}
    for alias in ("default", "responses")
}


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

    def rendered(size: int, compressed: int = 0) -> Rendered:
        encoded = {"br": b"y" * compressed} if compressed else {}
        return Rendered(body=b"x" * size, etag='"e"', last_modified=None, encoded=encoded, keys=())

    for index in range(6):
        local_responses.put(f"key-{index}", "token", rendered(200))
    local_responses.put("too-big", "token", rendered(600))
    local_responses.put("too-big-with-its-codings", "token", rendered(200, compressed=100))

    assert local_responses.get("key-0", "token") is None  # the oldest went first
    assert local_responses.get("key-5", "token") is not None
    assert local_responses.get("key-5", "other-token") is None
    assert local_responses.get("too-big", "token") is None  # over a quarter of the budget: never kept
    assert local_responses.get("too-big-with-its-codings", "token") is None  # the compressed copies count too
    local_responses.clear()


def test_after_redis_hangs_once_it_is_left_alone_for_a_while_and_content_is_served(api_client, hung_redis):
    ArticleFactory(slug="a", title="Still here")

    responses = [api_client.get(path) for path in ("/api/v1/articles/", "/api/v1/articles/a/", "/api/v1/faqs/")]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert responses[0].json()["results"][0]["title"] == "Still here"
    # One connection, one timeout: every other cache operation of these requests failed at once.
    assert len(hung_redis.accepted) == 1


def test_after_the_pause_redis_is_tried_again(api_client, hung_redis, monkeypatch):
    ArticleFactory()
    api_client.get("/api/v1/articles/")
    later = redis_cache.time.monotonic() + redis_cache.RETRY_AFTER_SECONDS + 1
    monkeypatch.setattr(redis_cache, "time", SimpleNamespace(monotonic=lambda: later))

    assert api_client.get("/api/v1/articles/").status_code == 200

    assert len(hung_redis.accepted) == 2


def test_a_paused_server_refuses_at_once_and_leaves_the_others_alone():
    from django.core.cache import cache
    from redis.exceptions import ConnectionError, TimeoutError

    server = HungRedis()
    hung = redis_cache.RedisCache(f"redis://127.0.0.1:{server.port}/0", {"OPTIONS": {"socket_timeout": 0.2}})
    try:
        with pytest.raises(TimeoutError):
            hung.get("anything")
        with pytest.raises(ConnectionError, match="not tried again yet"):
            hung.get("anything")

        cache.set("still", "reachable")  # the suite's own Redis
        assert cache.get("still") == "reachable"
        assert len(server.accepted) == 1
    finally:
        server.close()
