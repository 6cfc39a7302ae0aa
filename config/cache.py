"""Django's Redis cache with one client per connection pool, and an atomic windowed counter.

Django builds a new `redis.Redis` for every cache operation, and redis-py 8 fills some 170 response
callbacks in each constructor: measurable on a hot path that makes two or three cache calls per request.
A `redis.Redis` is thread-safe over its pool, so one per pool serves every operation.
"""

import hashlib
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import NoScriptError, ResponseError


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
        self._script_sha = hashlib.sha1(_INCR_EXPIRE_GET.encode()).hexdigest()  # noqa: S324 (Redis names scripts so)

    def incr_with_expiry(self, key: str, timeout: int, *, also_get: str | None = None) -> tuple[int, Any]:
        """Add one to a counter that expires `timeout` seconds after its first hit, and read `also_get`
        (None if absent): one command, one round trip (a pipeline costs three times the client CPU).

        On the hot path of every content read, so it sends EVALSHA itself: redis-py's `Script` wrapper and
        Django's key validation (a memcached concern) cost as much client CPU as the command."""
        made_key = self.make_key(key)
        read_key = self.make_key(also_get) if also_get is not None else made_key
        client: Any = self._cache  # type: ignore[attr-defined]
        redis_client = client.get_client(made_key, write=True)
        try:
            count, read = self._evalsha(redis_client, made_key, read_key, timeout)
        except NoScriptError:  # a new or flushed server: load the script once, then as before
            redis_client.script_load(_INCR_EXPIRE_GET)
            count, read = self._evalsha(redis_client, made_key, read_key, timeout)
        value = client._serializer.loads(read) if also_get is not None and read is not None else None
        return int(count), value

    def _evalsha(self, redis_client: Any, *args: Any) -> Any:
        # A connection of the client's pool, used directly: half the client CPU of `execute_command`. Without
        # its retry layer, a pooled connection that went stale fails this call once (then it reconnects):
        # that request is let through uncounted and reads the content version again, as on any cache error.
        pool = redis_client.connection_pool
        connection = pool.get_connection()
        try:
            connection.send_command("EVALSHA", self._script_sha, 2, *args)
            return connection.read_response()
        except ResponseError:
            raise  # an error reply (NOSCRIPT): the connection itself is fine
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)
