"""Staff manage webhook endpoints in the admin: the secret is shown once, rotated, deliveries redelivered."""

import re

import pytest
from django.urls import reverse
from standardwebhooks import Webhook

from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import ArticleFactory
from tests.notifications.conftest import make_partner

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ops", "ops@example.org", "a-long-test-password"))
    return client


def _shown_once(response) -> list[str]:
    """The secrets on the page that shows them, checked to be kept by no one: no cache, no cookie."""
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secrets = SECRET.findall(response.content.decode())
    assert all(secret not in morsel.value for morsel in response.cookies.values() for secret in secrets)
    return secrets


def test_adding_an_endpoint_shows_its_secret_once_and_the_secret_signs(
    staff_client, receiver, django_capture_on_commit_callbacks
):
    response = staff_client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"url": receiver.url, "events": ["content.published"], "description": "Website", "is_active": "on"},
    )
    [secret] = _shown_once(response)
    endpoint = WebhookEndpoint.objects.get()
    change_page = staff_client.get(reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]))
    assert secret not in change_page.content.decode()  # never shown again

    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory()
    [request] = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "content.published"


def test_the_form_refuses_a_private_address_and_referral_events_for_the_website(staff_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = staff_client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"url": "http://169.254.169.254/latest/", "events": ["referral.status_changed"], "is_active": "on"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "non-public address" in str(errors["url"])
    assert not WebhookEndpoint.objects.exists()

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    response = staff_client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"url": "http://127.0.0.1:9/hook", "events": ["referral.status_changed"], "is_active": "on"},
    )
    assert "partner" in str(response.context["adminform"].form.errors["events"])
    partner = make_partner()
    response = staff_client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"url": "http://127.0.0.1:9/hook", "events": ["referral.status_changed"], "partner": partner.pk,
         "is_active": "on"},
    )  # fmt: skip
    assert len(_shown_once(response)) == 1
    assert WebhookEndpoint.objects.get().partner == partner


def test_rotating_shows_the_new_secret_once_and_both_sign_during_the_overlap(
    staff_client, receiver, django_capture_on_commit_callbacks
):
    from notifications.webhooks import webhook_endpoint_create

    endpoint, old_secret = webhook_endpoint_create(url=receiver.url, events=["content.published"])
    response = staff_client.post(
        reverse("admin:notifications_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    [new_secret] = _shown_once(response)
    assert new_secret != old_secret
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory()
    [request] = receiver.received
    assert Webhook(old_secret).verify(request.body, request.headers)
    assert Webhook(new_secret).verify(request.body, request.headers)


def test_redeliver_sends_again_with_the_same_webhook_id(staff_client, receiver, django_capture_on_commit_callbacks):
    from notifications.webhooks import webhook_endpoint_create

    webhook_endpoint_create(url=receiver.url, events=["content.published"])
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory()
    delivery = WebhookDelivery.objects.get(status="delivered")

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:notifications_webhookdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2
    page = staff_client.get(reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert "200" in page.content.decode()


def test_view_only_staff_cannot_rotate_or_redeliver(client, django_user_model, receiver):
    from django.contrib.auth.models import Permission

    from notifications.webhooks import webhook_endpoint_create

    endpoint, _ = webhook_endpoint_create(url=receiver.url, events=["content.published"])
    viewer = django_user_model.objects.create_user("viewer", "viewer@example.org", "a-long-test-password",
                                                   is_staff=True)  # fmt: skip
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_webhookendpoint"]))
    client.force_login(viewer)
    before = endpoint.sealed_secret
    client.post(
        reverse("admin:notifications_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.sealed_secret == before


def test_rotating_the_lead_keys_reseals_webhook_secrets_too(settings):
    from cryptography.fernet import Fernet, InvalidToken
    from django.core.management import call_command

    from notifications.webhooks import signing_secrets, webhook_endpoint_create, webhook_secret_rotate

    endpoint, first = webhook_endpoint_create(url="http://127.0.0.1:9/hook", events=["content.published"])
    second = webhook_secret_rotate(endpoint=endpoint)
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_lead_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]

    endpoint.refresh_from_db()
    from django.utils import timezone

    assert signing_secrets(endpoint, now=timezone.now()) == [second, first]
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(InvalidToken):
        signing_secrets(endpoint, now=timezone.now())


def test_editing_an_endpoint(staff_client, settings, receiver):
    from notifications.webhooks import webhook_endpoint_create

    partner_a, partner_b = make_partner("Partner A"), make_partner("Partner B")
    endpoint, _ = webhook_endpoint_create(url=receiver.url, events=["referral.status_changed"], partner=partner_a)
    pending = WebhookDelivery.objects.create(endpoint=endpoint, source="lead:1", message_id="msg_pending",
                                             event_type="referral.status_changed", payload="{}")  # fmt: skip
    endpoint.is_active, endpoint.disabled_reason = False, "The receiver answered 410 Gone."
    endpoint.save()
    url = reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk])
    form = {"url": receiver.url, "events": ["referral.status_changed"], "partner": partner_a.pk, "is_active": "on"}

    # The URL has not changed: it is not resolved again, so a now-unresolvable host could still be edited.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert staff_client.post(url, form).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (True, "")  # enabled again, reason cleared
    pending.refresh_from_db()
    assert pending.status == "pending"

    # Given to another partner: what was pending was partner A's, and is cancelled.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    assert staff_client.post(url, {**form, "partner": partner_b.pk}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == "cancelled"
