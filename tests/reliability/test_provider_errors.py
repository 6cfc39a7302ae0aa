"""Twilio errors, as its API answers them: a 503 is retried with backoff until it goes through; a 400 with
code 21211 (invalid number) is final, and the recipient gets the message by email instead; so does one whose
accepted SMS Twilio later reports undelivered."""

from collections import Counter

import pytest

from notifications.models import Notification, Recipient, RoutingRule, StaffGroup
from tests.integration.fixtures import start_stack, wait_settled
from tests.integration.harness import post_form, twilio_signature

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Twilio's test number that its API refuses as invalid ("Invalid 'To' Phone Number", code 21211).
INVALID_NUMBER = "+15005550001"


def test_twilio_answering_503_is_retried_with_backoff_until_the_sms_is_sent(
    launcher, config, shared_broker, staff, smtp, twilio
):
    failures = 2
    twilio.fail_next(failures, status=503, code=20503)
    # Retries after 0.5-1 s, then 1-2 s (NOTIFICATION_RETRY_BASE_SECONDS=1, _MAX_SECONDS=2).
    stack = start_stack(launcher, config, shared_broker)

    reference = stack.submit_urgent_lead()
    rows = wait_settled(stack, reference)
    stack.probe.wait_drained()

    [sms] = [row for row in rows if row.channel == "sms"]
    assert sms.status == "sent"
    assert sms.attempts == failures + 1
    assert sms.last_error == ""
    calls = twilio.calls_to(staff.on_call.phone)
    assert [call.status for call in calls] == [503] * failures + [201]
    assert sms.provider_message_id == calls[-1].sid
    # The emails were not held up or repeated by the SMS's retries.
    emails = [row for row in rows if row.channel == "email"]
    assert {(row.status, row.attempts) for row in emails} == {("sent", 1)}
    assert Counter(address for mail in smtp.messages for address in mail.rcpt_tos) == Counter(
        row.recipient.email for row in emails
    )


def sms_only_pager(phone: str) -> Recipient:
    """A recipient whom an urgent lead reaches by SMS only: a failed SMS of theirs falls back to email."""
    group = StaffGroup.objects.create(name="Pager", slug="pager")
    rule = RoutingRule.objects.create(
        name="Urgent lead: pager by SMS", order=99, event_kinds=["lead.created"], urgency="urgent", channels=["sms"]
    )
    rule.groups.add(group)
    pager = Recipient.objects.create(
        name="Pager (test)", email="pager@staff.example", phone=phone, channels=["sms", "email"]
    )
    pager.groups.add(group)
    return pager


def test_an_invalid_number_fails_the_sms_at_once_and_falls_back_to_email(
    launcher, config, shared_broker, staff, smtp, twilio
):
    pager = sms_only_pager(INVALID_NUMBER)
    twilio.invalid_numbers.add(INVALID_NUMBER)
    stack = start_stack(launcher, config, shared_broker)

    reference = stack.submit_urgent_lead()
    rows = wait_settled(stack, reference)
    stack.probe.wait_drained()

    sms = Notification.objects.get(recipient=pager, channel="sms")
    assert sms.status == "failed"
    assert sms.attempts == 1  # permanent: no retry
    assert sms.last_error == "Twilio 400 code 21211"
    assert [call.status for call in twilio.calls_to(INVALID_NUMBER)] == [400]

    fallback = Notification.objects.get(fallback_of=sms)
    assert (fallback.recipient, fallback.channel, fallback.status) == (pager, "email", "sent")
    [mail] = smtp.to(pager.email)
    assert reference in mail.subject
    assert mail.message["Message-ID"] == f"<{fallback.provider_message_id}>"

    # Everyone else got their messages as usual, once.
    others = [row for row in rows if row.recipient != pager]
    assert {row.status for row in others} == {"sent"}
    assert len(smtp.messages) == 1 + sum(row.channel == "email" for row in others)
    assert [call.status for call in twilio.calls_to(staff.on_call.phone)] == [201]


def test_an_sms_twilio_reports_undelivered_fails_and_its_email_fallback_goes_out(
    launcher, config, shared_broker, staff, smtp, twilio
):
    pager = sms_only_pager("+16025550177")
    stack = start_stack(launcher, config, shared_broker)
    reference = stack.submit_urgent_lead()
    wait_settled(stack, reference)
    [call] = twilio.calls_to(pager.phone)
    sms = Notification.objects.get(recipient=pager, channel="sms")
    assert (sms.status, sms.provider_message_id) == ("sent", call.sid)

    url = call.form["StatusCallback"]
    report = {"AccountSid": twilio.account_sid, "MessageSid": call.sid, "MessageStatus": "undelivered",
              "ErrorCode": "30003"}  # fmt: skip
    reply = post_form(url, report, {"X-Twilio-Signature": twilio_signature(twilio.auth_token, url, report)})
    assert reply.status == 204
    sms.refresh_from_db()
    assert (sms.status, sms.last_error) == ("failed", "provider reported undelivered")
    fallback = Notification.objects.get(fallback_of=sms)
    assert (fallback.recipient, fallback.channel) == (pager, "email")

    # The callback enqueued the fallback before its 204: once the queue has drained it is sent, with no
    # sweep (which would come a minute or two later in production).
    stack.probe.wait_drained()
    fallback.refresh_from_db()
    assert (fallback.status, fallback.attempts) == ("sent", 1)
    [mail] = smtp.to(pager.email)
    assert reference in mail.subject
    assert len(twilio.calls_to(pager.phone)) == 1
