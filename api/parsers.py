"""The one request parser: strict JSON, UTF-8 only, no duplicate keys, bounded nesting.

DRF's stock parser decodes with whatever codec the `charset` parameter names (base64, zlib, bz2: a
127-byte bz2 body expanded to 60 MB before validation), lets the last of two equal keys win silently, and
recurses until Python's limit (a 500). orjson parses UTF-8 only, refuses lone surrogates and nests at most
1,024 deep; a second pass refuses duplicate keys, so what a proxy or a log reads is what the API reads.
"""

import json
from typing import Any

import orjson
from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import BaseParser


class DuplicateKey(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise DuplicateKey("a key appears twice in one object")
    return dict(pairs)


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        _, parameters = parse_header_parameters(media_type or self.media_type)
        charset = parameters.get("charset", "utf-8").lower()
        if charset not in {"utf-8", "utf8"}:
            raise UnsupportedMediaType(media_type or "", detail="JSON bodies must be UTF-8 (RFC 8259).")
        raw = stream.read() if stream is not None else b""
        try:
            data = orjson.loads(raw)
            json.loads(raw, object_pairs_hook=_refuse_duplicates)
        except DuplicateKey as exc:
            raise ParseError(f"The body is not acceptable JSON: {exc}.") from None
        except (ValueError, RecursionError):
            raise ParseError("The body is not valid JSON (UTF-8, at most 1,024 levels deep).") from None
        return data
