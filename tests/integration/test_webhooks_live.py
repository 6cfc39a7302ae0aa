"""Webhooks with nothing mocked in our code: PostgreSQL → Redis → a real Celery worker → an HTTP receiver on
127.0.0.1, for a publication now, a scheduled one, and a partner's referral whose status changes."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from leads.models import Lead
from leads.services import lead_change_status
from notifications.models import WebhookDelivery
from notifications.webhooks import webhook_endpoint_create
from tests.factories import ArticleFactory, ProgramFactory
from tests.integration.fixtures import start_stack
from tests.integration.harness import http_post, wait_for
from tests.leads.conftest import make_key, referral_body
from tests.notifications.conftest import make_partner

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CONTENT_EVENTS = ["content.published", "content.updated", "content.unpublished"]


def test_a_real_worker_delivers_signed_content_and_referral_events(
    launcher, config, shared_broker, staff, receiver, second_receiver, settings
):
    stack = start_stack(
        launcher, config, shared_broker, WEBHOOK_ALLOW_HTTP="true", WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true"
    )
    # This test process changes content and statuses itself; the worker learns of them from the outbox,
    # through the sweeps that beat runs every minute (sent here by hand).
    settings.CONTENT_EVENT_PUBLISHER = ""
    settings.LEAD_EVENT_PUBLISHER = ""
    ProgramFactory(slug="php")
    partner = make_partner("Valley Clinic")
    _, site_secret = webhook_endpoint_create(url=receiver.url, events=CONTENT_EVENTS)
    _, partner_secret = webhook_endpoint_create(
        url=second_receiver.url, events=["referral.status_changed"], partner=partner
    )

    ArticleFactory(slug="now")  # the program above, saved before any endpoint existed, is announced too
    # Far enough ahead that the first sweep, on a slow machine too, runs before the item goes live.
    go_live = timezone.now() + timedelta(seconds=8)
    ArticleFactory(slug="scheduled", publish_at=go_live)
    stack.probe.send("notifications.sweep_webhooks")
    wait_for(lambda: len(receiver.received) == 2, timeout=15, what="the first webhooks")
    stack.probe.wait_drained()
    assert sorted(request.json()["data"]["slug"] for request in receiver.received) == ["now", "php"]

    time.sleep(max(0.0, (go_live - timezone.now()).total_seconds()) + 0.5)
    stack.probe.send("notifications.sweep_webhooks")
    wait_for(lambda: len(receiver.received) == 3, timeout=15, what="the scheduled publication's webhook")
    for request in receiver.received:
        assert Webhook(site_secret).verify(request.body, request.headers)["type"] == "content.published"
    assert receiver.received[2].json()["data"]["slug"] == "scheduled"  # only once its time had come

    # A partner's referral, over HTTP with its key; its status changes; the partner hears, no one else.
    key = make_key(partner, ["referrals:write", "referrals:read"])
    reply = http_post(
        stack.base_url + "/api/v1/referrals/",
        json.dumps(referral_body()).encode(),
        {"Content-Type": "application/json", "Authorization": f"Api-Key {key.key}"},
    )
    assert reply.status == 201, reply.status
    reference = reply.json()["reference"]
    lead_change_status(lead=Lead.objects.get(reference=reference), to_status="contacted")
    stack.probe.send("notifications.sweep")
    wait_for(lambda: second_receiver.received, timeout=15, what="the referral webhook")
    stack.probe.wait_drained()

    [request] = second_receiver.received
    payload = Webhook(partner_secret).verify(request.body, request.headers)
    assert payload["type"] == "referral.status_changed"
    assert payload["data"] == {"reference": reference, "status": "contacted"}
    assert b"Casey" not in request.body
    assert len(receiver.received) == 3  # the website heard nothing of the referral
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
