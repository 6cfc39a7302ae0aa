import pytest
from django.core import mail
from twilio.request_validator import RequestValidator

from notifications import digest
from notifications.models import Notification, StaffGroup
from tests.notifications.conftest import make_event, make_lead

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/twilio/status/"


@pytest.fixture
def sent_sms(routing) -> Notification:
    return Notification.objects.create(
        event=make_event(make_lead()), recipient=routing["on_call"], channel="sms", status="sent",
        provider_message_id="SM" + "a" * 32,
    )  # fmt: skip


def callback(client, settings, params, *, token=None):
    url = settings.ADMIN_BASE_URL + URL
    signature = RequestValidator(token or settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    return client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_signed_delivered_callback_marks_the_sms_delivered_and_a_duplicate_is_harmless(client, settings, sent_sms):
    params = {"MessageSid": sent_sms.provider_message_id, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}

    first = callback(client, settings, params)
    duplicate = callback(client, settings, params)

    assert first.status_code == duplicate.status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.status == "delivered"
    assert sent_sms.delivered_at is not None


@pytest.mark.parametrize("token", ["wrong-token"])
def test_a_callback_with_a_bad_signature_is_403_and_changes_nothing(client, settings, sent_sms, token):
    params = {"MessageSid": sent_sms.provider_message_id, "MessageStatus": "delivered"}

    response = callback(client, settings, params, token=token)
    unsigned = client.post(URL, params)

    assert response.status_code == unsigned.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    sent_sms.refresh_from_db()
    assert sent_sms.status == "sent"


def test_an_undelivered_sms_fails_and_falls_back_to_email(client, settings, sent_sms):
    params = {"MessageSid": sent_sms.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}

    callback(client, settings, params)

    sent_sms.refresh_from_db()
    assert sent_sms.status == "failed"
    assert Notification.objects.get(fallback_of=sent_sms).channel == "email"


def test_the_daily_digest_gives_counts_and_references_only(routing):
    routing["admissions"].groups.add(StaffGroup.objects.get(slug="admissions-lead"))
    waiting = make_lead(program_interest="iop")
    make_lead(program_interest="php", acknowledged_at=waiting.received_at)

    sent = digest.digest_send()

    assert sent == 1
    [message] = mail.outbox
    assert message.to == ["admissions@staff.example"]
    assert "2 in the last 24 hours" in message.subject
    assert "iop: 1" in message.body
    assert "php: 1" in message.body
    assert waiting.reference in message.body
    for value in ("Wren", "6025559876", "suicidal"):
        assert value not in message.body
