"""Delivery: once per row, retries with backoff, permanent failures fall back, minimum-necessary messages."""

import pytest
from django.core import mail

from notifications import services, tasks
from notifications.backends import locmem
from notifications.backends.base import PermanentDeliveryError, TransientDeliveryError
from notifications.messages import fits_one_sms, render
from notifications.models import Notification
from notifications.tokens import make_token
from tests.notifications.conftest import make_event, make_lead, make_partner

pytestmark = pytest.mark.django_db

PERSONAL = ("Wren", "6025559876", "9876", "suicidal")


class FlakySMS(locmem.SMSBackend):
    """Fails the first `failures` sends, as a provider answering 503 would."""

    failures = 0
    calls = 0
    error: type[Exception] = TransientDeliveryError

    def send(self, **kwargs):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise type(self).error("Twilio 503 code 20500")
        return super().send(**kwargs)


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = "tests.notifications.test_delivery"
    FlakySMS.calls, FlakySMS.failures, FlakySMS.error = 0, 0, TransientDeliveryError
    return FlakySMS


SMSBackend = FlakySMS  # what SMS_BACKEND = this module loads


def run_like_a_worker(notification_id: int) -> str:
    """Run the delivery task eagerly; Celery then re-runs it at each retry it asks for (without the wait)."""
    from config.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False  # a retry is an outcome here, not an error to raise
    try:
        return tasks.deliver_notification.delay(notification_id).get(propagate=False)
    finally:
        app.conf.task_eager_propagates = propagates


def route(lead, **payload):
    return services.event_route(event_id=make_event(lead, **payload).id)


def test_routing_twice_creates_each_notification_once(routing):
    event = make_event(make_lead(urgency="urgent"))

    first = services.event_route(event_id=event.id)
    again = services.event_route(event_id=event.id)

    assert len(first) == 3
    assert sorted(again) == sorted(first)
    assert Notification.objects.count() == 3


def test_delivery_sends_each_message_once_and_records_the_provider_id(routing):
    for notification_id in route(make_lead(urgency="urgent")):
        tasks.deliver_notification.delay(notification_id)
        tasks.deliver_notification.delay(notification_id)  # a duplicate task changes nothing

    assert len(mail.outbox) == 2
    assert len(locmem.outbox) == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert all(Notification.objects.values_list("provider_message_id", flat=True))
    sms = Notification.objects.get(channel="sms")
    assert sms.provider_message_id == locmem.outbox[0].message_id


def test_a_transient_failure_is_retried_then_succeeds(routing, flaky):
    flaky.failures = 2
    [sms_id] = [n for n in route(make_lead(urgency="urgent")) if Notification.objects.get(pk=n).channel == "sms"]

    assert run_like_a_worker(sms_id) == "sent"

    notification = Notification.objects.get(pk=sms_id)
    assert notification.status == "sent"
    assert notification.attempts == 3
    assert len(locmem.outbox) == 1


def test_a_transient_failure_that_never_ends_fails_and_falls_back_to_email(routing, flaky, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky.failures = 99
    event = make_event(make_lead())
    sms = Notification.objects.create(event=event, recipient=routing["on_call"], channel="sms")

    assert run_like_a_worker(sms.id) == "failed"

    sms.refresh_from_db()
    assert sms.status == "failed"
    assert sms.attempts == 3
    assert "503" in sms.last_error
    fallback = Notification.objects.get(fallback_of=sms)
    assert fallback.channel == "email"
    assert fallback.status == "sent"
    assert [message.to for message in mail.outbox] == [["oncall@staff.example"]]


def test_a_permanent_failure_stops_at_once_and_falls_back(routing, flaky):
    flaky.failures, flaky.error = 99, PermanentDeliveryError
    event = make_event(make_lead())
    sms = Notification.objects.create(event=event, recipient=routing["on_call"], channel="sms")

    tasks.deliver_notification.delay(sms.id)

    sms.refresh_from_db()
    assert sms.status == "failed"
    assert sms.attempts == 1
    assert Notification.objects.get(fallback_of=sms).status == "sent"


def test_backoff_grows_exponentially_with_jitter(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS, settings.NOTIFICATION_RETRY_MAX_SECONDS = 5, 300

    delays = [tasks.backoff_seconds(retries) for retries in range(8)]

    assert 2.5 <= delays[0] <= 5
    assert 20 <= delays[3] <= 40
    assert all(150 <= delay <= 300 for delay in delays[6:])


@pytest.mark.parametrize("kind", ["lead.created", "lead.status_changed", "lead.escalated"])
def test_no_template_carries_personal_data_and_the_sms_fits_one_segment(routing, kind, settings):
    settings.ADMIN_BASE_URL = "https://admin.corerecovery-example.com"
    partner = make_partner("Longest Partner Name Behavioral Health Associates")
    lead = make_lead(kind="partner_referral", partner=partner, urgency="urgent", out_of_state=True, state="CA",
                     program_interest="unsure")  # fmt: skip
    event = make_event(lead, kind, escalation_level=2)
    notification = Notification.objects.create(event=event, recipient=routing["on_call"], channel="sms")

    message = render(notification, token=make_token(10**9))

    for part in (message.subject, message.text, message.html, message.sms):
        for value in PERSONAL:
            assert value not in part
    assert lead.reference in message.sms
    assert "URGENT" in message.sms
    assert fits_one_sms(message.sms), (len(message.sms), message.sms)
    assert "Longest Partner Name" in message.text  # the email body may name the partner
    assert "Longest Partner Name" not in message.sms


def test_one_messages_unexpected_failure_leaves_the_events_other_first_attempts_going(routing, monkeypatch):
    """The route task makes each message's first attempt itself: a bug in one must not stop the others; that one
    goes to its own deliver task instead."""
    event = make_event(make_lead(urgency="urgent"))
    real_deliver = services.notification_deliver
    broken: list[int] = []

    def deliver_once_broken(*, notification_id: int, **kwargs):
        if not broken:  # the event's first message, once
            broken.append(notification_id)
            raise RuntimeError("a bug in one message's rendering")
        return real_deliver(notification_id=notification_id, **kwargs)

    monkeypatch.setattr(services, "notification_deliver", deliver_once_broken)

    routed = tasks.route_event.delay(event.id).get()

    assert routed == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}  # the broken one via its task
    assert Notification.objects.get(pk=broken[0]).attempts == 1
    assert len(mail.outbox) + len(locmem.outbox) == 3
