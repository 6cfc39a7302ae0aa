"""Django's Redis cache with one client per connection pool, and an atomic windowed counter.

Django builds a new `redis.Redis` for every cache operation, and redis-py 8 fills some 170 response
callbacks in each constructor: measurable on a hot path that makes two or three cache calls per request.
A `redis.Redis` is thread-safe over its pool, so one per pool serves every operation.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        parent: Any = self  # Django's private helpers, which django-stubs does not describe
        index = parent._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = parent._client(connection_pool=parent._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient

    def incr_with_expiry(self, key: str, timeout: int, *, also_get: str | None = None) -> tuple[int, Any]:
        """Add one to a counter that expires `timeout` seconds after its first hit, and read `also_get`
        (None if absent) in the same round trip."""
        made_key = self.make_and_validate_key(key)
        client: Any = self._cache  # type: ignore[attr-defined]
        pipeline = client.get_client(made_key, write=True).pipeline(transaction=False)
        pipeline.incr(made_key)
        pipeline.expire(made_key, timeout, nx=True)
        if also_get is not None:
            pipeline.get(self.make_and_validate_key(also_get))
        count, _, *read = pipeline.execute()
        value = client._serializer.loads(read[0]) if read and read[0] is not None else None
        return int(count), value
