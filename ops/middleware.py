"""First in the stack: the request id, and each request counted and timed by its route template."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve

from ops import context, metrics

# A path no route matched (a 404 from the resolver): one label for all of them, whatever was asked.
UNMATCHED = "<unmatched>"


_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@functools.lru_cache(maxsize=512)
def route_label(route: str) -> str:
    """One spelling for both kinds of route: `api/v1/programs/{slug}/` from `<slug:slug>` or `(?P<slug>…)$`."""
    label = _CONVERTER.sub(r"{\1}", _REGEX_GROUP.sub(r"{\1}", route))
    return label.removeprefix("^").removesuffix("$").replace("\\", "") or UNMATCHED


# Where a layer that answers above URL resolution leaves the route template of its answer, for the count
# (api.warm_reads: it learned the template from the URL's first request, which the resolver answered).
ROUTE_ATTRIBUTE = "metrics_route"


@functools.lru_cache(maxsize=4096)
def _route_of_path(path: str) -> str:
    # Only for a GET or HEAD that never reached the resolver and left no template on the request (a static
    # file, a refused body) or that it refused (UNMATCHED): resolved once per path while the cache holds it.
    try:
        return route_label(resolve(path).route)
    except Resolver404:
        return UNMATCHED


def route_of(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is not None:
        return route_label(match.route)
    known: str | None = getattr(request, ROUTE_ATTRIBUTE, None)
    if known is not None:  # a warm read
        return known
    # Answered above URL resolution by something else; or a path the resolver refused (UNMATCHED).
    return _route_of_path(request.path_info) if request.method in {"GET", "HEAD"} else UNMATCHED


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        # META, not request.headers: that one parses every header into a new mapping, on the hottest path.
        request_id = context.request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        token = context.request_id.set(request_id)
        try:
            response = self.get_response(request)
            metrics.http_request(
                route=route_of(request),
                method=request.method or "",
                status=response.status_code,
                seconds=time.perf_counter() - started,
            )
            return response
        finally:
            context.request_id.reset(token)
