"""Logging filters (settings.LOGGING)."""

import logging

# Enough for any real host name with a port; a client can send megabytes.
HOST_LOG_LIMIT = 100


def loggable(value: str, limit: int = HOST_LOG_LIMIT) -> str:
    """`value` for a log line: non-printable and non-ASCII characters escaped (no forged lines, no terminal
    escapes), cut at `limit` characters, saying how long it was."""
    escaped = value.encode("unicode_escape").decode("ascii")
    if len(escaped) <= limit:
        return escaped
    return f"{escaped[:limit]}… ({len(value)} characters)"


class DisallowedHostFilter(logging.Filter):
    """Django logs a Host header outside ALLOWED_HOSTS at ERROR, whole and twice (its message and the
    traceback's): any client can fill the logs and page whoever watches errors. It is a refused request, not
    a fault of ours: one WARNING line, with the value shortened and escaped, and no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        meta = getattr(request, "META", {})
        host = str(meta.get("HTTP_HOST") or meta.get("SERVER_NAME") or "")
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.msg = "Refused a request for a host not in ALLOWED_HOSTS: %s"
        record.args = (loggable(host),)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
