"""Rendered content responses cached in Redis under the content version, with HTTP validators.

One cache round trip reads both the version state and the stored response. A stored response is used only
if it was rendered under the current token, so a publish, an edit or a scheduled go-live is visible at
once. Every response carries a strong `ETag` (a hash of its bytes), `Cache-Control` and `Last-Modified`;
`If-None-Match`/`If-Modified-Since` answer 304 without a body.

`Last-Modified` is the moment the current version was drawn: no content changed after it, and it also
covers what a response shows of related items (a program's therapies) and removals from a list, which
the items' own `updated_at` would miss. With the cache disabled it is left out, and the ETag serves.
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from content.versioning import VERSION_KEY, content_version

logger = logging.getLogger(__name__)


class Rendered(TypedDict):
    body: bytes
    etag: str
    # Unix time, or None when unknown.
    last_modified: float | None


# A renderer returns the response body (JSON bytes).
Renderer = Callable[[], bytes]


def _cache_key(request: HttpRequest, query_params: Iterable[str]) -> str:
    # Only the parameters the view understands make a different response; others must not fill the cache.
    known = sorted((name, value) for name in query_params for value in request.GET.getlist(name))
    raw = f"{request.path}?{known!r}".encode()
    return "content:resp:" + hashlib.blake2b(raw, digest_size=16).hexdigest()


def _render(renderer: Renderer, *, last_modified: float | None = None) -> Rendered:
    body = renderer()
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    return Rendered(body=body, etag=etag, last_modified=last_modified)


def _read_cache(key: str) -> dict[str, Any]:
    try:
        return cache.get_many([VERSION_KEY, key])
    except Exception:  # Redis down: serve from the database
        logger.warning("content cache unavailable; rendering uncached")
        return {}


def content_response(request: HttpRequest, *, renderer: Renderer, query_params: Iterable[str]) -> HttpResponseBase:
    if settings.CONTENT_CACHE_ENABLED:
        rendered = _cached_render(request, renderer=renderer, query_params=query_params)
    else:
        rendered = _render(renderer)
    response = HttpResponse(rendered["body"], content_type="application/json")
    response["ETag"] = rendered["etag"]
    if rendered["last_modified"] is not None:
        response["Last-Modified"] = http_date(rendered["last_modified"])
    response["Cache-Control"] = (
        f"public, max-age={settings.CONTENT_MAX_AGE}, stale-while-revalidate={settings.CONTENT_STALE_WHILE_REVALIDATE}"
    )
    last_modified = rendered["last_modified"]
    conditional = get_conditional_response(
        request,
        etag=rendered["etag"],
        last_modified=int(last_modified) if last_modified is not None else None,
        response=response,
    )
    return conditional or response


def _cached_render(request: HttpRequest, *, renderer: Renderer, query_params: Iterable[str]) -> Rendered:
    key = _cache_key(request, query_params)
    found = _read_cache(key)
    state = content_version(found.get(VERSION_KEY))
    entry = found.get(key)
    if entry is not None and entry["token"] == state["token"]:
        return entry["rendered"]
    rendered = _render(renderer, last_modified=state["changed_at"])
    try:
        cache.set(key, {"token": state["token"], "rendered": rendered}, timeout=settings.CONTENT_CACHE_TIMEOUT)
    except Exception:
        logger.warning("content cache unavailable; response not stored")
    return rendered
