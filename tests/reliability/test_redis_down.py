"""Redis (the broker) is down, or hangs, while leads arrive: the requests still succeed at once, the events
wait in the outbox, and once Redis is back the sweep routes them and every message goes out once."""

from collections import Counter

import pytest

from leads.models import LeadEvent
from notifications.models import Notification
from tests.integration.fixtures import start_stack, wait_settled
from tests.integration.harness import Probe

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


# How Redis fails, and how it comes back. Stopped: connections are refused. Frozen (SIGSTOP): the kernel
# still accepts them and nothing answers; the throttle and the publisher time out (0.5 s and 2 s) instead
# of waiting, so each request is answered in time (the client gives up after 15 s).
OUTAGES = {"down": ("stop", "start"), "hangs": ("freeze", "thaw")}


@pytest.mark.parametrize("outage", OUTAGES)
def test_leads_submitted_while_redis_fails_are_answered_and_delivered_once_after_the_sweep(
    launcher, config, staff, smtp, twilio, outage
):
    fail, recover = OUTAGES[outage]
    broker = launcher.redis_server()  # this test's own redis-server: the shared one is never stopped
    stack = start_stack(launcher, config, broker.url)
    stack.probe.close()

    getattr(broker, fail)()
    # Each answers 201: the publisher swallows the broker error (and the throttle lets the request through).
    references = [stack.submit_urgent_lead() for _ in range(3)]

    events = LeadEvent.objects.filter(lead__reference__in=references)
    assert events.count() == 3
    assert not events.filter(routed_at__isnull=False).exists()  # waiting in the outbox
    assert not Notification.objects.exists()

    getattr(broker, recover)()  # same port: the server and the worker find it again
    _assert_swept_and_delivered_once(launcher, stack, broker.url, references, smtp, twilio)


def _assert_swept_and_delivered_once(launcher, stack, broker_url, references, smtp, twilio) -> None:
    probe = Probe(broker_url)
    launcher.on_close(probe.close)
    probe.send("notifications.sweep")  # what beat sends every minute

    rows = wait_settled(stack, *references)
    probe.wait_drained()

    assert len(rows) == 3 * len(references)  # per lead: admissions email, on-call email and SMS
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    assert all(row.provider_message_id for row in rows)
    # Exactly one message per row: counted at the providers, by recipient.
    expected = Counter(row.recipient.address(row.channel) for row in rows)
    received = Counter(address for mail in smtp.messages for address in mail.rcpt_tos)
    received.update(call.to for call in twilio.snapshot())
    assert received == expected
    assert {call.sid for call in twilio.snapshot()} == {row.provider_message_id for row in rows if row.channel == "sms"}
