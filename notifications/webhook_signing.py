"""Standard Webhooks signatures (https://www.standardwebhooks.com/): what receivers verify.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is the base64 HMAC-SHA256
of it under the secret's bytes (the base64 text after `whsec_`), sent as `v1,<signature>`. During a
rotation the header carries one signature per live secret, separated by spaces; a receiver accepts the
message if any one matches. docs/webhooks.md shows a receiver in Python and JavaScript.
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
# 32 random bytes: the HMAC-SHA256 key size; Standard Webhooks asks for 24 to 64.
SECRET_BYTES = 32


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature_header(*, secrets_in_use: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,<base64>` for each secret, newest first, space-separated."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()
        for secret in secrets_in_use
    )
