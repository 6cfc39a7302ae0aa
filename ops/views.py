"""`GET /metrics`: Prometheus's text format, for whoever holds METRICS_TOKEN as a bearer token.

Unset token: the endpoint does not exist (404, like any unknown path). It is a plain Django view, outside
DRF, so it is not in the public OpenAPI document; never cached by anyone.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric

from ops.collector import pipeline_collector


def _authorized(request: HttpRequest, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    # Constant time: the comparison says nothing about how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def registry() -> CollectorRegistry:
    """This process's metrics, or every process's from PROMETHEUS_MULTIPROC_DIR; plus the pipeline gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        scraped = CollectorRegistry()
        multiprocess.MultiProcessCollector(scraped)
    else:
        scraped = CollectorRegistry()
        scraped.register(_Process())
    scraped.register(pipeline_collector)
    return scraped


class _Process:
    """The default registry (this process's own metrics), as a collector of a registry made per scrape."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    if not _authorized(request, token):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    # Prometheus's text format, or OpenMetrics when the scraper's Accept asks for it.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(registry()), content_type=content_type)
