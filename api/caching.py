"""Rendered content responses cached in Redis under the content version, with HTTP validators.

A request reads the small version state from Redis; a response rendered under the current token is then
taken from this process's memory, else from Redis, else rendered and stored in both. Nothing rendered under
an older token is ever served, so a publish, an edit or a scheduled go-live is visible at once. A repeated
warm read does not even reach the view: `api.warm_reads` answers it from the same stored rendering.

Every response carries a strong `ETag` (a hash of its bytes), `Cache-Control` and `Last-Modified`;
`If-None-Match`/`If-Modified-Since` answer 304 without a body.

A page is compressed into a coding (`api.encoding`) the first time a request prefers that coding, and the
coding is stored with the page: every later request gets the stored bytes of the coding its
`Accept-Encoding` chooses, with that coding's ETag, and nothing is compressed to answer it. Each coding is
compressed at most once per page and content version, and only if someone asks for it: a page nobody reads
again (a one-off search) costs one compression, not three, which keeps a flood of distinct pages from
costing four renders each. One entry per page holds every coding, so the key never depends on the header.
A render that is not stored (the cache off, a page over the entry limit) compresses the chosen coding only.

`Last-Modified` is the moment the current version was drawn: no content changed after it, and it also
covers what a response shows of related items (a program's therapies) and removals from a list, which
the items' own `updated_at` would miss. With the cache disabled it is left out, and the ETag serves.
"""

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from api import caching_edge, encoding
from api.language import LANG_PARAM
from content.versioning import VERSION_KEY, VersionState, content_version
from ops import metrics

logger = logging.getLogger(__name__)


class Rendered(TypedDict):
    body: bytes
    etag: str
    # Unix time, or None when unknown.
    last_modified: float | None
    # The body in each content coding (api.encoding), compressed at render; empty for a small body.
    encoded: dict[str, bytes]
    # The surrogate keys of what the body shows (api.caching_edge), sorted.
    keys: tuple[str, ...]


# A renderer returns the response body (JSON bytes).
Renderer = Callable[[], bytes]


# Content responses differ by coding (Accept-Encoding) and language (`?lang=` or Accept-Language), and a
# request with a preview token header must never be answered by a shared cache from the public response.
VARY = "Accept-Encoding, Accept-Language, Content-Preview-Token"


def _cache_key(request: HttpRequest, query: Sequence[tuple[str, str]], lang: str) -> str:
    # The view's canonical query (api.views.content), so that requests meaning the same share one entry;
    # the negotiated language, not the raw parameter or header: `?lang=es` and `Accept-Language: es-MX`
    # share one. Scheme and host too, as a list's `next` and `previous` links are absolute.
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{list(query)!r}#{lang}"
    # `3:` since entries hold their codings and surrogate keys too: an entry stored before has neither, and is
    # never read.
    return "content:resp:3:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def _rendered(
    body: bytes, *, codings: tuple[str, ...], keys: tuple[str, ...], last_modified: float | None = None
) -> Rendered:
    # SHA-256 runs in hardware on current CPUs: the fastest strong hash hashlib has for a 500 KB page.
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    encoded = encoding.compress(body, codings, min_bytes=settings.CONTENT_COMPRESS_MIN_BYTES)
    return Rendered(body=body, etag=etag, last_modified=last_modified, encoded=encoded, keys=keys)


def _render(renderer: Renderer, *, view_keys: Sequence[str], lang: str) -> tuple[bytes, tuple[str, ...]]:
    body, collected = caching_edge.collected_render(renderer)
    return body, caching_edge.response_keys(view_keys=view_keys, collected=collected, lang=lang)


def _size(rendered: Rendered) -> int:
    return len(rendered["body"]) + sum(len(body) for body in rendered["encoded"].values())


def representation(request: HttpRequest, rendered: Rendered) -> tuple[str, bytes, str]:
    """The coding `request` accepts best among those stored, its bytes and its ETag (no compression here)."""
    coding = encoding.negotiate(request.META.get("HTTP_ACCEPT_ENCODING"), tuple(rendered["encoded"]))
    if coding == encoding.IDENTITY:
        return coding, rendered["body"], rendered["etag"]
    return coding, rendered["encoded"][coding], encoding.etag_for(rendered["etag"], coding)


class _LocalResponses:
    """A per-process LRU of rendered responses in front of Redis, bounded in bytes.

    Entries are keyed by the content token too, so the one small read of the version state from Redis
    decides whether a local copy is current: a warm request then moves no response body over the network.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], Rendered] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str, token: str) -> Rendered | None:
        with self._lock:
            rendered = self._entries.get((key, token))
            if rendered is not None:
                self._entries.move_to_end((key, token))
            return rendered

    def put(self, key: str, token: str, rendered: Rendered) -> None:
        """Keep `rendered`, in place of what was kept under the same key (it may now hold another coding)."""
        limit = settings.CONTENT_LOCAL_CACHE_BYTES
        size = _size(rendered)
        if size > limit // 4:
            return
        with self._lock:
            earlier = self._entries.pop((key, token), None)
            if earlier is not None:
                self._size -= _size(earlier)
            self._entries[(key, token)] = rendered
            self._size += size
            while self._size > limit:
                _, evicted = self._entries.popitem(last=False)
                self._size -= _size(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


local_responses = _LocalResponses()
_NOT_READ = object()
# The request attribute naming the cache key of the response a content view gave it.
CACHE_KEY_ATTRIBUTE = "content_cache_key"


def _set_on_django_request(request: HttpRequest, name: str, value: Any) -> None:
    # DRF's Request wraps Django's; attributes of Django's are seen from both and from every middleware.
    setattr(getattr(request, "_request", request), name, value)


# Rendered responses live in their own cache (CACHE_REDIS_URL, an LRU-evicting Redis in production);
# the small content version state stays in the default one, beside the throttles.
RESPONSE_CACHE = "responses"


def _cache_get(key: str, *, alias: str = "default") -> Any:
    try:
        return caches[alias].get(key)
    except Exception:  # Redis down: serve from the database
        logger.warning("content cache unavailable; rendering uncached")
        return None


def content_response(
    request: HttpRequest,
    *,
    renderer: Renderer,
    query: Sequence[tuple[str, str]],
    known: tuple[str, ...],
    lang: str,
    keys: Sequence[str] = (),
) -> HttpResponseBase:
    """The response in `lang`, from the cache when it was rendered under the current content version.

    `query` is what the request asks for, canonical (the cache key's part); `known` names the parameters
    the view reads; `keys` are the surrogate keys of the view (its list), beside those of the items the
    render shows (api.caching_edge)."""
    if settings.CONTENT_CACHE_ENABLED:
        key = _cache_key(request, query, lang)
        rendered = _cached_render(request, key=key, renderer=renderer, view_keys=keys, lang=lang)
        if set(request.GET).issubset((*known, LANG_PARAM)):
            # For api.warm_reads: the next identical request may be answered from this key before the view.
            # Not for URLs with parameters the view ignores: endless variants that would crowd out the rest.
            _set_on_django_request(request, CACHE_KEY_ATTRIBUTE, key)
    else:
        body, response_keys = _render(renderer, view_keys=keys, lang=lang)
        rendered = _rendered(body, codings=_chosen_only(request), keys=response_keys)
    return _respond(request, rendered, lang=lang)


def _chosen_only(request: HttpRequest) -> tuple[str, ...]:
    """For a render that is not stored: the one coding this request will be answered with, if any."""
    coding = encoding.negotiate(request.META.get("HTTP_ACCEPT_ENCODING"), encoding.CODINGS)
    return () if coding == encoding.IDENTITY else (coding,)


def missing_coding(request: HttpRequest, rendered: Rendered) -> str | None:
    """The coding `request` prefers that `rendered` does not hold yet (to compress once, then keep), or None.

    A coding that would not shrink the body is never kept, so it would be tried again by each request that
    prefers it; JSON large enough to be compressed at all always shrinks."""
    if len(rendered["body"]) < settings.CONTENT_COMPRESS_MIN_BYTES:
        return None
    coding = encoding.negotiate(request.META.get("HTTP_ACCEPT_ENCODING"), encoding.CODINGS)
    return None if coding == encoding.IDENTITY or coding in rendered["encoded"] else coding


def stored_rendered(request: HttpRequest, key: str) -> Rendered | None:
    """The response stored under `key` for the current content version, or None."""
    return _stored(key, _current_state(request)["token"])


def preview_response(body: bytes, *, lang: str) -> HttpResponse:
    """An editor's draft preview: never stored by anyone (no ETag, no Last-Modified), never indexed."""
    response = HttpResponse(body, content_type="application/json")
    response["Content-Language"] = lang
    response["Vary"] = VARY
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Preview"] = "true"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _respond(request: HttpRequest, rendered: Rendered, *, lang: str) -> HttpResponseBase:
    coding, body, etag = representation(request, rendered)
    response = HttpResponse(body, content_type="application/json")
    if coding != encoding.IDENTITY:
        response["Content-Encoding"] = coding
    response["Content-Language"] = lang
    # Set, not patched: the response is new; CORS and DRF add their own values to it afterwards.
    response["Vary"] = VARY
    response["ETag"] = etag
    last_modified = rendered["last_modified"]
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    for name, value in edge_headers(request, rendered):
        response[name] = value
    if "HTTP_IF_NONE_MATCH" not in request.META and "HTTP_IF_MODIFIED_SINCE" not in request.META:
        return response  # nothing to compare: skip Django's conditional machinery
    conditional = get_conditional_response(
        request,
        etag=etag,
        last_modified=int(last_modified) if last_modified is not None else None,
        response=response,
    )
    if conditional is None:
        return response
    if conditional.status_code == 304:  # a shared cache revalidating refreshes its keys and lifetimes too
        for name in ("Surrogate-Control", "Surrogate-Key", "Cache-Tag"):
            conditional[name] = response[name]
    return conditional


def edge_headers(request: HttpRequest, rendered: Rendered) -> list[tuple[str, str]]:
    """Cache-Control, Surrogate-Control and the surrogate keys of `rendered` (api.caching_edge)."""
    until = _current_state(request)["until"] if settings.CONTENT_CACHE_ENABLED else None
    return caching_edge.cache_headers(keys=rendered["keys"], until=until)


def _current_state(request: HttpRequest) -> VersionState:
    """The content version state, read once per request (api.warm_reads and the view may both ask)."""
    state: VersionState | None = getattr(request, "content_version_state", None)
    if state is None:
        # ContentReadThrottle read it already, in its own round trip to Redis (None if Redis failed it).
        prefetched = getattr(request, "prefetched_cache_value", _NOT_READ)
        state = content_version(_cache_get(VERSION_KEY) if prefetched is _NOT_READ else prefetched)  # type: ignore[arg-type]
        _set_on_django_request(request, "content_version_state", state)
    return state


def _stored(key: str, token: str) -> Rendered | None:
    rendered = local_responses.get(key, token)
    if rendered is None:
        entry = _cache_get(key, alias=RESPONSE_CACHE)
        if entry is not None and entry["token"] == token:
            rendered = entry["rendered"]
            local_responses.put(key, token, rendered)
    return rendered


def _cached_render(
    request: HttpRequest, *, key: str, renderer: Renderer, view_keys: Sequence[str], lang: str
) -> Rendered:
    state = _current_state(request)
    rendered = _stored(key, state["token"])
    metrics.content_cache_lookup(hit=rendered is not None)
    if rendered is None:
        body, keys = _render(renderer, view_keys=view_keys, lang=lang)
        rendered = _rendered(body, codings=_chosen_only(request), keys=keys, last_modified=state["changed_at"])
        # A page larger than this (uncompressed) is rendered each time rather than crowd out the rest of the
        # caches; its compressed copies add about half as much again to what is stored.
        if len(body) <= settings.CONTENT_CACHE_MAX_ENTRY_BYTES:
            _store(key, state["token"], rendered)
    else:
        coding = missing_coding(request, rendered)
        if coding is not None:
            added = encoding.compress(rendered["body"], (coding,), min_bytes=settings.CONTENT_COMPRESS_MIN_BYTES)
            rendered = Rendered(**{**rendered, "encoded": {**rendered["encoded"], **added}})
            # Two processes adding two codings at once may each store its own: the one lost is compressed
            # once more by whoever asks for it next.
            _store(key, state["token"], rendered)
    return rendered


def _store(key: str, token: str, rendered: Rendered) -> None:
    try:
        caches[RESPONSE_CACHE].set(key, {"token": token, "rendered": rendered}, timeout=settings.CONTENT_CACHE_TIMEOUT)
    except Exception:
        logger.warning("content cache unavailable; response not stored")
    local_responses.put(key, token, rendered)
