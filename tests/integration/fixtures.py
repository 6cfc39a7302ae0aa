"""Fixtures shared by tests/integration and tests/reliability (each conftest imports them).

Every test here runs on the pytest-django test database with `transaction=True`: rows are committed, so the
gunicorn and Celery processes the test starts see them. Teardown stops those processes before the database
is flushed and before the fake providers go away.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from leads.models import Lead, LeadEvent
from notifications.models import Notification, Recipient, StaffGroup
from notifications.routing_defaults import routing_install
from tests.factories import ProgramFactory
from tests.integration.harness import (
    LEADS_PATH,
    SHARED_REDIS_DB_URL,
    Config,
    FakeTwilio,
    Launcher,
    Probe,
    SMTPSink,
    Worker,
    flush_redis,
    post_json,
    wait_for,
)
from tests.leads.conftest import lead_body

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "itest-auth-token-" + "f" * 15  # a fake provider's

# An urgent message: the on-call clinician is paged by SMS (and email), admissions by email.
URGENT_MESSAGE = "I want to end my life."
# The personal data lead_body() sends (plus the message): none may reach a message to staff.
PERSONAL = ("Jordan", "Synthetic", "555-01", "55501", "jordan.synthetic", "end my life")


def personal_data_in(texts: list[str]) -> list[str]:
    """The personal values found in `texts` (case-insensitive); the values only, never the text."""
    joined = "\n".join(texts).lower()
    return [value for value in PERSONAL if value.lower() in joined]


@pytest.fixture
def database_url(transactional_db: Any) -> str:
    """The pytest-django test database, as the processes this test starts must reach it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    user = urllib.parse.quote(database["USER"] or "")
    password = f":{urllib.parse.quote(database['PASSWORD'])}" if database.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture
def smtp() -> Iterator[SMTPSink]:
    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def shared_broker() -> Iterator[str]:
    """A database of the shared Redis for this test's broker and cache, empty before and after."""
    flush_redis(SHARED_REDIS_DB_URL)
    yield SHARED_REDIS_DB_URL
    flush_redis(SHARED_REDIS_DB_URL)


@pytest.fixture
def launcher(tmp_path: Path, transactional_db: Any, smtp: SMTPSink, twilio: FakeTwilio, shared_broker: str):
    # Depends on the database, the providers and the broker: torn down (every process stopped) before them.
    processes = Launcher(tmp_path)
    yield processes
    processes.close()


@pytest.fixture
def config(database_url: str, smtp: SMTPSink, twilio: FakeTwilio) -> Config:
    return Config(database_url=database_url, smtp=smtp, twilio=twilio)


@dataclass(frozen=True)
class Staff:
    admissions: Recipient
    on_call: Recipient


@pytest.fixture
def staff(transactional_db: Any) -> Staff:
    """The default routing, a live `iop` program, and synthetic staff (example addresses, 555 numbers)."""
    routing_install()
    ProgramFactory(slug="iop")
    groups = {group.slug: group for group in StaffGroup.objects.all()}

    def person(name: str, email: str, phone: str, group: str) -> Recipient:
        recipient = Recipient.objects.create(name=name, email=email, phone=phone, channels=["email", "sms"])
        recipient.groups.add(groups[group])
        return recipient

    return Staff(
        admissions=person("Admissions (test)", "admissions@staff.example", "+16025550101", "admissions"),
        on_call=person("On-call (test)", "oncall@staff.example", "+16025550111", "on-call"),
    )


@dataclass
class Stack:
    """A live server and a worker of one test, and a Celery probe on their broker."""

    config: Config
    base_url: str
    broker_url: str
    worker: Worker
    probe: Probe
    submitted: int = 0

    def submit_urgent_lead(self) -> str:
        """POST an urgent contact request over HTTP; returns its reference (asserting the 201)."""
        self.submitted += 1
        body = lead_body(message=URGENT_MESSAGE, phone=f"(602) 555-01{self.submitted:02d}")
        reply = post_json(self.base_url + LEADS_PATH, body)
        assert reply.status == 201, reply.status
        return str(reply.json()["reference"])

    def fail_message(self) -> str:
        return f"worker log:\n{self.worker.log_tail()}"


def start_stack(launcher: Launcher, config: Config, broker_url: str, **env: str) -> Stack:
    """gunicorn and one worker with the same environment; returns once both answer."""
    environment = config.env(broker_url, **env)
    worker = launcher.worker(environment)  # starts while gunicorn does
    base_url = launcher.server(environment, port=config.admin_port)
    probe = Probe(broker_url)
    launcher.on_close(probe.close)
    probe.wait_ready(worker)
    return Stack(config, base_url, broker_url, worker, probe)


def notifications_of(*references: str) -> list[Notification]:
    return list(
        Notification.objects.filter(event__lead__reference__in=references)
        .select_related("recipient", "event__lead")
        .order_by("id")
    )


def all_settled(*references: str) -> list[Notification] | None:
    """Every event of these leads routed and none of their notifications pending: the rows, else None."""
    if LeadEvent.objects.filter(lead__reference__in=references, routed_at__isnull=True).exists():
        return None
    if Lead.objects.filter(reference__in=references).count() != len(references):
        return None
    rows = notifications_of(*references)
    if not rows or any(row.status == Notification.Status.PENDING for row in rows):
        return None
    return rows


def wait_settled(stack: Stack, *references: str, timeout: float = 30) -> list[Notification]:
    try:
        rows = wait_for(lambda: all_settled(*references), timeout=timeout, what="every notification to settle")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.fail_message()}") from None
    return list(rows)


__all__ = [
    "PERSONAL",
    "Stack",
    "Staff",
    "all_settled",
    "config",
    "database_url",
    "launcher",
    "notifications_of",
    "personal_data_in",
    "shared_broker",
    "smtp",
    "staff",
    "start_stack",
    "twilio",
    "wait_settled",
]
