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


# INCR a counter, set its expiry on the first hit, and GET another key, atomically and in one round trip.
_INCR_EXPIRE_GET = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('GET', KEYS[2])}
"""


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
        self._scripts: dict[int, Any] = {}

    def incr_with_expiry(self, key: str, timeout: int, *, also_get: str | None = None) -> tuple[int, Any]:
        """Add one to a counter that expires `timeout` seconds after its first hit, and read `also_get`
        (None if absent): one command, one round trip (a pipeline costs three times the client CPU)."""
        made_key = self.make_and_validate_key(key)
        read_key = self.make_and_validate_key(also_get) if also_get is not None else made_key
        client: Any = self._cache  # type: ignore[attr-defined]
        redis_client = client.get_client(made_key, write=True)
        script = self._scripts.get(id(redis_client))
        if script is None:
            script = self._scripts[id(redis_client)] = redis_client.register_script(_INCR_EXPIRE_GET)
        count, read = script(keys=[made_key, read_key], args=[timeout])
        value = client._serializer.loads(read) if also_get is not None and read is not None else None
        return int(count), value
