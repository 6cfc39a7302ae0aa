"""Django's Redis cache with one client per connection pool, an atomic windowed counter, and a pause after
Redis fails.

Django builds a new `redis.Redis` for every cache operation, and redis-py 8 fills some 170 response
callbacks in each constructor: measurable on a hot path that makes two or three cache calls per request.
A `redis.Redis` is thread-safe over its pool, so one per pool serves every operation.

The cache is an optimisation: every caller falls back when it fails (content from the database, the
throttle lets the request through). But a Redis that hangs rather than refuses costs each operation its
full socket timeout, and a content read makes four of them: two seconds a request, and two sync workers
are soon all waiting. So after a connection error or a timeout, this process does not try that server
again for `RETRY_AFTER_SECONDS`: operations fail at once, and the next one after the pause tries again.
"""

import hashlib
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.connection import Connection, SSLConnection
from redis.exceptions import ConnectionError, NoScriptError, ResponseError, TimeoutError

# How long a process leaves a Redis server alone after it failed or timed out.
RETRY_AFTER_SECONDS = 5.0


class _Pauses:
    """Per server (host, port): the monotonic time before which this process does not try it."""

    def __init__(self) -> None:
        self._until: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def check(self, server: tuple[str, int]) -> None:
        until = self._until.get(server)
        if until is not None and time.monotonic() < until:
            raise ConnectionError("Redis failed a moment ago; not tried again yet")

    def start(self, server: tuple[str, int]) -> None:
        with self._lock:
            self._until[server] = time.monotonic() + RETRY_AFTER_SECONDS

    def clear(self) -> None:
        with self._lock:
            self._until.clear()


pauses = _Pauses()


class _PausingConnection(Connection):
    """A connection that refuses at once while its server is paused, and pauses it when it fails."""

    def _server(self) -> tuple[str, int]:
        return self.host, self.port

    def connect(self) -> None:
        # The pool calls this before handing out any connection, even one already open.
        pauses.check(self._server())
        try:
            super().connect()
        except (ConnectionError, TimeoutError):
            pauses.start(self._server())
            raise

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        try:
            super().send_packed_command(command, check_health)
        except (ConnectionError, TimeoutError):
            pauses.start(self._server())
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().read_response(*args, **kwargs)
        except (ConnectionError, TimeoutError):
            pauses.start(self._server())
            raise


class _PausingSSLConnection(_PausingConnection, SSLConnection):
    pass


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


# INCR each counter of KEYS but the last, set its expiry (the same place in ARGV) on its first hit, and GET the
# last key, atomically and in one round trip.
_INCR_EXPIRE_GET = """
local result = {}
for i = 1, #KEYS - 1 do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('EXPIRE', KEYS[i], ARGV[i]) end
  result[i] = count
end
result[#KEYS] = redis.call('GET', KEYS[#KEYS])
return result
"""


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
        options: dict[str, Any] = self._options  # type: ignore[has-type]  # Django's, passed to the pool
        if server.startswith(("redis://", "rediss://")) and "connection_class" not in options:
            secure = server.startswith("rediss://")
            self._options = {**options, "connection_class": _PausingSSLConnection if secure else _PausingConnection}
        self._script_sha = hashlib.sha1(_INCR_EXPIRE_GET.encode()).hexdigest()  # noqa: S324 (Redis names scripts so)

    def incr_with_expiry(
        self, counters: Sequence[tuple[str, int]], *, also_get: str | None = None
    ) -> tuple[list[int], Any]:
        """Add one to each (key, timeout) counter, which expires `timeout` seconds after its first hit, and read
        `also_get` (None if absent): one command, one round trip (a pipeline costs three times the client CPU).

        On the hot path of every content read, so it sends EVALSHA itself: redis-py's `Script` wrapper and
        Django's key validation (a memcached concern) cost as much client CPU as the command."""
        made_keys = [self.make_key(key) for key, _ in counters]
        read_key = self.make_key(also_get) if also_get is not None else made_keys[0]
        client: Any = self._cache  # type: ignore[attr-defined]
        redis_client = client.get_client(made_keys[0], write=True)
        args = [len(made_keys) + 1, *made_keys, read_key, *(timeout for _, timeout in counters)]
        try:
            *counts, read = self._evalsha(redis_client, *args)
        except NoScriptError:  # a new or flushed server: load the script once, then as before
            redis_client.script_load(_INCR_EXPIRE_GET)
            *counts, read = self._evalsha(redis_client, *args)
        value = client._serializer.loads(read) if also_get is not None and read is not None else None
        return [int(count) for count in counts], value

    def _evalsha(self, redis_client: Any, *args: Any) -> Any:
        # A connection of the client's pool, used directly: half the client CPU of `execute_command`. Without
        # its retry layer, a pooled connection that went stale fails this call once (then it reconnects):
        # that request is let through uncounted and reads the content version again, as on any cache error.
        pool = redis_client.connection_pool
        connection = pool.get_connection()
        try:
            connection.send_command("EVALSHA", self._script_sha, *args)
            return connection.read_response()
        except ResponseError:
            raise  # an error reply (NOSCRIPT): the connection itself is fine
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)
