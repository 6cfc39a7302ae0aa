"""Routing in batches: a route task routes the events waiting with its own, each once, each message sent once."""

import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from leads.models import LeadEvent
from notifications import messages, services, tasks
from notifications.backends import locmem
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from tests.notifications.conftest import make_event, make_lead, make_partner

pytestmark = pytest.mark.django_db


def messages_sent() -> int:
    return len(mail.outbox) + len(locmem.outbox)


def test_a_route_task_routes_and_sends_the_waiting_events_with_its_own(routing):
    events = [make_event(make_lead()) for _ in range(4)]

    routed = tasks.route_event.delay(events[0].id).get()

    assert LeadEvent.objects.filter(routed_at__isnull=True).count() == 0
    rows = Notification.objects.all()
    assert routed == len(rows) >= 4  # at least admissions' email per lead (the hour adds on-call's)
    assert {row.event_id for row in rows} == {event.id for event in events}
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    assert messages_sent() == len(rows)
    # The other events' own tasks come later and find nothing left to do: no message twice.
    assert [tasks.route_event.delay(event.id).get() for event in events[1:]] == [0, 0, 0]
    assert messages_sent() == len(rows)


def test_a_batch_takes_at_most_the_batch_size_and_the_asked_event_first(routing, settings):
    settings.NOTIFICATION_ROUTE_BATCH = 2
    older = [make_event(make_lead()) for _ in range(3)]
    asked = make_event(make_lead())

    routed = services.events_route(event_id=asked.id)

    routed_ids = set(LeadEvent.objects.filter(routed_at__isnull=False).values_list("id", flat=True))
    assert routed_ids == {asked.id, older[0].id}
    in_order = {row.pk: row.event_id for row in Notification.objects.all()}
    assert [in_order[pk] for pk in routed.notifications] == sorted(in_order.values(), key=lambda id_: id_ != asked.id)


def test_routing_a_batch_reads_the_rules_and_recipients_once_for_all_its_events(routing):
    def queries_to_route(count: int) -> int:
        events = [make_event(make_lead(urgency="urgent")) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            services.events_route(event_id=events[0].id)
        return len(captured.captured_queries)

    assert queries_to_route(1) == queries_to_route(8)


def test_an_event_another_batch_routed_gets_its_pending_messages_from_its_own_task(routing):
    """A worker that died after routing a batch and before sending: each event's own task still delivers it."""
    first, second = make_event(make_lead()), make_event(make_lead())
    services.events_route(event_id=first.id)  # the batch's routing committed; its sends never happened

    assert tasks.route_event.delay(second.id).get() == second.notifications.count()

    assert set(second.notifications.values_list("status", flat=True)) == {"sent"}
    assert messages_sent() == second.notifications.count()
    assert set(first.notifications.values_list("status", flat=True)) == {"pending"}  # its own task's, or the sweep's


def test_the_batch_returns_the_pending_webhook_deliveries_of_its_events(routing):
    partner = make_partner()
    WebhookEndpoint.objects.create(
        url="https://hooks.example.org/in", events=["referral.status_changed"], partner=partner, sealed_secret="x"
    )
    asked = make_event(make_lead())
    changed = make_event(make_lead(kind="partner_referral", partner=partner), kind="lead.status_changed",
                         status="contacted")  # fmt: skip

    routed = services.events_route(event_id=asked.id)

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.source == f"lead:{changed.id}"
    assert routed.webhook_deliveries == [delivery.id]


@pytest.mark.django_db(transaction=True)
def test_an_event_another_worker_is_routing_is_left_to_it(routing):
    asked, held, other = (make_event(make_lead()) for _ in range(3))
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def another_worker() -> None:
        try:
            with transaction.atomic():
                LeadEvent.objects.select_for_update().filter(pk=held.pk).get()
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=another_worker, daemon=True)
    thread.start()
    assert locked.wait(timeout=10)
    try:
        routed = services.events_route(event_id=asked.id)
    finally:
        release.set()
        assert done.wait(timeout=10)

    assert set(LeadEvent.objects.filter(routed_at__isnull=False).values_list("id", flat=True)) == {asked.id, other.id}
    assert sorted(routed.notifications) == sorted(Notification.objects.values_list("id", flat=True))
    assert services.events_route(event_id=held.id).notifications  # routed once released


def test_when_the_first_attempts_budget_is_spent_the_rest_go_to_deliver_tasks(routing, monkeypatch):
    events = [make_event(make_lead()) for _ in range(3)]
    handed: list[int] = []
    monkeypatch.setattr(tasks, "FIRST_ATTEMPTS_BUDGET_SECONDS", -1)
    monkeypatch.setattr(tasks.deliver_notification, "delay", handed.append)  # the broker, not run here

    tasks.route_event.delay(events[0].id).get()

    assert messages_sent() == 0
    untouched = Notification.objects.filter(status="pending", attempts=0, last_attempt_at__isnull=True)
    assert sorted(handed) == sorted(untouched.values_list("id", flat=True))
    assert len(handed) == Notification.objects.count() >= 3


def test_a_loaded_notification_is_claimed_afresh_before_it_is_sent(routing):
    email_id = services.event_route(event_id=make_event(make_lead()).id)[-1]  # SMS first, then email
    loaded = services.notifications_for_delivery(notification_ids=[email_id])[email_id]
    Notification.objects.filter(pk=email_id).update(attempts=2)  # a retry counted meanwhile

    assert services.notification_deliver(notification_id=email_id, loaded=loaded).status == "sent"
    assert Notification.objects.get(pk=email_id).attempts == 3

    # Sent since it was loaded: left alone.
    stale = services.notifications_for_delivery(notification_ids=[email_id])[email_id]
    stale.status = "pending"
    assert services.notification_deliver(notification_id=email_id, loaded=stale).status == "skipped"
    assert messages_sent() == 1


def test_a_send_renders_only_its_channels_texts_and_the_same_texts_as_a_full_render(routing):
    [*ids] = services.event_route(event_id=make_event(make_lead(urgency="urgent")).id)
    notification = Notification.objects.select_related("event__lead__partner").get(pk=ids[0])

    full = messages.render(notification, token="t0k")
    sms = messages.render(notification, token="t0k", channel="sms")
    email = messages.render(notification, token="t0k", channel="email")

    assert (sms.sms, sms.subject, sms.text, sms.html) == (full.sms, "", "", "")
    assert (email.subject, email.text, email.html, email.sms) == (full.subject, full.text, full.html, "")
    assert locmem.outbox == []


def test_the_task_of_an_event_already_routed_reads_what_is_pending_in_one_query(routing):
    event = make_event(make_lead(urgency="urgent"))
    first = services.event_route(event_id=event.id)
    Notification.objects.filter(pk=first[-1]).update(status="sent")

    with CaptureQueriesContext(connection) as captured:
        again = services.events_route(event_id=event.id)

    assert len(captured.captured_queries) == 1  # no transaction, no lock: routing is final
    assert again.notifications == first[:-1]  # SMS first, as the first routing ordered them
    assert again.webhook_deliveries == []


def test_a_routed_referral_status_change_still_returns_its_pending_webhook_delivery(routing):
    partner = make_partner()
    WebhookEndpoint.objects.create(
        url="https://hooks.example.org/in", events=["referral.status_changed"], partner=partner, sealed_secret="x"
    )
    changed = make_event(make_lead(kind="partner_referral", partner=partner), kind="lead.status_changed",
                         status="contacted")  # fmt: skip
    services.events_route(event_id=changed.id)

    [delivery] = WebhookDelivery.objects.all()
    assert services.events_route(event_id=changed.id).webhook_deliveries == [delivery.id]


def test_the_task_of_an_event_already_routed_routes_the_events_waiting(routing):
    """In a burst the queue holds many tasks of routed events: each must route what waits, not leave it behind."""
    routed = make_event(make_lead())
    services.events_route(event_id=routed.id)
    waiting = make_event(make_lead())

    tasks.route_event.delay(routed.id).get()

    assert waiting.notifications.exists()
    assert set(waiting.notifications.values_list("status", flat=True)) == {"sent"}
