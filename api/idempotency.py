"""The `Idempotency-Key` request header (IETF httpapi draft), scoped to the calling client."""

import re

import orjson
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from api.authentication import APIClient
from config.client_ip import client_ip
from leads.crypto import lookup_hash
from leads.services import IdempotencyRequest, request_fingerprint

__all__ = ["client_ip", "client_scope", "idempotency_request"]  # client_ip: the views import it from here

HEADER = "Idempotency-Key"
# Printable ASCII without spaces, as the draft's sf-string allows in practice; UUIDs fit easily.
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


def client_scope(request: Request) -> str:
    """Keys are scoped to the client: the partner, or the anonymous client's address (as a keyed hash)."""
    client = request.user
    if isinstance(client, APIClient) and client.partner_id is not None:
        return f"partner:{client.partner_id}"
    return "ip:" + lookup_hash("ip", client_ip(request))[:40]


def idempotency_request(request: Request) -> IdempotencyRequest | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY_PATTERN.match(key):
        raise ValidationError({HEADER: ["Use 1 to 255 printable ASCII characters, e.g. a UUID."]})
    # The parsed body, keys sorted: the same JSON with other spacing or key order is the same request.
    fingerprint = request_fingerprint(orjson.dumps(request.data, option=orjson.OPT_SORT_KEYS))
    return IdempotencyRequest(client=client_scope(request), key=key, fingerprint=fingerprint)
