"""The beat of the embedded set-up: `manage.py run_periodic` runs CELERY_BEAT_SCHEDULE's work where `make run`
has no Redis and no Celery beat. Time is moved forward by the test (time-machine), never waited for."""

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from leads.models import Lead, LeadEvent
from notifications import tasks
from notifications.backends import locmem
from notifications.models import Recipient, StaffGroup
from notifications.periodic import PeriodicRunner
from tests.notifications.conftest import make_event, make_lead

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PHOENIX = ZoneInfo("America/Phoenix")


@pytest.fixture
def traveller():
    # A Monday at 10:00 in Phoenix, inside business hours: a new routine lead goes to admissions by email only.
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=PHOENIX), tick=False) as traveller:
        yield traveller


@pytest.fixture
def ignored_lead(routing, traveller, settings) -> Lead:
    """A lead everyone was told of (by the eager route task, as on `make run`) and nobody acknowledges."""
    settings.ESCALATE_AFTER_MINUTES = 15
    lead = make_lead()
    tasks.route_event.delay(make_event(lead).id)
    assert [message.to for message in mail.outbox] == [[routing["admissions"].email]]
    return lead


def texts_to(recipient: Recipient) -> list[str]:
    return [sms.body for sms in locmem.outbox if sms.to == recipient.phone]


def test_an_ignored_lead_escalates_after_the_configured_minutes(routing, ignored_lead, traveller, settings):
    runner = PeriodicRunner(settings.CELERY_BEAT_SCHEDULE)

    traveller.shift(timedelta(minutes=14))
    assert "sweep-notifications" in runner.tick()[0]
    ignored_lead.refresh_from_db()
    assert ignored_lead.escalation_level == 0
    assert texts_to(routing["on_call"]) == []

    traveller.shift(timedelta(minutes=1, seconds=1))
    ran, _ = runner.tick()

    assert "sweep-notifications" in ran
    ignored_lead.refresh_from_db()
    assert ignored_lead.escalation_level == 1
    assert LeadEvent.objects.filter(lead=ignored_lead, kind="lead.escalated", routed_at__isnull=False).count() == 1
    [text] = texts_to(routing["on_call"])
    assert ignored_lead.reference in text
    assert any(routing["on_call"].email in message.to for message in mail.outbox)


def test_the_runner_runs_nothing_before_its_time_and_each_entry_once_per_period(routing, traveller, settings):
    runner = PeriodicRunner(settings.CELERY_BEAT_SCHEDULE)

    assert runner.tick()[0] == []
    traveller.shift(timedelta(seconds=30))
    assert runner.tick()[0] == []
    traveller.shift(timedelta(seconds=31))
    ran, next_check = runner.tick()

    # Every minute's entries (the dashboard's roll-up too).
    assert sorted(ran) == ["refresh-dashboard-rollup", "sweep-edge-purges", "sweep-notifications", "sweep-webhooks"]
    assert runner.tick()[0] == []  # the same minute: not again
    assert 0 < next_check <= 5


def test_an_acknowledged_lead_does_not_escalate(routing, ignored_lead, traveller, settings):
    Lead.objects.filter(pk=ignored_lead.pk).update(acknowledged_at=datetime.now(tz=PHOENIX))
    runner = PeriodicRunner(settings.CELERY_BEAT_SCHEDULE)

    traveller.shift(timedelta(minutes=20))
    runner.tick()

    ignored_lead.refresh_from_db()
    assert ignored_lead.escalation_level == 0
    assert locmem.outbox == []


def test_the_daily_digest_goes_out_at_seven_in_phoenix(routing, ignored_lead, traveller, settings):
    lead_of_admissions = Recipient.objects.create(name="lead", email="lead@staff.example", channels=["email"])
    lead_of_admissions.groups.add(StaffGroup.objects.get(slug=settings.DIGEST_GROUP))
    runner = PeriodicRunner(settings.CELERY_BEAT_SCHEDULE)
    mail.outbox.clear()

    traveller.move_to(datetime(2026, 12, 1, 6, 59, tzinfo=PHOENIX))
    assert "daily-digest" not in runner.tick()[0]
    traveller.move_to(datetime(2026, 12, 1, 7, 0, 1, tzinfo=PHOENIX))
    assert "daily-digest" in runner.tick()[0]

    [digest] = [message for message in mail.outbox if message.to == ["lead@staff.example"]]
    assert ignored_lead.reference in digest.body  # still unacknowledged


def test_a_failing_task_is_reported_and_the_runner_goes_on(traveller, caplog):
    schedule = {
        "broken": {"task": "notifications.no_such_task", "schedule": 60.0},
        "sweep": {"task": "notifications.sweep_webhooks", "schedule": 60.0},
    }
    runner = PeriodicRunner(schedule)

    traveller.shift(timedelta(seconds=61))
    ran, _ = runner.tick()

    assert ran == ["broken", "sweep"]
    assert "periodic task broken failed" in caplog.text


def test_the_command_starts_and_stops_on_ctrl_c(tmp_path):
    # What `make run` starts beside runserver: it lists the schedule and stops when the terminal says so.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "",
           "DJANGO_SETTINGS_MODULE": "config.settings.base"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_periodic"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        first_line = process.stdout.readline() if process.stdout else ""
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "sweep-notifications" in first_line
    assert "daily-digest" in first_line
