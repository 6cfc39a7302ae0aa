"""One kept email connection per process: messages share it, a dropped one is replaced without a lost send."""

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from notifications import mailer, services
from notifications.models import Notification
from tests.notifications.conftest import make_event, make_lead

pytestmark = pytest.mark.django_db


class Recorder:
    """aiosmtpd handler: counts SMTP sessions (one EHLO each) and keeps the recipients of each message."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sessions = 0
        self.recipients: list[list[str]] = []

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]):
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings) -> Iterator[SMTPServer]:
    level = logging.getLogger("mail.log").level
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs addresses at INFO
    server = SMTPServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    yield server
    mailer.close_connection()
    server.stop()
    logging.getLogger("mail.log").setLevel(level)


def deliver_emails(routing, count: int) -> list[Notification]:
    rows = [
        Notification.objects.create(event=make_event(make_lead()), recipient=routing["admissions"], channel="email")
        for _ in range(count)
    ]
    outcomes = [services.notification_deliver(notification_id=row.id).status for row in rows]
    assert outcomes == ["sent"] * count
    return rows


def test_messages_share_one_connection(routing, smtp):
    deliver_emails(routing, 3)

    assert smtp.recorder.recipients == [[routing["admissions"].email]] * 3
    assert smtp.recorder.sessions == 1


def test_a_connection_the_server_dropped_is_replaced_and_the_message_still_goes(routing, smtp):
    deliver_emails(routing, 1)
    smtp.stop()  # the server goes away (a restart, an idle timeout): the kept connection is dead
    smtp.start()

    [row] = deliver_emails(routing, 1)

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert len(smtp.recorder.recipients) == 2
    assert smtp.recorder.sessions == 2


def test_an_idle_connection_is_reopened_before_use(routing, smtp, settings):
    settings.EMAIL_CONNECTION_MAX_IDLE_SECONDS = 0

    deliver_emails(routing, 2)

    assert smtp.recorder.sessions == 2


def test_a_server_that_is_down_is_a_transient_failure(routing, smtp):
    smtp.stop()
    row = Notification.objects.create(event=make_event(make_lead()), recipient=routing["admissions"], channel="email")

    with pytest.raises(services.TransientDeliveryError):
        services.notification_deliver(notification_id=row.id)

    row.refresh_from_db()
    assert row.status == "pending"
    assert row.last_error.startswith("SMTP: ")
