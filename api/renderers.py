"""JSON renderers backed by orjson: several times faster than the standard library on large bodies."""

from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()


def _default(value: Any) -> Any:
    # Decimals, lazy translation strings and the like: DRF's encoder knows them all.
    return _ENCODER.default(value)


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_default)


class JSONRenderer(renderers.BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259); no charset parameter.

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        return dumps(data)


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"
