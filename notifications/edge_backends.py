"""How a purge by surrogate key reaches the edge: Varnish (xkey over HTTP), Fastly and Cloudflare (their
official SDKs), or nowhere. Chosen by EDGE_BACKEND like the email backend: a name, or a dotted path.

A backend purges a list of keys in batches within its API's limit and raises `TransientPurgeError` (a 429, a
5xx, no connection: retried with backoff by `notifications.edge`) or `PermanentPurgeError` (a refused token,
an unknown zone, a missing setting: retried as well, since a fixed setting makes it pass, but named as such in
the record and the alert). No key names a person: keys are item types and database ids of public content.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class PurgeError(Exception):
    """A purge that did not go through; `str()` is safe to store and show (no token, no body)."""


class TransientPurgeError(PurgeError):
    pass


class PermanentPurgeError(PurgeError):
    pass


@dataclass(frozen=True)
class PurgeResult:
    requests: int
    # Objects the edge said it purged, where it says (Varnish); None elsewhere.
    objects: int | None = None


class BaseEdgeBackend:
    name: ClassVar[str] = "base"
    # Keys per API call: Fastly takes 256, Cloudflare 100 (tags per purge request, every plan); Varnish reads
    # them from one request header, which 100 short keys keep well under its 8 KB limit.
    max_keys: ClassVar[int] = 100

    def purge(self, keys: Sequence[str], *, soft: bool) -> PurgeResult:
        requests, objects = 0, None
        for start in range(0, len(keys), self.max_keys):
            batch = list(keys[start : start + self.max_keys])
            purged = self.purge_batch(batch, soft=soft)
            requests += 1
            if purged is not None:
                objects = (objects or 0) + purged
        return PurgeResult(requests=requests, objects=objects)

    def purge_batch(self, keys: list[str], *, soft: bool) -> int | None:
        raise NotImplementedError


class NoEdgeBackend(BaseEdgeBackend):
    """Nothing in front of the API (`make run`): nothing to purge, and nothing is recorded."""

    name = "none"

    def purge_batch(self, keys: list[str], *, soft: bool) -> int | None:
        return None


class LocmemEdgeBackend(BaseEdgeBackend):
    """For tests: every batch is appended to `purged`; `fail_with` makes the next calls raise."""

    name = "locmem"
    purged: ClassVar[list[tuple[list[str], bool]]] = []
    fail_with: ClassVar[list[PurgeError]] = []

    def purge_batch(self, keys: list[str], *, soft: bool) -> int | None:
        if LocmemEdgeBackend.fail_with:
            raise LocmemEdgeBackend.fail_with.pop(0)
        LocmemEdgeBackend.purged.append((keys, soft))
        return len(keys)


def _status_error(status: int, what: str) -> PurgeError:
    if status == 429 or status >= 500:
        return TransientPurgeError(f"{what} answered {status}")
    return PermanentPurgeError(f"{what} answered {status}")


class VarnishEdgeBackend(BaseEdgeBackend):
    """`PURGE /` with `xkey-purge: <keys>` (or `xkey-softpurge`) to each Varnish of EDGE_VARNISH_URL, which
    allows it from the origin's addresses only (deploy/varnish/default.vcl)."""

    name = "varnish"
    _pool = urllib3.PoolManager(retries=False)

    def purge_batch(self, keys: list[str], *, soft: bool) -> int | None:
        servers = settings.EDGE_VARNISH_URL
        if not servers:
            raise PermanentPurgeError("EDGE_VARNISH_URL is not set")
        header = "xkey-softpurge" if soft else "xkey-purge"
        purged = 0
        for server in servers:
            try:
                response = self._pool.request(
                    "PURGE",
                    server.rstrip("/") + "/",
                    headers={header: " ".join(keys)},
                    timeout=urllib3.Timeout(connect=3, read=settings.EDGE_PURGE_TIMEOUT),
                )
            except urllib3.exceptions.HTTPError as exc:
                raise TransientPurgeError(f"varnish: {type(exc).__name__}") from None
            if response.status != 200:
                raise _status_error(response.status, "varnish")
            purged += int(response.headers.get("xkey-purged") or 0)
        return purged


class FastlyEdgeBackend(BaseEdgeBackend):
    """Fastly's bulk purge by surrogate key (`POST /service/<id>/purge`), soft when EDGE_SOFT_PURGE; the API
    token needs the `purge_select` scope only."""

    name = "fastly"
    max_keys = 256

    def purge_batch(self, keys: list[str], *, soft: bool) -> int | None:
        import fastly
        from fastly.api.purge_api import PurgeApi

        if not settings.EDGE_FASTLY_API_TOKEN or not settings.EDGE_FASTLY_SERVICE_ID:
            raise PermanentPurgeError("EDGE_FASTLY_API_TOKEN and EDGE_FASTLY_SERVICE_ID must be set")
        options: dict[str, Any] = {"surrogate_key": " ".join(keys), "_request_timeout": settings.EDGE_PURGE_TIMEOUT}
        if soft:
            options["fastly_soft_purge"] = 1
        try:
            api = PurgeApi(_fastly_client(settings.EDGE_FASTLY_API_URL, settings.EDGE_FASTLY_API_TOKEN))
            api.bulk_purge_tag(service_id=settings.EDGE_FASTLY_SERVICE_ID, **options)
        except fastly.ApiException as exc:
            raise _status_error(int(exc.status or 0), "fastly") from None
        except urllib3.exceptions.HTTPError as exc:
            raise TransientPurgeError(f"fastly: {type(exc).__name__}") from None
        return None


@functools.cache
def _fastly_client(url: str, token: str) -> Any:
    """One client per process and settings: it keeps its HTTPS connections between purges."""
    import fastly

    configuration = fastly.Configuration(host=url or None)
    configuration.api_token = token
    configuration.retries = 0  # ours retry, with backoff, recorded (notifications.edge)
    return fastly.ApiClient(configuration)


class CloudflareEdgeBackend(BaseEdgeBackend):
    """Cloudflare's purge by cache tag (`POST /zones/<id>/purge_cache`), or with EDGE_SOFT_PURGE its
    invalidation (`/invalidate_cache`: kept, marked stale, revalidated with the ETag); the API token needs
    Zone → Cache Purge → Purge for this zone only."""

    name = "cloudflare"
    max_keys = 100

    def purge_batch(self, keys: list[str], *, soft: bool) -> int | None:
        import cloudflare

        if not settings.EDGE_CLOUDFLARE_API_TOKEN or not settings.EDGE_CLOUDFLARE_ZONE_ID:
            raise PermanentPurgeError("EDGE_CLOUDFLARE_API_TOKEN and EDGE_CLOUDFLARE_ZONE_ID must be set")
        client = _cloudflare_client(settings.EDGE_CLOUDFLARE_API_URL, settings.EDGE_CLOUDFLARE_API_TOKEN)
        call = client.cache.invalidate if soft else client.cache.purge
        try:
            call(zone_id=settings.EDGE_CLOUDFLARE_ZONE_ID, tags=keys)
        except cloudflare.APIStatusError as exc:
            raise _status_error(exc.status_code, "cloudflare") from None
        except cloudflare.APIConnectionError as exc:
            raise TransientPurgeError(f"cloudflare: {type(exc).__name__}") from None
        return None


@functools.cache
def _cloudflare_client(url: str, token: str) -> Any:
    import cloudflare

    # max_retries=0: ours retry, with backoff, recorded (notifications.edge).
    return cloudflare.Cloudflare(
        api_token=token, base_url=url or None, max_retries=0, timeout=settings.EDGE_PURGE_TIMEOUT
    )


BACKENDS: dict[str, type[BaseEdgeBackend]] = {
    backend.name: backend
    for backend in (NoEdgeBackend, LocmemEdgeBackend, VarnishEdgeBackend, FastlyEdgeBackend, CloudflareEdgeBackend)
}


def edge_backend(name: str | None = None) -> BaseEdgeBackend:
    """The backend EDGE_BACKEND names (a name above, or a dotted path to a BaseEdgeBackend subclass)."""
    name = name or settings.EDGE_BACKEND or "none"
    backend_class = BACKENDS.get(name)
    if backend_class is None:
        try:
            backend_class = import_string(name)
        except ImportError:
            raise ImproperlyConfigured(f"EDGE_BACKEND: unknown backend {name!r}") from None
    return backend_class()
