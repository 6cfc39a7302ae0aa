"""A worker is SIGKILLed in the middle of handing an SMS to Twilio; a new worker and the sweep finish the job.

What "exactly once" means here. The delivery task locks its Notification row, checks that it is still
pending, calls the provider and records the result in the same transaction. Two workers, or a duplicate
task, therefore never send the same row twice. But a worker that dies after the provider accepted the
message and before the commit leaves the row pending (PostgreSQL rolls the transaction back when the
connection drops, so even `attempts` is back to 0): the sweep re-enqueues it and the message goes out a
second time. That is the design's at-least-once towards the provider, and exactly-once per row everywhere
else. This test makes the window certain (the fake Twilio accepts the first SMS and holds the response
until the worker is dead), so the counts are deterministic: one message per row at every provider, plus
exactly one duplicate SMS, the one that was in flight.
"""

import re
from collections import Counter

import pytest
from django.db import transaction

from notifications.models import Notification
from tests.integration.fixtures import start_stack, wait_settled
from tests.integration.harness import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def reference_in(sms_body: str) -> str:
    match = re.search(r"\bL-[0-9A-Z]{6}\b", sms_body)
    assert match, "no lead reference in the SMS"
    return match.group()


def unlocked(notification_id: int) -> bool:
    """Whether no transaction holds the row's lock (as a second worker's SKIP LOCKED would see it)."""
    with transaction.atomic():
        return Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).exists()


def test_a_worker_killed_inside_the_provider_call_is_recovered_by_the_sweep(
    launcher, config, shared_broker, staff, smtp, twilio
):
    release = twilio.hold_next()
    stack = start_stack(launcher, config, shared_broker)
    references = [stack.submit_urgent_lead(), stack.submit_urgent_lead()]

    [in_flight] = twilio.wait_for_calls(1, timeout=30)  # Twilio has the first SMS; the worker awaits the answer
    stack.worker.kill()
    release.set()  # the answer goes to a dead socket
    orphans = stack.probe.unacked()  # the killed worker's unacknowledged task: redelivered only in an hour
    assert len(orphans) == 1

    # PostgreSQL rolls back the dead connection's transaction: the row is unlocked, pending, never attempted.
    killed = Notification.objects.get(channel="sms", event__lead__reference=reference_in(in_flight.body))
    wait_for(lambda: unlocked(killed.pk), timeout=15, what="the killed worker's row lock to be released")
    killed.refresh_from_db()
    assert (killed.status, killed.attempts, killed.provider_message_id) == ("pending", 0, "")

    stack.worker = launcher.worker(config.env(shared_broker))
    stack.probe.wait_ready(stack.worker)
    stack.probe.send("notifications.sweep")  # what beat sends every minute

    rows = wait_settled(stack, *references)
    stack.probe.wait_drained(orphans=orphans)

    assert len(rows) == 6  # per lead: admissions email, on-call email and SMS
    assert {row.status for row in rows} == {"sent"}
    assert all(row.provider_message_id for row in rows)
    assert {row.attempts for row in rows} == {1}  # the killed attempt was rolled back with its transaction

    # Email: exactly one message per row.
    expected_emails = Counter(row.recipient.email for row in rows if row.channel == "email")
    assert Counter(address for mail in smtp.messages for address in mail.rcpt_tos) == expected_emails

    # SMS: one per row, plus the in-flight one a second time (see the module's docstring).
    sms_rows = [row for row in rows if row.channel == "sms"]
    calls = twilio.snapshot()
    assert [call.status for call in calls] == [201] * (len(sms_rows) + 1)
    assert Counter(reference_in(call.body) for call in calls) == Counter(
        dict.fromkeys(references, 1) | {reference_in(in_flight.body): 2}
    )
    killed.refresh_from_db()
    # The row records the second send: the answer to the first never reached a living worker.
    assert killed.provider_message_id != in_flight.sid
    assert {row.provider_message_id for row in sms_rows} == {call.sid for call in calls} - {in_flight.sid}
