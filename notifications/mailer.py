"""Email to staff through Django's mail framework, over one connection per worker process.

Opening an SMTP connection (TCP, EHLO, STARTTLS, AUTH) and closing it (QUIT) cost more than sending the message
itself: a burst of leads sent each message on a new connection. Here each process keeps its connection open
between deliveries (an ESP backend of django-anymail keeps its HTTPS session the same way), reopens it after
`EMAIL_CONNECTION_MAX_IDLE_SECONDS` of silence (servers drop idle clients: Postfix after 300 s), and, when a
kept connection turns out to be dead, sends once more on a fresh one. Errors come back as the delivery's
`TransientDeliveryError` (retried) or `PermanentDeliveryError` (falls back to SMS), never with content.
"""

import contextlib
import os
import smtplib
import threading
import time
from email.utils import make_msgid
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.signals import setting_changed
from django.dispatch import receiver

from notifications.backends.base import PermanentDeliveryError, TransientDeliveryError

# HTTP statuses of an ESP's API that no retry will fix (a bad request, a refused sender or recipient); 408 and
# 429 are worth another try, like every 5xx.
_RETRYABLE_HTTP = {408, 429}


class _Kept:
    """This process's open connection and when it last sent."""

    lock = threading.Lock()
    connection: BaseEmailBackend | None = None
    key: tuple[Any, ...] = ()
    used_at = 0.0


def _key() -> tuple[Any, ...]:
    # The process id: a connection opened before a fork must never be shared with the children.
    return (os.getpid(), settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT)


def close_connection() -> None:
    """Close this process's kept connection (a setting changed, the worker stops, or it failed)."""
    connection, _Kept.connection = _Kept.connection, None
    if connection is not None and _Kept.key and _Kept.key[0] == os.getpid():
        # A dead connection may fail to say goodbye; it is dropped anyway.
        with contextlib.suppress(Exception):
            connection.close()


@receiver(setting_changed)
def _email_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(("EMAIL_", "ANYMAIL")):
        close_connection()


def _connection(now: float) -> tuple[BaseEmailBackend, bool]:
    """The kept connection, opened if needed; and whether it is fresh (opened just now)."""
    key = _key()
    idle = now - _Kept.used_at > settings.EMAIL_CONNECTION_MAX_IDLE_SECONDS
    if _Kept.connection is not None and (_Kept.key != key or idle):
        close_connection()
    if _Kept.connection is not None:
        return _Kept.connection, False
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    connection.open()  # open before send_messages, so that it leaves the connection open afterwards
    _Kept.connection, _Kept.key = connection, key
    return connection, True


def email_send(*, to: str, subject: str, text: str, html: str) -> str:
    """Send one email to one member of staff; returns the provider's message id.

    With a django-anymail backend the id is the ESP's (`anymail_status.message_id`), which its tracking webhooks
    name; otherwise the Message-ID we set, without angle brackets.
    """
    message_id = make_msgid(domain="corerecovery.local")
    with _Kept.lock:
        for attempt in (1, 2):
            fresh = True
            try:
                connection, fresh = _connection(time.monotonic())
                email = EmailMultiAlternatives(
                    subject=subject, body=text, to=[to], headers={"Message-ID": message_id}, connection=connection
                )
                email.attach_alternative(html, "text/html")
                email.send()
            except smtplib.SMTPServerDisconnected as exc:
                close_connection()
                if fresh or attempt == 2:
                    raise TransientDeliveryError("SMTP: SMTPServerDisconnected") from exc
                continue  # a kept connection the server had dropped: once more on a new one
            except Exception as exc:
                close_connection()
                error = _delivery_error(exc)
                if error is None:
                    raise  # a configuration error or a bug: reported, never silenced
                raise error from exc
            _Kept.used_at = time.monotonic()
            break
    status = getattr(email, "anymail_status", None)
    if status is not None and status.message_id is not None:
        return str(status.message_id)
    return message_id.strip("<>")


def _delivery_error(exc: Exception) -> Exception | None:
    if isinstance(exc, AnymailRecipientsRefused | smtplib.SMTPRecipientsRefused):
        return PermanentDeliveryError(f"{type(exc).__name__}: recipient refused")
    if isinstance(exc, AnymailAPIError):
        status = exc.status_code
        if status is not None and 400 <= status < 500 and status not in _RETRYABLE_HTTP:
            return PermanentDeliveryError(f"ESP answered {status}")
        return TransientDeliveryError(f"ESP: {status or type(exc).__name__}")
    if isinstance(exc, smtplib.SMTPException | OSError):
        return TransientDeliveryError(f"SMTP: {type(exc).__name__}")
    return None
