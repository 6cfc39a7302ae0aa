"""GET /metrics: guarded by a bearer token, never cached, outside the OpenAPI document; and the counts it shows
after leads and their messages go through the app (Celery eager, as in the other tests)."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from leads import services as lead_services
from leads.models import Lead, LeadEvent
from notifications import tasks
from notifications.backends.base import PermanentDeliveryError
from notifications.models import Notification
from ops import metrics, middleware
from tests.factories import ProgramFactory
from tests.leads.conftest import lead_body
from tests.notifications.conftest import make_event, make_lead
from tests.ops.conftest import TOKEN

pytestmark = pytest.mark.django_db


def test_without_a_token_set_the_endpoint_does_not_exist(settings):
    settings.METRICS_TOKEN = ""

    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "authorization", ["", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer "]
)
def test_a_missing_or_wrong_token_is_refused(metrics_token, authorization):
    response = Client().get("/metrics", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"http_requests_total" not in response.content


def test_with_the_token_the_metrics_are_served_and_never_cached(metrics_token):
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    assert b"# TYPE http_requests_total counter" in response.content


def test_the_endpoint_is_not_in_the_openapi_document(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert not [path for path in schema["paths"] if "metrics" in path]


def test_requests_are_counted_by_route_template_never_by_path(api_client, scrape):
    ProgramFactory(slug="intensive-outpatient-unique-slug")
    before = scrape()

    for _ in range(3):  # the first renders, the next are warm reads answered above URL resolution
        assert api_client.get("/api/v1/programs/intensive-outpatient-unique-slug/").status_code == 200
    assert api_client.get("/api/v1/programs/no-such-program-slug/").status_code == 404
    assert api_client.get("/no/such/path/at/all-9f3").status_code == 404
    after = scrape()

    route = "api/v1/programs/{slug}/"
    assert (
        after.value("http_requests_total", route=route, method="GET", status="200")
        - before.value("http_requests_total", route=route, method="GET", status="200")
        == 3
    )
    assert (
        after.value("http_requests_total", route=route, method="GET", status="404")
        - before.value("http_requests_total", route=route, method="GET", status="404")
        == 1
    )
    assert after.value("http_requests_total", route="<unmatched>", method="GET", status="404") >= 1
    assert (
        after.value("http_request_duration_seconds_count", route=route, method="GET")
        - before.value("http_request_duration_seconds_count", route=route, method="GET")
        == 4
    )
    assert not [value for value in after.label_values() if "unique-slug" in value or "9f3" in value]
    # The first read missed the response cache; the two after it were hits.
    assert (
        after.value("content_cache_requests_total", result="hit")
        - before.value("content_cache_requests_total", result="hit")
        == 2
    )
    assert (
        after.value("content_cache_requests_total", result="miss")
        - before.value("content_cache_requests_total", result="miss")
        >= 1
    )


def _delta(before, after, name, **labels):
    return after.value(name, **labels) - before.value(name, **labels)


def test_a_warm_read_is_counted_under_the_template_it_learned_without_resolving_its_path(
    api_client, scrape, monkeypatch
):
    ProgramFactory(slug="warm-read-template-slug")
    path = "/api/v1/programs/warm-read-template-slug/"
    assert api_client.get(path).status_code == 200  # resolved and rendered: api.warm_reads learns the URL
    middleware._route_of_path.cache_clear()
    resolved = []
    monkeypatch.setattr(middleware, "resolve", resolved.append)
    before = scrape()

    warm = [api_client.get(path) for _ in range(2)]
    after = scrape()

    assert [response.status_code for response in warm] == [200, 200]
    assert [response.wsgi_request.resolver_match for response in warm] == [None, None]  # answered by api.warm_reads
    assert resolved == []
    route = "api/v1/programs/{slug}/"
    assert _delta(before, after, "http_requests_total", route=route, method="GET", status="200") == 2
    assert _delta(before, after, "http_request_duration_seconds_count", route=route, method="GET") == 2
    assert _delta(before, after, "content_cache_requests_total", result="hit") == 2


def test_leads_and_their_messages_are_counted_by_kind_source_and_channel(
    api_client, staff_routing, scrape, django_capture_on_commit_callbacks
):
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post("/api/v1/leads/", lead_body(), format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        urgent = lead_body(message="I want to end my life.")
        assert api_client.post("/api/v1/leads/", urgent, format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        spam = {**lead_body(), "website": "http://spam.example"}
        assert api_client.post("/api/v1/leads/", spam, format="json").status_code == 201
    after = scrape()

    sent = Notification.objects.filter(status="sent")
    emails, texts = sent.filter(channel="email").count(), sent.filter(channel="sms").count()
    assert emails >= 2
    assert texts >= 1
    assert _delta(before, after, "leads_received_total", kind="self", source="website") == 2
    assert _delta(before, after, "leads_spam_total") == 1
    assert _delta(before, after, "notifications_total", channel="email", status="sent") == emails
    assert _delta(before, after, "notifications_total", channel="sms", status="sent") == texts
    assert _delta(before, after, "notification_delivery_attempts_total", channel="sms", outcome="sent") == texts
    # Speed to lead: one observation per message of a new lead, fast here (no queue, no network).
    assert _delta(before, after, "lead_to_provider_seconds_count", channel="email") == emails
    assert _delta(before, after, "lead_to_provider_seconds_bucket", channel="email", le="10.0") == emails
    # One routing task a lead (spam is never routed); it makes each message's first attempt itself.
    assert _delta(before, after, "celery_tasks_total", task="notifications.route_event", state="success") == 2
    assert _delta(before, after, "http_requests_total", route="api/v1/leads/", method="POST", status="201") == 3


def test_a_refused_message_counts_as_failed_with_its_fallback(staff_routing, scrape, monkeypatch, settings):
    settings.SMS_BACKEND = "notifications.backends.locmem"
    lead = make_lead(urgency="urgent")
    event = make_event(lead)
    from notifications import services

    pending = services.event_route(event_id=event.id)
    [sms_id] = Notification.objects.filter(pk__in=pending, channel="sms", recipient__name="on-call").values_list(
        "id", flat=True
    )
    # The on-call clinician's email is what the SMS falls back to: not there yet.
    Notification.objects.filter(pk__in=pending, channel="email", recipient__name="on-call").delete()

    def refuse(self, **kwargs):
        raise PermanentDeliveryError("Twilio 400 code 21211")

    monkeypatch.setattr("notifications.backends.locmem.SMSBackend.send", refuse)
    before = scrape()

    assert tasks.deliver_notification.delay(sms_id).get() == "failed"
    after = scrape()

    assert _delta(before, after, "notifications_total", channel="sms", status="failed") == 1
    assert _delta(before, after, "notification_fallbacks_total", channel="sms") == 1
    assert _delta(before, after, "notification_delivery_attempts_total", channel="sms", outcome="permanent_error") == 1


def test_staff_response_times_are_observed_once(staff_routing, scrape, django_capture_on_commit_callbacks):
    user = get_user_model().objects.create_user(username="intake", password="x" * 12)
    lead = make_lead()
    Lead.objects.filter(pk=lead.pk).update(received_at=timezone.now() - timedelta(minutes=7))
    lead.refresh_from_db()
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        lead_services.contact_attempt_record(lead=lead, by=user, channel="call", outcome="no_answer")
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.contact_attempt_record(lead=lead, by=user, channel="call", outcome="reached")
        lead_services.lead_acknowledge(lead=lead, by=user)
    after = scrape()

    # The first attempt took the lead on too: one observation each, about 7 minutes (the 600 s bucket).
    assert _delta(before, after, "lead_to_first_contact_attempt_seconds_count") == 1
    assert _delta(before, after, "lead_to_acknowledged_seconds_count") == 1
    assert _delta(before, after, "lead_to_acknowledged_seconds_bucket", le="300.0") == 0
    assert _delta(before, after, "lead_to_acknowledged_seconds_bucket", le="600.0") == 1


def test_the_sweep_counts_what_it_reenqueued_and_escalated(staff_routing, scrape, settings):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 60
    stuck = make_event(make_lead())
    LeadEvent.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    unacknowledged = make_lead(urgency="urgent")
    Lead.objects.filter(pk=unacknowledged.pk).update(received_at=timezone.now() - timedelta(minutes=6))
    before = scrape()

    result = tasks.sweep.delay().get()
    after = scrape()

    assert result["events"] == 1
    assert result["escalations"] == 1
    assert _delta(before, after, "sweeper_requeued_total", kind="events") == 1
    assert _delta(before, after, "lead_escalations_total") == 1
    assert after.value("celery_task_last_success_timestamp_seconds", task="notifications.sweep") >= (
        timezone.now().timestamp() - 60
    )


def test_the_pipeline_gauges_say_how_long_the_oldest_rows_have_waited(staff_routing, scrape):
    waiting = make_event(make_lead())
    LeadEvent.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    routed = make_event(make_lead())
    LeadEvent.objects.filter(pk=routed.pk).update(
        created_at=timezone.now() - timedelta(hours=2), routed_at=timezone.now()
    )
    from notifications.models import Recipient

    pending = Notification.objects.create(event=routed, recipient=Recipient.objects.first(), channel="email")
    Notification.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery", "celery\x06\x166")
    broker.lpush("celery", "one", "two")
    broker.lpush("celery\x06\x166", "three")
    try:
        scraped = scrape()
    finally:
        broker.delete("celery", "celery\x06\x166")
        broker.close()

    assert 295 <= scraped.value("lead_event_oldest_unrouted_age_seconds") <= 400
    assert 175 <= scraped.value("notification_oldest_pending_age_seconds") <= 280
    assert scraped.value("celery_queue_length", queue="celery") == 3


def test_with_nothing_waiting_the_gauges_are_zero(db, scrape):
    scraped = scrape()

    assert ("lead_event_oldest_unrouted_age_seconds", frozenset()) in scraped
    assert scraped.value("lead_event_oldest_unrouted_age_seconds") == 0
    assert scraped.value("notification_oldest_pending_age_seconds") == 0


def test_the_edge_purge_hook_counts_results(db, scrape):
    before = scrape()

    metrics.edge_purge(ok=True)
    metrics.edge_purge(ok=False)
    after = scrape()

    assert _delta(before, after, "edge_purges_total", result="ok") == 1
    assert _delta(before, after, "edge_purges_total", result="failed") == 1
