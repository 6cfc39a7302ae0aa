"""Content at the edge: what a cacheable response depends on (surrogate keys), and what never goes there.

A content response names, in `Surrogate-Key` (Fastly, Varnish's xkey) and `Cache-Tag` (Cloudflare), every
item it shows and the lists it is: `article:12`, `program:3`, `articles`, `articles:query` (a filtered,
searched or reordered list), `site`, `sitemap`, `hsds`, `lang:es`, and `content` (all of it). The keys of the
items are collected while the response renders: the content serializers report each item they show
(`record_item`), nested references included, so a program's page carries the keys of the therapies and FAQs
on it. `notifications.edge` purges the keys a content event names, so one publish refreshes exactly the
pages that showed the item, and the edge keeps the rest.

The edge keeps a page `EDGE_MAX_AGE` seconds (`Surrogate-Control: max-age`, and `s-maxage` for Cloudflare),
never past the next scheduled go-live (the content version knows it: pages then expire at that moment with
nobody acting), then serves it stale while it revalidates (`stale-while-revalidate`) and for
`EDGE_STALE_IF_ERROR` seconds while the origin fails (`stale-if-error`). Browsers keep `CONTENT_MAX_AGE`.

Media assets: a serializer of an asset calls `record_item(asset)` (its key is `<model>:<id>`, or the type
`content.events.ITEM_TYPES` gives it), and an event of that type purges its key: nothing else to wire.

`EdgePrivacyMiddleware` makes sure that leads, referrals, the staff and partner pages, the admin, previews and
anything sent with an API key or a session never reach a shared cache: `Cache-Control: private, no-store` and
no surrogate header, whatever the view said.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from content.edge_keys import (  # noqa: F401 (the views' vocabulary too)
    CONTENT_KEY,
    HSDS_KEY,
    SITE_KEY,
    coarse_key,
    item_key,
    item_type_of,
    list_key,
    query_key,
)

# Fastly and Cloudflare take 16 KB of keys, Varnish refuses a response header over 8 KB (http_resp_hdr_len):
# past this many bytes a page carries one coarse key per item type instead of the items' own.
MAX_KEYS_BYTES = 6000

_collected: ContextVar[set[str] | None] = ContextVar("surrogate_keys", default=None)


def record_item(instance: Any) -> None:
    """The response being rendered shows `instance` (a no-op outside `collecting()`)."""
    keys = _collected.get()
    if keys is not None and getattr(instance, "pk", None) is not None:
        keys.add(item_key(instance))


def record_items(model: type, instances: Iterable[Any]) -> None:
    """The response shows these items of `model` (model instances, or the plain objects of
    `content.models.attach_related_values`, with their `pk`)."""
    keys = _collected.get()
    if keys is not None:
        item_type = item_type_of(model)
        keys.update(f"{item_type}:{instance.pk}" for instance in instances if getattr(instance, "pk", None) is not None)


def record(*keys: str) -> None:
    collected = _collected.get()
    if collected is not None:
        collected.update(keys)


@contextmanager
def collecting() -> Iterator[set[str]]:
    """Collect the keys of what is rendered inside the block into the set it yields."""
    keys: set[str] = set()
    token = _collected.set(keys)
    try:
        yield keys
    finally:
        _collected.reset(token)


def collected_render(renderer: Callable[[], bytes]) -> tuple[bytes, tuple[str, ...]]:
    with collecting() as keys:
        body = renderer()
    return body, tuple(sorted(keys))


def response_keys(*, view_keys: Iterable[str], collected: Iterable[str], lang: str) -> tuple[str, ...]:
    """The keys a response carries, sorted; the items' own replaced by coarse keys if they would not fit."""
    keys = {CONTENT_KEY, f"lang:{lang}", *view_keys, *collected}
    if sum(len(key) + 1 for key in keys) > MAX_KEYS_BYTES:
        items = {key for key in keys if ":" in key and key.split(":", 1)[1].isdigit()}
        keys = (keys - items) | {coarse_key(key.split(":", 1)[0]) for key in items}
    return tuple(sorted(keys))


def cache_headers(*, keys: tuple[str, ...], until: float | None) -> list[tuple[str, str]]:
    """`Cache-Control` for browsers and the edge, `Surrogate-Control` for Fastly and Varnish, and the keys.

    `until` is the next scheduled go-live (Unix time): the edge keeps no page past it."""
    edge_ttl = settings.EDGE_MAX_AGE
    if until is not None:
        edge_ttl = max(1, min(edge_ttl, int(until - time.time())))
    revalidate, if_error = settings.CONTENT_STALE_WHILE_REVALIDATE, settings.EDGE_STALE_IF_ERROR
    stale = f"stale-while-revalidate={revalidate}, stale-if-error={if_error}"
    return [
        ("Cache-Control", f"public, max-age={min(settings.CONTENT_MAX_AGE, edge_ttl)}, s-maxage={edge_ttl}, {stale}"),
        ("Surrogate-Control", f"max-age={edge_ttl}, {stale}"),
        ("Surrogate-Key", " ".join(keys)),
        ("Cache-Tag", ",".join(keys)),
    ]


EDGE_HEADERS = ("Surrogate-Key", "Cache-Tag", "Surrogate-Control")
# Paths whose responses are about a person, a partner or a member of staff: never stored by a shared cache.
NEVER_AT_THE_EDGE = (
    "/api/v1/leads/",
    "/api/v1/referrals/",
    "/api/v1/webhooks/",
    "/admin/",
    "/staff/",
    "/partners/",
)
_PREVIEW_META = "HTTP_CONTENT_PREVIEW_TOKEN"


def never_at_the_edge(request: HttpRequest, response: HttpResponseBase) -> bool:
    meta = request.META
    return (
        request.path_info.startswith(NEVER_AT_THE_EDGE)
        or "HTTP_AUTHORIZATION" in meta
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or _PREVIEW_META in meta
        or "preview" in request.GET
        or bool(response.cookies)
    )


class EdgePrivacyMiddleware:
    """`Cache-Control: private, no-store` and no surrogate header on everything that must never be shared."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if never_at_the_edge(request, response):
            for name in EDGE_HEADERS:
                if name in response:
                    del response[name]
            response["Cache-Control"] = "private, no-store"
        return response
