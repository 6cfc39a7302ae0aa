"""Content negotiation for an API with one renderer: decide at once when the client accepts JSON."""

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

ACCEPTS_JSON = ("", "*/*", "application/json", "application/*")


class JSONFirstNegotiation(DefaultContentNegotiation):
    """The common Accept headers (none, */*, application/json) skip the parsing; the rest go through DRF's
    negotiation, which answers 406 when JSON is not acceptable."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> Any:
        candidates = list(renderers)
        accept = request.META.get("HTTP_ACCEPT", "").strip()
        if accept in ACCEPTS_JSON and not format_suffix and len(candidates) == 1:
            return candidates[0], candidates[0].media_type
        return super().select_renderer(request, candidates, format_suffix)
