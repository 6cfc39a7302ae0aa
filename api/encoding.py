"""Content codings (RFC 9110 §8.4) of content responses: compressed when a page is rendered, chosen per request.

A rendered page is compressed into a coding here (`compress`) the first time a request prefers that coding,
and stored with its identity body under the content version (`api.caching`), so later reads answer with
stored bytes and never compress. Which bytes a request gets is `negotiate`: the client's `Accept-Encoding`,
q-values honoured (`q=0` refuses).

Only public content goes through here: its bodies hold no secret, so a compressed length tells an attacker
nothing (BREACH needs a secret and attacker-chosen text in one compressed body). Lead and referral responses,
errors and draft previews are never compressed (docs/security.md, "Compression and BREACH").

Levels, measured on the benchmark's list of 20 full articles (505 KiB of JSON, bench/content.py):
- brotli quality 5: 6.5x smaller in about 10 ms. Quality 11 is 7.6x but takes 0.9 s, and a miss (a new
  content version, or a search text nobody asked for yet) compresses on the request path; 5 keeps within
  15% of 11's bytes at a hundredth of its time.
- gzip level 6 (zlib's default): 6.4x in about 17 ms; 9 gains nothing on this JSON. The coding every HTTP
  client and CDN speaks, so the one worth its time.
- zstd level 6: 6.4x in about 5 ms (its default, 3, is 6.1x in 1 ms: 6 makes it smaller than gzip).
Each is paid at most once per page, coding and content version (the page's render costs about 7 ms).
"""

import functools
import gzip
from collections.abc import Callable, Iterable

import brotli
from backports import zstd  # the standard library's compression.zstd from Python 3.14 on

IDENTITY = "identity"

# Codings in the server's order of preference among those the client accepts equally: smallest first on
# the benchmark's list (brotli 79.4 KB, zstd 80.5 KB, gzip 81.0 KB of 505 KiB).
CODECS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda body: brotli.compress(body, mode=brotli.MODE_TEXT, quality=5),
    "zstd": lambda body: zstd.compress(body, level=6),
    # mtime=0: the same bytes in every process and on every render, as a strong ETag requires.
    "gzip": lambda body: gzip.compress(body, compresslevel=6, mtime=0),
}
CODINGS = tuple(CODECS)
# Names a client may send for a coding we serve.
_ALIASES = {"x-gzip": "gzip"}


def compress(body: bytes, codings: Iterable[str], *, min_bytes: int) -> dict[str, bytes]:
    """`body` in each of `codings`; none for a body under `min_bytes` (a response that fits in a packet or
    two gains nothing), and no coding that does not make the body smaller."""
    if len(body) < min_bytes:
        return {}
    encoded = {}
    for coding in codings:
        compressed = CODECS[coding](body)
        if len(compressed) < len(body):
            encoded[coding] = compressed
    return encoded


def _q(parameters: list[str]) -> float | None:
    """The q-value among a coding's parameters (1 when absent), or None when it is malformed."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0 <= q <= 1 else None
    return 1.0


@functools.lru_cache(maxsize=256)  # a few dozen distinct headers in practice; bounded against junk
def _preferences(accept_encoding: str) -> dict[str, float]:
    """Coding (lower case, aliases resolved, `*` kept) → q-value, as the header states them."""
    preferences: dict[str, float] = {}
    for element in accept_encoding.split(","):
        name, *parameters = element.split(";")
        coding = name.strip().lower()
        q = _q(parameters)
        if coding and q is not None:
            preferences.setdefault(_ALIASES.get(coding, coding), q)
    return preferences


@functools.lru_cache(maxsize=1024)
def negotiate(accept_encoding: str | None, available: tuple[str, ...]) -> str:
    """The coding to answer with: of the `available` codings, the one the client gives the highest q-value
    (ties go to the server's preference, the order of CODECS), unless the client prefers identity outright.
    No header, or nothing acceptable, is identity (RFC 9110 §12.5.3: the server then sends no coding)."""
    if not accept_encoding or not available:
        return IDENTITY
    preferences = _preferences(accept_encoding)
    wildcard = preferences.get("*", 0.0)
    best, best_q = IDENTITY, 0.0
    for coding in CODINGS:
        if coding in available:
            q = preferences.get(coding, wildcard)
            if q > best_q:
                best, best_q = coding, q
    if best_q > 0 and preferences.get(IDENTITY, 0.0) > best_q:
        return IDENTITY
    return best


def etag_for(etag: str, coding: str) -> str:
    """The strong ETag of `coding`'s bytes: each coding is a representation of its own (RFC 9110 §8.8.3),
    so a cache holding the gzip bytes never revalidates them as the brotli ones."""
    return etag if coding == IDENTITY else f'{etag[:-1]}-{coding}"'
