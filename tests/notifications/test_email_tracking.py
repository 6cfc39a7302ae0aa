"""Email delivery reports through django-anymail: its real webhook views, the ESPs' real payloads, its checks.

Sending goes through anymail's real Postmark backend to a fake Postmark API on 127.0.0.1, so the id stored on
the row is the one the ESP gave; the reports come in through Django's test client as the ESP would post them.
"""

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from notifications import services
from notifications.backends import locmem
from notifications.models import Notification
from tests.notifications.conftest import make_event, make_lead

pytestmark = pytest.mark.django_db

POSTMARK_TOKEN = "test-postmark-server-token"
WEBHOOK_SECRET = "anymail-user:a-long-random-webhook-password"
MAILGUN_SIGNING_KEY = "test-mailgun-webhook-signing-key"


class FakePostmark(ThreadingHTTPServer):
    """Postmark's POST /email, as far as anymail's backend needs: checks the token, answers a MessageID."""

    daemon_threads = True

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        super().__init__(("127.0.0.1", 0), _PostmarkHandler)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _PostmarkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        server: FakePostmark = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if self.headers.get("X-Postmark-Server-Token") != POSTMARK_TOKEN or self.path != "/email":
            self._reply(401, {"ErrorCode": 10, "Message": "No Account or Server API tokens were supplied"})
            return
        message_id = str(uuid.uuid4())
        server.sent.append({"to": body["To"], "subject": body["Subject"], "message_id": message_id})
        self._reply(
            200,
            {"To": body["To"], "SubmittedAt": "2026-11-28T08:00:00Z", "MessageID": message_id, "ErrorCode": 0,
             "Message": "OK"},
        )  # fmt: skip

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def postmark(settings, monkeypatch) -> Iterator[FakePostmark]:
    server = FakePostmark()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # requests must reach the fake, never a proxy
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": POSTMARK_TOKEN,
        "POSTMARK_API_URL": server.url,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY,
    }
    yield server
    server.close()


def basic_auth(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def sent_email(routing, postmark: FakePostmark) -> Notification:
    """An email notification to admissions, sent through anymail's Postmark backend (to the fake)."""
    event = make_event(make_lead())
    notification = Notification.objects.create(event=event, recipient=routing["admissions"], channel="email")
    assert services.notification_deliver(notification_id=notification.id).status == "sent"
    notification.refresh_from_db()
    return notification


def post_postmark(client, payload: dict[str, Any], credentials: str = WEBHOOK_SECRET):
    return client.post(
        reverse("anymail:postmark_tracking_webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(credentials),
    )


def postmark_delivery(message_id: str) -> dict[str, Any]:
    # Postmark's Delivery webhook, as its documentation shows it.
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": "admissions@staff.example",
        "Tag": "",
        "DeliveredAt": "2026-11-28T08:01:02.9070259Z",
        "Details": "smtp;250 2.0.0 OK",
        "Metadata": {},
    }


def postmark_bounce(message_id: str, bounce_type: str = "HardBounce") -> dict[str, Any]:
    # Postmark's Bounce webhook, as its documentation shows it.
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": bounce_type,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "admissions@staff.example",
        "From": "no-reply@corerecovery.example",
        "BouncedAt": "2026-11-28T08:01:02.9070259Z",
        "DumpAvailable": False,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "New lead",
    }


def test_the_esps_message_id_is_stored_on_the_row(routing, postmark):
    notification = sent_email(routing, postmark)

    assert len(postmark.sent) == 1
    assert postmark.sent[0]["to"] == "admissions@staff.example"
    assert notification.status == "sent"
    assert notification.provider_message_id == postmark.sent[0]["message_id"]


def test_a_delivery_report_marks_the_email_delivered(routing, postmark, client):
    notification = sent_email(routing, postmark)

    response = post_postmark(client, postmark_delivery(notification.provider_message_id))

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.status == "delivered"
    assert notification.delivered_at is not None


def test_a_bounce_fails_the_email_and_texts_the_same_person_instead(
    routing, postmark, client, django_capture_on_commit_callbacks
):
    notification = sent_email(routing, postmark)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_postmark(client, postmark_bounce(notification.provider_message_id))

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.status == "failed"
    assert notification.last_error == "ESP reported bounced"
    fallback = Notification.objects.get(fallback_of=notification)
    assert (fallback.channel, fallback.recipient, fallback.status) == ("sms", routing["admissions"], "sent")
    assert [sms.to for sms in locmem.outbox] == [routing["admissions"].phone]


def test_a_bounce_after_delivered_still_falls_back(routing, postmark, client, django_capture_on_commit_callbacks):
    notification = sent_email(routing, postmark)
    post_postmark(client, postmark_delivery(notification.provider_message_id))

    with django_capture_on_commit_callbacks(execute=True):
        post_postmark(client, postmark_bounce(notification.provider_message_id))

    notification.refresh_from_db()
    assert notification.status == "failed"
    assert len(locmem.outbox) == 1


def test_duplicate_reports_change_nothing_more(routing, postmark, client, django_capture_on_commit_callbacks):
    notification = sent_email(routing, postmark)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert post_postmark(client, postmark_bounce(notification.provider_message_id)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        # A late or repeated "delivered" does not revive a bounced email.
        post_postmark(client, postmark_delivery(notification.provider_message_id))

    notification.refresh_from_db()
    assert notification.status == "failed"
    assert Notification.objects.filter(fallback_of=notification).count() == 1
    assert len(locmem.outbox) == 1


def test_a_soft_bounce_changes_nothing(routing, postmark, client):
    notification = sent_email(routing, postmark)

    post_postmark(client, postmark_bounce(notification.provider_message_id, bounce_type="Transient"))

    notification.refresh_from_db()
    assert notification.status == "sent"
    assert not Notification.objects.filter(fallback_of=notification).exists()


def test_a_report_for_an_unknown_message_is_harmless(routing, postmark, client):
    notification = sent_email(routing, postmark)

    response = post_postmark(client, postmark_bounce(str(uuid.uuid4())))

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.status == "sent"
    assert Notification.objects.count() == 1


@pytest.mark.parametrize("credentials", ["anymail-user:wrong-password", "someone:else", ""])
def test_a_report_with_wrong_credentials_is_refused_and_changes_nothing(routing, postmark, client, credentials):
    notification = sent_email(routing, postmark)

    response = post_postmark(client, postmark_bounce(notification.provider_message_id), credentials=credentials)

    assert response.status_code == 400
    notification.refresh_from_db()
    assert notification.status == "sent"
    assert not Notification.objects.filter(fallback_of=notification).exists()
    assert locmem.outbox == []


def test_an_sms_with_the_same_id_is_not_touched_by_an_email_report(routing, postmark, client):
    event = make_event(make_lead())
    sms = Notification.objects.create(
        event=event, recipient=routing["admissions"], channel="sms", status="sent", provider_message_id="shared-id"
    )

    post_postmark(client, postmark_bounce("shared-id"))

    sms.refresh_from_db()
    assert sms.status == "sent"


# Mailgun: anymail checks Mailgun's HMAC signature (its webhook signing key) as well as the basic auth.


def mailgun_event(message_id: str, event: str, *, key: str = MAILGUN_SIGNING_KEY) -> dict[str, Any]:
    # Mailgun's webhook payload ("signature" and "event-data"), as its documentation shows it.
    timestamp, token = "1764316862", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data: dict[str, Any] = {
        "id": "CPgfbmQMTCKtHW6uIWtuVe",
        "timestamp": 1764316862.3,
        "log-level": "info",
        "event": event,
        "recipient": "admissions@staff.example",
        "recipient-domain": "staff.example",
        "tags": [],
        "user-variables": {},
        "envelope": {"transport": "smtp", "sender": "no-reply@mg.corerecovery.example"},
        "message": {
            "headers": {
                "to": "admissions@staff.example",
                "message-id": message_id.strip("<>"),
                "from": "no-reply@mg.corerecovery.example",
                "subject": "New lead",
            },
            "attachments": [],
            "size": 2104,
        },
    }
    if event == "failed":
        data.update(
            severity="permanent",
            reason="bounce",
            **{"delivery-status": {"code": 550, "message": "5.1.1 No such user", "description": "", "attempt-no": 1}},
        )
    else:
        data["delivery-status"] = {"code": 250, "message": "OK", "description": "", "attempt-no": 1}
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": data}


def sent_row(routing, message_id: str) -> Notification:
    """A sent email, with the id anymail's backend returns for that ESP."""
    return Notification.objects.create(
        event=make_event(make_lead()), recipient=routing["admissions"], channel="email", status="sent",
        provider_message_id=message_id,
    )  # fmt: skip


def post_mailgun(client, payload: dict[str, Any]):
    return client.post(
        reverse("anymail:mailgun_tracking_webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(WEBHOOK_SECRET),
    )


def test_mailgun_reports_apply_with_a_valid_signature(routing, postmark, client, django_capture_on_commit_callbacks):
    delivered = sent_row(routing, "<20261128080102.1.A1B2C3D4E5F60718@mg.corerecovery.example>")
    bounced = sent_row(routing, "<20261128080102.1.0718E5F6A1B2C3D4@mg.corerecovery.example>")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_mailgun(client, mailgun_event(delivered.provider_message_id, "delivered")).status_code == 200
        assert post_mailgun(client, mailgun_event(bounced.provider_message_id, "failed")).status_code == 200

    delivered.refresh_from_db()
    bounced.refresh_from_db()
    assert (delivered.status, bounced.status) == ("delivered", "failed")
    assert Notification.objects.get(fallback_of=bounced).status == "sent"


def test_mailgun_reports_with_a_wrong_signature_are_refused(routing, postmark, client):
    row = sent_row(routing, "<20261128080102.1.A1B2C3D4E5F60718@mg.corerecovery.example>")

    forged = mailgun_event(row.provider_message_id, "failed", key="not-the-signing-key")

    assert post_mailgun(client, forged).status_code == 400
    row.refresh_from_db()
    assert row.status == "sent"
    assert not Notification.objects.filter(fallback_of=row).exists()


# SendGrid: anymail verifies the Signed Event Webhook's ECDSA signature (SendGrid keeps the private key).


@pytest.fixture
def sendgrid_key(settings) -> ec.EllipticCurvePrivateKey:
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.ANYMAIL = {"SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": base64.b64encode(public).decode()}
    return private


def post_sendgrid(client, events: list[dict[str, Any]], private: ec.EllipticCurvePrivateKey):
    body = json.dumps(events).encode()
    timestamp = "1764316862"
    signature = private.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return client.post(
        reverse("anymail:sendgrid_tracking_webhook"),
        data=body,
        content_type="application/json",
        HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE=base64.b64encode(signature).decode(),
        HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP=timestamp,
    )


def sendgrid_event(anymail_id: str, event: str) -> dict[str, Any]:
    # SendGrid's Event Webhook record; anymail's backend sends its own id as the custom arg `anymail_id`.
    return {
        "email": "admissions@staff.example",
        "timestamp": 1764316862,
        "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
        "event": event,
        "sg_event_id": f"sg-{event}-{anymail_id[:8]}",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        "anymail_id": anymail_id,
        **({"reason": "550 5.1.1 No such user", "status": "5.1.1", "type": "bounce"} if event == "bounce" else {}),
        **({"response": "250 OK"} if event == "delivered" else {}),
    }


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_sendgrid_signed_reports_apply_and_forged_ones_are_refused(
    routing, client, sendgrid_key, django_capture_on_commit_callbacks
):
    delivered, bounced = sent_row(routing, str(uuid.uuid4())), sent_row(routing, str(uuid.uuid4()))
    events = [
        sendgrid_event(delivered.provider_message_id, "delivered"),
        sendgrid_event(bounced.provider_message_id, "bounce"),
    ]

    forged = post_sendgrid(client, events, ec.generate_private_key(ec.SECP256R1()))
    assert forged.status_code == 400
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}

    with django_capture_on_commit_callbacks(execute=True):
        assert post_sendgrid(client, events, sendgrid_key).status_code == 200

    delivered.refresh_from_db()
    bounced.refresh_from_db()
    assert (delivered.status, bounced.status) == ("delivered", "failed")
    assert len(locmem.outbox) == 1
