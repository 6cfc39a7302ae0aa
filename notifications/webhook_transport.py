"""Sending a webhook without becoming a tool for server-side request forgery.

A URL is checked when an endpoint is saved and again at every attempt: https only (unless
WEBHOOK_ALLOW_HTTP), no credentials in it, and every address its host resolves to must be public
(`ipaddress.is_global`: no loopback, private, link-local — 169.254.169.254, the cloud metadata service —,
shared, reserved or multicast), unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES. The request then goes to the
address that was checked (TLS still verifies the host name), so a DNS answer that changes between the
check and the connection (rebinding) cannot redirect it, and redirects are never followed.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

# The answer of a receiver is kept for the attempt log only up to this many characters.
EXCERPT_CHARS = 200
_DEFAULT_PORTS = {"https": 443, "http": 80}


class UnsafeWebhookURL(Exception):
    """The URL may not receive webhooks; the message says why, without the URL's secrets."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    # Every address the host resolved to, each checked; tried in order until one connects.
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""


# IPv6 outside global unicast, and forms that carry an IPv4 address inside (6to4, NAT64, IPv4-compatible,
# IPv4-translated), which `is_global` passes but a gateway would deliver to the embedded address.
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
_V4_CARRYING_V6 = tuple(
    ipaddress.ip_network(net) for net in ("2002::/16", "64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96")
)


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return address in _GLOBAL_UNICAST_V6 and not any(address in net for net in _V4_CARRYING_V6)
    return True


def _check_address(raw: str) -> str:
    address = ipaddress.ip_address(raw.split("%", 1)[0])
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        address = mapped
    if not _is_public(address) and not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        raise UnsafeWebhookURL(f"The host resolves to a non-public address ({address}).")
    return str(address)


def resolve_target(url: str) -> Target:
    """Check `url` and resolve its host; raises UnsafeWebhookURL. Returns the checked addresses to connect to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookURL("The URL is not valid.") from exc
    allowed = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed:
        raise UnsafeWebhookURL("Webhook URLs must use https.")
    if parts.username or parts.password:
        raise UnsafeWebhookURL("Webhook URLs may not carry credentials; the signature authenticates us.")
    if not parts.hostname:
        raise UnsafeWebhookURL("The URL has no host.")
    try:
        host = parts.hostname.encode("idna").decode("ascii")  # an internationalised name, as DNS knows it
    except UnicodeError as exc:
        raise UnsafeWebhookURL("The host name is not valid.") from exc
    port = port or _DEFAULT_PORTS[parts.scheme]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeWebhookURL("The host name does not resolve.") from exc
    # Every address must pass: a name with one public and one private address is refused.
    addresses = tuple(dict.fromkeys(_check_address(str(answer[4][0])) for answer in answers))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, port=port, path=path, addresses=addresses)


def post(target: Target, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to the checked addresses of `target`, the next one if one does not connect; never raises
    for network trouble."""
    host_header = f"[{target.host}]" if ":" in target.host else target.host
    if target.port != _DEFAULT_PORTS[target.scheme]:
        host_header = f"{host_header}:{target.port}"
    started = time.monotonic()
    error = ""
    for address in target.addresses:
        try:
            return _post_to(address, target, body=body, headers={**headers, "Host": host_header}, started=started)
        except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as exc:
            error = type(exc).__name__  # not reachable there: the next address
        except urllib3.exceptions.HTTPError as exc:
            return Answer(None, _elapsed_ms(started), error=type(exc).__name__)
    return Answer(None, _elapsed_ms(started), error=error or "no address")


def _post_to(address: str, target: Target, *, body: bytes, headers: dict[str, str], started: float) -> Answer:
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_READ_TIMEOUT)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, target.port, timeout=timeout, retries=False, server_hostname=target.host,
            assert_hostname=target.host,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)
    try:
        response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False,
                                preload_content=False)  # fmt: skip
        try:
            # Read a little: the excerpt is for the log, and a huge answer must not fill a worker's memory.
            excerpt = response.read(EXCERPT_CHARS * 4, decode_content=False).decode("utf-8", "replace")
        finally:
            response.release_conn()
        return Answer(response.status, _elapsed_ms(started), excerpt=_printable(excerpt)[:EXCERPT_CHARS])
    finally:
        pool.close()


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _printable(text: str) -> str:
    return "".join(char if char.isprintable() else " " for char in text).strip()
