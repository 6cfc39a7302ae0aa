"""Outgoing webhooks against a receiver on 127.0.0.1: signatures, retries, 410, rotation, SSRF, isolation."""

import itertools
import json
import re
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from content import services as content_services
from content.models import ContentEvent, PublicationStatus
from leads.crypto import seal
from leads.services import lead_change_status
from notifications import webhooks
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import ArticleFactory, ProgramFactory, TherapyFactory
from tests.notifications.conftest import make_lead, make_partner

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
CONTENT_EVENTS = ["content.published", "content.updated", "content.unpublished"]


def _doc_snippet(language: str) -> str:
    """The receiver example of the docs in `language`, exactly as a reader copies it."""
    blocks = re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    return next(block for block in blocks if "def verify" in block or "function verify" in block)


def docs_python_verify(secret: str, request, *, now: float | None = None) -> bool:
    namespace: dict = {}
    exec(_doc_snippet("python"), namespace)
    if now is not None:
        namespace["time"] = SimpleNamespace(time=lambda: now)
    return namespace["verify"](secret, request.headers, request.body)


def docs_javascript_verify(tmp_path: Path, secret: str, request, *, now: float | None = None) -> bool:
    (tmp_path / "verify.js").write_text(_doc_snippet("javascript"))
    (tmp_path / "run.js").write_text(
        "const { verify } = require('./verify.js');\n"
        "const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));\n"
        "if (input.now !== null) Date.now = () => input.now * 1000;\n"
        "process.stdout.write(String(verify(input.secret, input.headers, Buffer.from(input.body, 'base64'))));\n"
    )
    import base64

    payload = {
        "secret": secret,
        "headers": request.headers,
        "body": base64.b64encode(request.body).decode(),
        "now": now,
    }
    node = shutil.which("node")
    assert node, "Node.js is needed to run the documented JavaScript receiver"
    result = subprocess.run(
        [node, str(tmp_path / "run.js")], input=json.dumps(payload), capture_output=True, text=True, check=True
    )
    return result.stdout == "true"


def _endpoint(url: str, events: list[str], partner=None) -> tuple[WebhookEndpoint, str]:
    return webhooks.webhook_endpoint_create(url=url, events=events, partner=partner)


def _publish_article(capture, **fields):
    with capture(execute=True):
        return ArticleFactory(**fields)


# --- signatures ----------------------------------------------------------------------------------------


def test_a_delivery_is_signed_so_the_documented_receivers_and_the_standard_library_verify_it(
    receiver, django_capture_on_commit_callbacks, tmp_path
):
    endpoint, secret = _endpoint(receiver.url, CONTENT_EVENTS)
    _publish_article(django_capture_on_commit_callbacks, slug="managing-anxiety")

    [request] = receiver.received
    assert set(request.headers) >= {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["webhook-signature"].startswith("v1,")
    assert docs_python_verify(secret, request)
    assert docs_javascript_verify(tmp_path, secret, request)
    assert Webhook(secret).verify(request.body, request.headers)["data"]["slug"] == "managing-anxiety"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.message_id) == ("delivered", 1, request.headers["webhook-id"])


def test_a_tampered_body_or_signature_or_another_secret_fails_verification(
    receiver, django_capture_on_commit_callbacks, tmp_path
):
    _, secret = _endpoint(receiver.url, CONTENT_EVENTS)
    _publish_article(django_capture_on_commit_callbacks)
    [request] = receiver.received

    tampered_body = type(request)(request.path, request.headers, request.body.replace(b"published", b"unpublished"))
    forged = type(request)(request.path, {**request.headers, "webhook-signature": "v1," + "A" * 44}, request.body)
    other_id = type(request)(request.path, {**request.headers, "webhook-id": "msg_other"}, request.body)
    for bad in (tampered_body, forged, other_id):
        assert not docs_python_verify(secret, bad)
        assert not docs_javascript_verify(tmp_path, secret, bad)
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(bad.body, bad.headers)
    _, other_secret = _endpoint(receiver.url, CONTENT_EVENTS)
    assert not docs_python_verify(other_secret, request)


def test_a_message_older_than_five_minutes_fails_verification(receiver, django_capture_on_commit_callbacks, tmp_path):
    _, secret = _endpoint(receiver.url, CONTENT_EVENTS)
    _publish_article(django_capture_on_commit_callbacks)
    [request] = receiver.received
    sent_at = int(request.headers["webhook-timestamp"])
    assert abs(sent_at - time.time()) < 60

    assert docs_python_verify(secret, request, now=sent_at + 4 * 60)
    assert not docs_python_verify(secret, request, now=sent_at + 5 * 60 + 1)
    assert docs_javascript_verify(tmp_path, secret, request, now=sent_at + 4 * 60)
    assert not docs_javascript_verify(tmp_path, secret, request, now=sent_at + 5 * 60 + 1)


# --- retries, backoff, 410 ---------------------------------------------------------------------------


def test_a_failed_attempt_is_retried_with_growing_delays_under_the_same_webhook_id(
    receiver, django_capture_on_commit_callbacks
):
    _, secret = _endpoint(receiver.url, CONTENT_EVENTS)
    receiver.answer_next(500, 503, body=b"upstream down")
    _publish_article(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    first_wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 25 <= first_wait <= 34  # 30 s ± 10%

    # Not due yet: the sweep leaves it; once due, the sweep hands it to a worker.
    assert delivery.id not in webhooks.webhooks_sweep().deliveries
    later = delivery.next_attempt_at + timedelta(seconds=1)
    assert delivery.id in webhooks.webhooks_sweep(now=later).deliveries
    assert webhooks.webhook_deliver(delivery_id=delivery.id, now=later).status == "retrying"
    delivery.refresh_from_db()
    second_wait = (delivery.next_attempt_at - later).total_seconds()
    assert 100 <= second_wait <= 135  # 2 min ± 10%: the delay grows

    even_later = delivery.next_attempt_at + timedelta(seconds=1)
    assert webhooks.webhook_deliver(delivery_id=delivery.id, now=even_later).status == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert [attempt.status_code for attempt in WebhookAttempt.objects.filter(delivery=delivery)] == [500, 503, 200]
    assert WebhookAttempt.objects.filter(delivery=delivery).first().response_excerpt == "upstream down"
    assert len({request.headers["webhook-id"] for request in receiver.received}) == 1
    assert all(Webhook(secret).verify(request.body, request.headers) for request in receiver.received)


def test_a_delivery_not_due_is_not_sent_early_even_if_enqueued_twice(receiver, django_capture_on_commit_callbacks):
    _endpoint(receiver.url, CONTENT_EVENTS)
    receiver.answer_next(500)
    _publish_article(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.webhook_deliver(delivery_id=delivery.id).status == "skipped"
    assert len(receiver.received) == 1


def test_the_backoff_grows_fourfold_to_a_cap_and_spans_about_a_day():
    delays = [webhooks.retry_delay(attempt) for attempt in range(1, 10)]  # the waits between ten attempts
    assert 27 <= delays[0] <= 33
    for shorter, longer in itertools.pairwise(delays[:5]):
        assert 3 * shorter < longer < 5 * shorter
    assert all(6 * 3600 * 0.9 <= delay <= 6 * 3600 * 1.1 for delay in delays[5:])
    assert 24 * 3600 <= sum(delays) <= 30 * 3600


@override_settings(WEBHOOK_MAX_ATTEMPTS=2)
def test_after_the_last_attempt_the_delivery_is_failed_and_not_swept_again(
    receiver, django_capture_on_commit_callbacks
):
    _endpoint(receiver.url, CONTENT_EVENTS)
    receiver.answer_next(500, 500)
    _publish_article(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    later = delivery.next_attempt_at + timedelta(seconds=1)
    assert webhooks.webhook_deliver(delivery_id=delivery.id, now=later).status == "failed"
    assert webhooks.webhooks_sweep(now=later + timedelta(days=2)).deliveries == []
    assert len(receiver.received) == 2


def test_a_410_answer_disables_the_endpoint_and_cancels_what_was_pending(receiver, django_capture_on_commit_callbacks):
    endpoint, _ = _endpoint(receiver.url, CONTENT_EVENTS)
    receiver.answer_next(500)
    _publish_article(django_capture_on_commit_callbacks, slug="first")
    receiver.answer_next(410)
    _publish_article(django_capture_on_commit_callbacks, slug="second")

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "410" in endpoint.disabled_reason
    statuses = dict(WebhookDelivery.objects.values_list("payload", "status"))
    assert sorted(statuses.values()) == ["cancelled", "failed"]
    _publish_article(django_capture_on_commit_callbacks, slug="third")
    assert len(receiver.received) == 2  # nothing more is sent to it
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver, django_capture_on_commit_callbacks):
    _endpoint(receiver.url, CONTENT_EVENTS)
    receiver.answer_next(307)
    _publish_article(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("pending", 307)
    assert len(receiver.received) == 1


def test_an_unreachable_receiver_is_a_logged_failed_attempt(django_capture_on_commit_callbacks):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _endpoint(f"http://127.0.0.1:{port}/hook", CONTENT_EVENTS)
    _publish_article(django_capture_on_commit_callbacks)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error
    assert WebhookDelivery.objects.get().status == "pending"


# --- rotation ----------------------------------------------------------------------------------------


def test_during_a_rotation_both_secrets_verify_and_after_the_overlap_only_the_new_one(
    receiver, django_capture_on_commit_callbacks
):
    endpoint, old_secret = _endpoint(receiver.url, CONTENT_EVENTS)
    new_secret = webhooks.webhook_secret_rotate(endpoint=endpoint, overlap=timedelta(hours=24))
    assert new_secret != old_secret
    assert new_secret.startswith("whsec_")
    _publish_article(django_capture_on_commit_callbacks, slug="during")
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split()) == 2
    assert docs_python_verify(old_secret, during)
    assert docs_python_verify(new_secret, during)

    endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    endpoint.save(update_fields=["previous_secret_expires_at"])
    _publish_article(django_capture_on_commit_callbacks, slug="after")
    after = receiver.received[-1]
    assert len(after.headers["webhook-signature"].split()) == 1
    assert docs_python_verify(new_secret, after)
    assert not docs_python_verify(old_secret, after)


def test_the_secret_is_sealed_at_rest(receiver):
    endpoint, secret = _endpoint(receiver.url, CONTENT_EVENTS)
    stored = WebhookEndpoint.objects.filter(pk=endpoint.pk).values_list("sealed_secret", flat=True).get()
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored


# --- SSRF guard -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.5/hook",
        "https://172.16.3.4/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://224.0.0.1/hook",
        "http://93.184.215.14/hook",  # public, but not https
        "https://user:secret@93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "https:///no-host",
        # IPv6 forms that carry an IPv4 address (NAT64, 6to4, IPv4-compatible): 169.254.169.254, 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/hook",
        "https://[64:ff9b:1::a9fe:a9fe]/hook",
        "https://[2002:7f00:1::]/hook",
        "https://[::7f00:1]/hook",
    ],
)
@override_settings(WEBHOOK_ALLOW_HTTP=False, WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
def test_endpoints_on_non_public_addresses_or_without_https_are_refused(url):
    with pytest.raises(ValidationError) as caught:
        _endpoint(url, CONTENT_EVENTS)
    assert "url" in caught.value.message_dict
    assert not WebhookEndpoint.objects.exists()


@override_settings(WEBHOOK_ALLOW_HTTP=False, WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize("url", ["https://93.184.215.14/hooks", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/"])
def test_a_public_https_address_is_accepted(url):
    endpoint, _ = _endpoint(url, CONTENT_EVENTS)
    assert endpoint.pk is not None


def test_each_address_of_the_host_is_tried_until_one_answers(receiver, django_capture_on_commit_callbacks, monkeypatch):
    import socket

    port = int(receiver.url.split(":")[2].split("/")[0])
    real_getaddrinfo = socket.getaddrinfo

    def two_addresses(host, *args, **kwargs):  # the resolver, outside this machine in real life
        if host == "hooks.multi.example":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in ("127.0.0.2", "127.0.0.1")
            ]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    with socket.socket() as probe:  # nothing listens on 127.0.0.2 at that port
        assert probe.connect_ex(("127.0.0.2", port)) != 0
    _endpoint(f"http://hooks.multi.example:{port}/hooks/core-recovery", CONTENT_EVENTS)
    _publish_article(django_capture_on_commit_callbacks)

    [request] = receiver.received
    assert request.headers["host"] == f"hooks.multi.example:{port}"
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_failure_of_ours_before_the_request_is_a_failed_attempt_retried_later(
    receiver, django_capture_on_commit_callbacks, settings
):
    from cryptography.fernet import Fernet

    _endpoint(receiver.url, CONTENT_EVENTS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the key that sealed the secret is gone
    _publish_article(django_capture_on_commit_callbacks)

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at > timezone.now()  # counted and scheduled: never a tight loop
    assert WebhookAttempt.objects.get().error == "error: InvalidToken"


def test_a_republished_item_is_announced_now_not_at_its_first_publication(receiver, django_capture_on_commit_callbacks):
    _endpoint(receiver.url, CONTENT_EVENTS)
    article = _publish_article(django_capture_on_commit_callbacks, publish_at=timezone.now() - timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        content_services.content_unpublish(item=article)
        content_services.content_publish(item=article)
    republished = receiver.received[-1].json()
    assert republished["type"] == "content.published"
    sent_at = timezone.datetime.fromisoformat(republished["timestamp"])
    assert abs((timezone.now() - sent_at).total_seconds()) < 60


def test_the_guard_runs_again_before_every_attempt(receiver, django_capture_on_commit_callbacks):
    _endpoint(receiver.url, CONTENT_EVENTS)  # allowed when saved (the test settings' loopback receiver)
    with override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False):
        _publish_article(django_capture_on_commit_callbacks)
    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.error.startswith("refused:")
    assert attempt.status_code is None


# --- partners: their own referrals only, no personal data --------------------------------------------


def _referral(partner, reference: str):
    return make_lead(
        reference=reference,
        kind="partner_referral",
        partner=partner,
        sealed=seal({"first_name": "Juniper", "last_name": "Quill", "phone": "+16025550187",
                     "email": "juniper.quill@example.com", "message": "Panic attacks since the accident"}),
    )  # fmt: skip


def test_a_partner_hears_only_of_its_own_referrals(receiver, second_receiver, django_capture_on_commit_callbacks):
    partner_a, partner_b = make_partner("Partner A"), make_partner("Partner B")
    _, secret_a = _endpoint(receiver.url, ["referral.status_changed"], partner=partner_a)
    _endpoint(second_receiver.url, ["referral.status_changed"], partner=partner_b)
    site_endpoint, _ = _endpoint(second_receiver.url, CONTENT_EVENTS)
    lead_a = _referral(partner_a, "L-AAAAAA")

    with django_capture_on_commit_callbacks(execute=True):
        lead_change_status(lead=lead_a, to_status="contacted")

    [request] = receiver.received
    assert Webhook(secret_a).verify(request.body, request.headers) == {
        "type": "referral.status_changed",
        "timestamp": request.json()["timestamp"],
        "data": {"reference": "L-AAAAAA", "status": "contacted"},
    }
    assert second_receiver.received == []  # neither partner B's endpoint nor the website's
    assert not WebhookDelivery.objects.filter(endpoint=site_endpoint).exists()


def test_a_self_referred_lead_makes_no_partner_event(receiver, django_capture_on_commit_callbacks):
    _endpoint(receiver.url, ["referral.status_changed"], partner=make_partner())
    lead = make_lead(reference="L-SELF01")
    with django_capture_on_commit_callbacks(execute=True):
        lead_change_status(lead=lead, to_status="contacted")
    assert receiver.received == []


def test_the_website_cannot_subscribe_to_referral_events():
    with pytest.raises(ValidationError) as caught:
        _endpoint("http://127.0.0.1:9/hook", ["referral.status_changed"])
    assert "events" in caught.value.message_dict
    with pytest.raises(ValidationError):
        _endpoint("http://127.0.0.1:9/hook", ["lead.created"])


def test_no_payload_carries_personal_data(receiver, django_capture_on_commit_callbacks):
    partner = make_partner()
    _endpoint(receiver.url, ["referral.status_changed", *CONTENT_EVENTS], partner=partner)
    lead = _referral(partner, "L-PRIV01")
    with django_capture_on_commit_callbacks(execute=True):
        lead_change_status(lead=lead, to_status="contacted", note="Spoke with Juniper Quill at +16025550187")
        lead_change_status(lead=lead, to_status="assessment_scheduled")
    program = _publish_article(django_capture_on_commit_callbacks)
    assert program is not None

    bodies = [request.body.decode() for request in receiver.received]
    bodies += list(WebhookDelivery.objects.values_list("payload", flat=True))
    assert len(receiver.received) == 3
    for body in bodies:
        for personal in ("Juniper", "Quill", "5550187", "juniper.quill", "Panic", "accident"):
            assert personal not in body
        payload = json.loads(body)
        assert set(payload) == {"type", "timestamp", "data"}
        assert set(payload["data"]) in ({"reference", "status"}, {"type", "slug", "paths"})
    excerpts = WebhookAttempt.objects.values_list("response_excerpt", flat=True)
    assert all("Juniper" not in excerpt for excerpt in excerpts)


# --- content events -----------------------------------------------------------------------------------


def test_publish_edit_and_unpublish_send_the_matching_events_with_the_paths_to_refresh(
    receiver, django_capture_on_commit_callbacks
):
    _endpoint(receiver.url, CONTENT_EVENTS)
    with django_capture_on_commit_callbacks(execute=True):
        cbt = TherapyFactory(slug="cbt", name="CBT")
    with django_capture_on_commit_callbacks(execute=True):
        iop = ProgramFactory(slug="iop", status=PublicationStatus.DRAFT, publish_at=None)
        iop.therapies.add(cbt)
    assert receiver.of_type("content.published")[-1].json()["data"]["slug"] == "cbt"
    assert len(receiver.received) == 1  # a draft makes no event

    with django_capture_on_commit_callbacks(execute=True):
        content_services.content_publish(item=iop)
    published = receiver.received[-1].json()
    assert published["type"] == "content.published"
    assert published["data"] == {
        "type": "program",
        "slug": "iop",
        "paths": ["/faqs/", "/programs/", "/programs/iop/", "/therapies/", "/therapies/cbt/"],
    }

    with django_capture_on_commit_callbacks(execute=True):
        iop.slug = "intensive-outpatient"
        content_services.content_save(item=iop)
    updated = receiver.received[-1].json()
    assert updated["type"] == "content.updated"
    assert {"/programs/iop/", "/programs/intensive-outpatient/"} <= set(updated["data"]["paths"])

    with django_capture_on_commit_callbacks(execute=True):
        content_services.content_unpublish(item=iop)
    unpublished = receiver.received[-1].json()
    assert unpublished["type"] == "content.unpublished"
    assert "/programs/intensive-outpatient/" in unpublished["data"]["paths"]

    with django_capture_on_commit_callbacks(execute=True):
        iop.summary = "Edited while a draft."
        content_services.content_save(item=iop)
    assert receiver.received[-1].json()["type"] == "content.unpublished"  # no event for a draft edit


def test_an_endpoint_gets_only_the_events_it_subscribed_to(receiver, django_capture_on_commit_callbacks):
    _endpoint(receiver.url, ["content.unpublished"])
    article = _publish_article(django_capture_on_commit_callbacks)
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        content_services.content_archive(item=article)
    assert [request.json()["type"] for request in receiver.received] == ["content.unpublished"]


def test_deleting_a_live_item_announces_it_unpublished(receiver, django_capture_on_commit_callbacks):
    _endpoint(receiver.url, CONTENT_EVENTS)
    article = _publish_article(django_capture_on_commit_callbacks, slug="gone")
    with django_capture_on_commit_callbacks(execute=True):
        content_services.content_delete(item=article)
    last = receiver.received[-1].json()
    assert (last["type"], last["data"]["slug"]) == ("content.unpublished", "gone")


def test_a_scheduled_item_announces_itself_when_it_goes_live(receiver, django_capture_on_commit_callbacks):
    _endpoint(receiver.url, CONTENT_EVENTS)
    go_live = timezone.now() + timedelta(hours=2)
    _publish_article(django_capture_on_commit_callbacks, slug="later", publish_at=go_live)
    assert receiver.received == []
    assert webhooks.webhooks_sweep().content_events == []  # never before its time

    due = webhooks.webhooks_sweep(now=go_live + timedelta(seconds=30)).content_events
    assert len(due) == 1
    for delivery_id in webhooks.content_event_route(event_id=due[0], now=go_live + timedelta(seconds=30)):
        webhooks.webhook_deliver(delivery_id=delivery_id, now=go_live + timedelta(seconds=30))
    [request] = receiver.received
    assert request.json()["type"] == "content.published"
    assert request.json()["data"]["slug"] == "later"
    assert request.json()["timestamp"] == go_live.isoformat()


def test_rescheduling_or_unpublishing_a_scheduled_item_replaces_its_pending_announcement(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(publish_at=timezone.now() + timedelta(hours=2))
        article.publish_at = timezone.now() + timedelta(days=1)
        content_services.content_save(item=article)
    assert list(ContentEvent.objects.filter(routed_at__isnull=True).values_list("due_at", flat=True)) == [
        article.publish_at
    ]
    with django_capture_on_commit_callbacks(execute=True):
        content_services.content_unpublish(item=article)
    assert not ContentEvent.objects.filter(routed_at__isnull=True).exists()


@override_settings(CONTENT_EVENT_PUBLISHER="tests.notifications.test_outgoing_webhooks.broker_down")
def test_a_broker_outage_never_fails_the_save_and_the_sweep_delivers_later(
    receiver, django_capture_on_commit_callbacks
):
    _endpoint(receiver.url, CONTENT_EVENTS)
    article = _publish_article(django_capture_on_commit_callbacks, slug="saved-anyway")
    assert article.pk is not None
    assert receiver.received == []

    [event_id] = webhooks.webhooks_sweep().content_events
    for delivery_id in webhooks.content_event_route(event_id=event_id):
        webhooks.webhook_deliver(delivery_id=delivery_id)
    assert receiver.received[0].json()["data"]["slug"] == "saved-anyway"
    # A second run of the routing creates nothing twice.
    assert webhooks.content_event_route(event_id=event_id) == []
    assert WebhookDelivery.objects.count() == 1


def broker_down(event_id: int) -> None:
    raise ConnectionError("broker unreachable")
