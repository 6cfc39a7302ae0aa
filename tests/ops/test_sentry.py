"""Error reports carry no personal data: a forced error in a contact request and in a delivery task, captured
by the real Sentry SDK with our options and scrubber, sent to a transport that keeps each envelope's bytes."""

from collections.abc import Iterator

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from notifications import services, tasks
from notifications.models import Notification
from ops import scrub
from ops.sentry import init_from_settings
from tests.leads.conftest import lead_body

pytestmark = pytest.mark.django_db

PERSONAL = {
    "first_name": "Quillon",
    "last_name": "Marchbanks",
    "phone": "602-555-0199",
    "email": "quillon@example.org",
    "message": "I want to end my life. tangerine",
    "insurance_provider": "Blue Mesa Insurance",
    "date_of_birth": "1984-02-03",
}
# The values as they may appear anywhere, in any spelling the app makes of them.
SECRETS = ("Quillon", "Marchbanks", "602-555-0199", "6025550199", "555-0199", "quillon@example.org", "tangerine",
           "end my life", "Blue Mesa", "1984-02-03", "admissions@staff.example", "+16025550100")  # fmt: skip


class KeepingTransport(Transport):
    """A real transport: the SDK hands it each serialised envelope instead of posting it to a server."""

    sent: list[bytes] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        type(self).sent.append(envelope.serialize())


@pytest.fixture
def sentry(settings) -> Iterator[list[bytes]]:
    settings.SENTRY_DSN = "https://public@127.0.0.1/1"
    KeepingTransport.sent = []
    assert init_from_settings(transport=KeepingTransport)
    yield KeepingTransport.sent
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)


def _flushed(sent: list[bytes]) -> str:
    sentry_sdk.flush(timeout=5)
    return b"\n".join(sent).decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    return [value for value in SECRETS if value.lower() in text.lower()]


def test_a_contact_request_that_fails_is_reported_without_the_persons_data(programs_iop, sentry, monkeypatch):
    def fail(submission, **_):
        # What a careless message could say: the person's email and phone, in the exception itself.
        raise RuntimeError(f"could not store lead for {submission.person.email} {submission.person.phone}")

    monkeypatch.setattr("leads.services._lead_create", fail)
    client = Client(raise_request_exception=False)

    response = client.post(
        "/api/v1/leads/?email=quillon@example.org",
        lead_body(**PERSONAL),
        content_type="application/json",
        HTTP_COOKIE="sessionid=abc123",
        HTTP_AUTHORIZATION="Api-Key prefix.secretvalue",
        HTTP_IDEMPOTENCY_KEY="quillon@example.org",
    )

    assert response.status_code == 500
    reported = _flushed(sentry)
    assert "RuntimeError" in reported
    assert "could not store lead for [Filtered] [Filtered]" in reported
    assert "/api/v1/leads/" in reported
    assert _leaks(reported) == []
    for header in ("secretvalue", "abc123"):
        assert header not in reported


def test_a_delivery_task_that_fails_is_reported_without_personal_data(staff_routing, sentry, monkeypatch):
    from tests.notifications.conftest import make_event, make_lead

    lead = make_lead(sealed=__import__("leads.crypto", fromlist=["seal"]).seal(PERSONAL))
    pending = services.event_route(event_id=make_event(lead).id)
    notification = Notification.objects.filter(pk__in=pending, channel="email").select_related("recipient").first()

    def fail(row, message):
        raise ValueError(f"provider choked on {row.recipient.email} / {row.recipient.phone}: {message.subject}")

    monkeypatch.setattr("notifications.services._send", fail)

    with pytest.raises(ValueError, match="provider choked"):
        tasks.deliver_notification.delay(notification.pk)

    reported = _flushed(sentry)
    assert "ValueError" in reported
    assert "notifications.deliver" in reported
    assert _leaks(reported) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("call (602) 555-0142 now", "call [Filtered] now"),
        ("+1 602.555.0142", "[Filtered]"),
        ("write to jordan.s@example.org", "write to [Filtered]"),
        ("lead L-7F3K9Q routed in 12 ms", "lead L-7F3K9Q routed in 12 ms"),
        ("notification 1234 failed on sms", "notification 1234 failed on sms"),
    ],
)
def test_the_scrubber_replaces_what_looks_like_a_phone_or_an_email(value, expected):
    assert scrub.scrub_text(value) == expected


def test_the_scrubber_drops_bodies_cookies_secret_headers_and_frame_variables():
    event = {
        "timestamp": "2026-11-28T08:00:00.000000Z",
        "request": {
            "url": "https://api.example/api/v1/referrals/?search=Quillon",
            "query_string": "search=Quillon",
            "data": {"first_name": "Quillon"},
            "cookies": {"sessionid": "abc"},
            "headers": {"Authorization": "Api-Key x.y", "X-Api-Key": "k", "Accept": "application/json"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"ip_address": "203.0.113.9"},
        "extra": {"sealed": "gAAAA...", "note": "call 602 555 0199"},
        "exception": {"values": [{"stacktrace": {"frames": [{"function": "f", "vars": {"email": "q@example.org"}}]}}]},
    }

    clean = scrub.before_send(event, {})

    assert clean["timestamp"] == "2026-11-28T08:00:00.000000Z"
    assert clean["request"]["url"] == "https://api.example/api/v1/referrals/"
    assert set(clean["request"]) == {"url", "headers"}
    assert clean["request"]["headers"] == {
        "Authorization": "[Filtered]", "X-Api-Key": "[Filtered]", "Accept": "application/json"
    }  # fmt: skip
    assert "user" not in clean
    assert clean["extra"] == {"sealed": "[Filtered]", "note": "call [Filtered]"}
    assert clean["exception"]["values"][0]["stacktrace"]["frames"] == [{"function": "f"}]
