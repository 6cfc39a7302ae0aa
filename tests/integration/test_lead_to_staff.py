"""A lead's whole path with nothing mocked in our code: HTTP → PostgreSQL → Redis → a real Celery worker →
SMTP (aiosmtpd) and Twilio (a local fake of its HTTP API, called through the official SDK) → Twilio's signed
status callback back over HTTP."""

import pytest

from notifications.messages import fits_one_sms
from notifications.models import Notification
from tests.integration.fixtures import personal_data_in, start_stack, wait_settled
from tests.integration.harness import TWILIO_STATUS_PATH, post_form, twilio_signature

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_an_urgent_lead_reaches_staff_by_email_and_sms_and_the_delivery_report_comes_back(
    launcher, config, shared_broker, staff, smtp, twilio
):
    stack = start_stack(launcher, config, shared_broker)

    reference = stack.submit_urgent_lead()
    rows = wait_settled(stack, reference)
    stack.probe.wait_drained()

    # One row per (recipient, channel): admissions by email, on-call by SMS and email; all sent.
    assert sorted((row.recipient.name, row.channel) for row in rows) == [
        ("Admissions (test)", "email"),
        ("On-call (test)", "email"),
        ("On-call (test)", "sms"),
    ]
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    assert all(row.provider_message_id and row.sent_at for row in rows)

    # Email: exactly one message per email row, at the recipient, minimum necessary.
    emails = [row for row in rows if row.channel == "email"]
    assert len(smtp.messages) == len(emails)
    for row in emails:
        [mail] = smtp.to(row.recipient.email)
        assert reference in mail.subject
        assert personal_data_in(mail.texts()) == []
        assert mail.message["Message-ID"] == f"<{row.provider_message_id}>"

    # SMS: exactly one request to Twilio, through the SDK (basic auth), one segment, minimum necessary.
    [sms] = [row for row in rows if row.channel == "sms"]
    [call] = twilio.snapshot()
    assert call.status == 201
    assert call.authorized
    assert call.to == staff.on_call.phone
    assert call.form["From"] == "+16025550199"
    assert reference in call.body
    assert fits_one_sms(call.body), len(call.body)
    assert personal_data_in([call.body]) == []
    assert call.form["StatusCallback"] == config.admin_base_url + TWILIO_STATUS_PATH
    assert sms.provider_message_id == call.sid

    # Twilio calls the StatusCallback it was given, signed with the account's auth token.
    callback_url = call.form["StatusCallback"]
    report = {
        "AccountSid": twilio.account_sid, "ApiVersion": "2010-04-01", "From": call.form["From"], "To": call.to,
        "MessageSid": call.sid, "SmsSid": call.sid,
    }  # fmt: skip
    forged = {**report, "MessageStatus": "undelivered", "SmsStatus": "undelivered"}
    bad_signature = twilio_signature("not-the-auth-token", callback_url, forged)

    refused = post_form(callback_url, forged, {"X-Twilio-Signature": bad_signature})

    assert refused.status == 403
    sms.refresh_from_db()
    assert sms.status == "sent"  # unchanged: a forged "undelivered" would have failed it and fallen back
    assert not Notification.objects.filter(fallback_of=sms).exists()

    delivered = {**report, "MessageStatus": "delivered", "SmsStatus": "delivered"}
    accepted = post_form(
        callback_url, delivered, {"X-Twilio-Signature": twilio_signature(twilio.auth_token, callback_url, delivered)}
    )

    assert accepted.status == 204
    sms.refresh_from_db()
    assert sms.status == "delivered"
    assert sms.delivered_at is not None

    # A late forged report changes nothing either.
    assert post_form(callback_url, forged, {"X-Twilio-Signature": bad_signature}).status == 403
    sms.refresh_from_db()
    assert sms.status == "delivered"
