"""A flood of cacheable pages cannot evict the broker's queue: the response cache lives on a Redis of its own,
bounded and evicting (docker-compose.yml's `redis-cache`), while the broker's never evicts (`redis`).

Both servers are private redis-servers started with the options compose ships, the cache's memory bound made
small so that a few megabytes overflow it."""

from collections.abc import Iterator

import pytest
import redis
from django.test import override_settings
from kombu import Connection

from tests.factories import ArticleFactory, paragraph
from tests.integration.harness import RedisServer
from tests.servers import caches_on, free_port
from tests.test_compose import redis_server_flags

pytestmark = pytest.mark.django_db

QUEUED_TASKS = 100
CACHE_MAXMEMORY = 4 * 1024 * 1024


def _server(directory, service: str, **overrides: str) -> RedisServer:
    flags = {**redis_server_flags(service), "appendonly": "no", **overrides}  # nothing on disk in a test
    options = tuple(word for name, value in flags.items() for word in (f"--{name}", value))
    return RedisServer(port=free_port(), directory=directory, options=options)


@pytest.fixture
def broker_and_cache(tmp_path) -> Iterator[tuple[RedisServer, RedisServer]]:
    broker = _server(tmp_path, "redis")
    cache = _server(tmp_path, "redis-cache", maxmemory=str(CACHE_MAXMEMORY))
    try:
        broker.start()
        cache.start()
        yield broker, cache
    finally:
        cache.stop()
        broker.stop()


def test_a_flood_of_distinct_pages_evicts_old_pages_and_never_a_queued_task(
    api_client, settings, steady_throttle_window, broker_and_cache
):
    broker, cache = broker_and_cache
    for number in range(20):
        ArticleFactory(slug=f"relapse-{number}", body=[paragraph("Relapse prevention, step by step. " * 40)] * 4)
    with Connection(broker.url) as connection:
        queue = connection.SimpleQueue("celery")
        for number in range(QUEUED_TASKS):
            queue.put({"task": "notifications.route_event", "args": [number], "padding": "x" * 1000})
        queue.close()
    caches = caches_on(broker.url)
    caches["responses"] = {**caches["responses"], "LOCATION": cache.url}

    flooded = 0
    with override_settings(CACHES=caches, CACHE_REDIS_URL=cache.url):
        # One client, within its throttle: each search is a distinct, legitimate, cacheable page of 20 bodies.
        for number in range(90):
            response = api_client.get(f"/api/v1/articles/?search=relapse%20or%20q{number}&fields=slug,body,body_html")
            assert response.status_code == 200
            flooded += len(response.content)

    assert flooded > 3 * CACHE_MAXMEMORY
    cache_client, broker_client = redis.Redis.from_url(cache.url), redis.Redis.from_url(broker.url)
    assert int(cache_client.info("stats")["evicted_keys"]) > 0
    assert int(cache_client.info("memory")["used_memory"]) <= CACHE_MAXMEMORY
    with Connection(broker.url) as connection:
        queue = connection.SimpleQueue("celery")
        assert queue.qsize() == QUEUED_TASKS
        queue.close()
    assert broker_client.keys("*throttle:anon:*"), "the throttle counters stay with the broker"
    assert not broker_client.keys("*content:resp:*"), "no page reaches the broker's server"
    cache_client.close()
    broker_client.close()
