"""Warm content reads answered high in the middleware stack, as the full stack answered them before.

A content response rendered under the current content version is served from this process's memory
(`api.caching`); what is left of a warm read's cost is the way to it: URL resolution, the inner
middleware, the view's set-up. This middleware remembers, for each content URL it saw answered from the
response cache (scheme, host, path, exact query string and Accept-Language), that response's cache key and
the headers the view and the inner middleware gave its 200 and its 304. The next identical request makes
the throttle's one Redis round trip (which also reads the content version) and, if the response is in
memory under the current version, is answered here: the same body and headers, the version's `ETag` and
`Last-Modified`, or the same 304 to a matching `If-None-Match`/`If-Modified-Since`.

`Accept-Encoding` is not part of what is remembered: the stored rendering holds the page in every coding
asked for so far, and each request is answered in the one its own header chooses
(`api.caching.representation`), with that coding's `Content-Encoding`, `Content-Length` and `ETag`. Nothing
is compressed here: a request preferring a coding not stored yet goes the ordinary way, which adds it.

Anything else goes the ordinary way: other methods, API keys, preview tokens, unusual Accept headers, a
host not allowed, a failed precondition, a version not yet in memory, a throttled client. The throttle's
verdict and the version read go along on the request, so nothing is counted or read twice.

It sits below the security, CORS, body-limit and CSP middleware, which treat its responses as any other.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from api.caching import CACHE_KEY_ATTRIBUTE, edge_headers, missing_coding, representation, stored_rendered
from api.encoding import IDENTITY
from api.negotiation import ACCEPTS_JSON
from api.throttling import ContentReadThrottle
from ops import metrics
from ops.middleware import ROUTE_ATTRIBUTE, route_label

# Headers that belong to one version and coding of a response (set from the stored rendering and the
# request's Accept-Encoding) rather than to the URL.
# The cache headers too: their surrogate keys are the rendering's, and the edge's lifetime ends at the next
# scheduled go-live (api.caching_edge).
_PER_VERSION = frozenset(
    {"etag", "last-modified", "content-encoding", "cache-control", "surrogate-control", "surrogate-key", "cache-tag"}
)
# Requests that never take the short way: credentials, a draft preview.
_ORDINARY_ONLY = ("HTTP_AUTHORIZATION", "HTTP_CONTENT_PREVIEW_TOKEN")
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# Distinct URLs (with their Accept-Language) remembered per process; the least recently used go first.
_MAX_ROUTES = 1024

Headers = tuple[tuple[str, str], ...]
# Scheme, host, path, query string, Accept-Language.
Url = tuple[str, str, str, str, str]


class _Route(NamedTuple):
    cache_key: str
    # The headers of the URL's 200 and 304 answers as the ordinary path gave them, once it has.
    ok_headers: Headers | None
    not_modified_headers: Headers | None
    # The URL's route template as the metrics label it (ops.middleware), from the request the resolver answered:
    # a warm read leaves it on the request, so that ops.middleware counts it without resolving the path again.
    metrics_route: str | None


class _Routes:
    def __init__(self) -> None:
        self._entries: OrderedDict[Url, _Route] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: Url) -> _Route | None:
        with self._lock:
            route = self._entries.get(url)
            if route is not None:
                self._entries.move_to_end(url)
            return route

    def learn(self, url: Url, cache_key: str, status: int, headers: Headers, metrics_route: str | None) -> None:
        with self._lock:
            known = self._entries.get(url)
            if known is None or known.cache_key != cache_key:
                known = _Route(cache_key, None, None, metrics_route)
            if status == 200:
                known = known._replace(ok_headers=headers)
            else:
                known = known._replace(not_modified_headers=headers)
            self._entries[url] = known
            self._entries.move_to_end(url)
            if len(self._entries) > _MAX_ROUTES:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


routes = _Routes()


def _url_of(request: HttpRequest) -> Url | None:
    """What decides a content response, or None when the request must take the ordinary path."""
    meta = request.META
    if request.method not in {"GET", "HEAD"} or any(name in meta for name in _ORDINARY_ONLY):
        return None
    if meta.get("HTTP_ACCEPT", "").strip() not in ACCEPTS_JSON:
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # the ordinary path answers 400
    scheme = "https" if request.is_secure() else "http"
    return scheme, host, request.path_info, meta.get("QUERY_STRING", ""), meta.get("HTTP_ACCEPT_LANGUAGE", "")


class WarmContentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        url = _url_of(request) if settings.CONTENT_CACHE_ENABLED else None
        route = routes.get(url) if url is not None else None
        if route is not None:
            response = self._replay(request, route)
            if response is not None:
                return response
        response = self.get_response(request)
        if url is not None:
            self._learn(request, url, response)
        return response

    def _replay(self, request: HttpRequest, route: _Route) -> HttpResponseBase | None:
        if not ContentReadThrottle().allow_request(request, None):  # type: ignore[arg-type]
            return None  # the view answers 429 from the verdict left on the request
        rendered = stored_rendered(request, route.cache_key)
        if rendered is None or missing_coding(request, rendered) is not None:
            return None  # not stored yet, or not in the coding asked: the ordinary path renders or compresses
        last_modified = rendered["last_modified"]
        coding, body, etag = representation(request, rendered)
        status = 200
        if any(name in request.META for name in _CONDITIONAL):  # as api.caching answers them
            verdict = get_conditional_response(
                request, etag=etag, last_modified=int(last_modified) if last_modified is not None else None
            )
            if verdict is not None:
                status = verdict.status_code
        if status == 200 and route.ok_headers is not None:
            response = HttpResponse(body)
            headers = route.ok_headers
        elif status == 304 and route.not_modified_headers is not None:
            response = HttpResponseNotModified()
            headers = route.not_modified_headers
        else:
            return None  # not seen yet, or a failed precondition: the ordinary path answers
        for name, value in headers:
            response[name] = value
        if "Content-Length" in response:  # the version's own, when the ordinary path gave one
            response["Content-Length"] = str(len(body) if status == 200 else 0)
        if status == 200 and coding != IDENTITY:
            response["Content-Encoding"] = coding
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        for name, value in edge_headers(request, rendered):
            response[name] = value
        if route.metrics_route is not None:
            setattr(request, ROUTE_ATTRIBUTE, route.metrics_route)
        metrics.content_cache_lookup(hit=True)
        return response

    @staticmethod
    def _learn(request: HttpRequest, url: Url, response: HttpResponseBase) -> None:
        cache_key = getattr(request, CACHE_KEY_ATTRIBUTE, None)
        if cache_key is None or response.status_code not in {200, 304} or response.streaming or response.cookies:
            return
        headers = tuple((name, value) for name, value in response.items() if name.lower() not in _PER_VERSION)
        match = request.resolver_match
        metrics_route = route_label(match.route) if match is not None else None
        routes.learn(url, cache_key, response.status_code, headers, metrics_route)
