"""Hostile input against every write endpoint and the query strings of the reads (corpus: hostile_cases.py).

What is refused is a 4xx RFC 9457 problem and stores nothing: no lead, no status step, no outbox event, no
idempotency record. What is valid by design (markup or SQL inside free text, Unicode in names) is stored
verbatim, encrypted, and shown escaped: on the staff's admin page and in every message to staff, which never
carry the text at all. A body sent a few bytes at a time cannot hold the server's only worker forever.
"""

import os
import select
import socket
import time
import urllib.error
import urllib.request
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape

from content.models import PublicationStatus
from leads.crypto import lookup_hash, unseal
from leads.models import IdempotencyRecord, Lead, LeadEvent, LeadStatusChange
from notifications.messages import render
from notifications.models import Notification, Recipient
from notifications.tokens import make_token
from tests.factories import ArticleFactory, FAQFactory, TagFactory
from tests.leads import conftest as leads_fixtures
from tests.reliability import hostile_cases as cases
from tests.servers import gunicorn

# The programs (iop, php) the valid bodies name, and partners whose keys may write and read referrals.
programs = leads_fixtures.programs
partner_a = leads_fixtures.partner_a
partner_b = leads_fixtures.partner_b

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def stored() -> dict[str, int]:
    """Everything a write may leave behind."""
    return {
        "leads": Lead.objects.count(),
        "status_changes": LeadStatusChange.objects.count(),
        "events": LeadEvent.objects.count(),
        "idempotency_records": IdempotencyRecord.objects.count(),
    }


NOTHING = {"leads": 0, "status_changes": 0, "events": 0, "idempotency_records": 0}


def assert_problem(response, status: int, codes: tuple[str, ...], errors: tuple[str, ...] = ()) -> dict:
    """An RFC 9457 problem with this status, one of these codes, and `errors` naming these fields."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["title"] == HTTPStatus(status).phrase
    assert body["code"] in codes, body
    assert body["type"] in {"about:blank", f"urn:corerecovery:problem:{body['code']}"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if body["code"] == "validation_error":
        named = body["errors"]
        for name in errors:
            assert any(key == name or key.startswith(f"{name}.") for key in named), (name, named)
    return body


def _environ(case_meta: dict[str, str | None], defaults: dict[str, str]) -> dict[str, str]:
    merged: dict[str, str | None] = {**defaults, **case_meta}
    return {name: value for name, value in merged.items() if value is not None}


# --- Writes the API refuses --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", cases.REFUSED, ids=lambda case: case.id)
def test_hostile_write_is_a_problem_and_stores_nothing(case, api_client, programs, partner_a):
    before = stored()
    defaults = {"HTTP_IDEMPOTENCY_KEY": f"hostile-{case.id}"[:255]}
    if case.path == cases.REFERRALS:
        defaults.update(partner_a.header)

    response = api_client.generic(
        "POST", case.path, case.body, content_type=case.content_type, **_environ(case.meta, defaults)
    )

    assert_problem(response, case.status, case.codes, case.errors)
    assert stored() == before == NOTHING
    # Nothing the request carried became a header of the answer (CRLF in Idempotency-Key).
    assert not response.has_header("Set-Cookie")
    assert not response.has_header("X-Injected")
    assert not response.has_header("Idempotent-Replayed")


def test_the_corpus_is_large_and_its_cases_are_unique():
    ids = [case.id for case in (*cases.REFUSED, *cases.BAD_QUERIES, *cases.ACCEPTED, *cases.ACCEPTED_QUERIES)]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 60
    assert {case.path for case in cases.REFUSED} == {cases.LEADS, cases.REFERRALS}


# --- Query strings the API refuses -------------------------------------------------------------------------


@pytest.fixture
def content(programs):
    """One live article tagged `anxiety`, a draft about the same, and a live FAQ of `iop`."""
    anxiety = TagFactory(slug="anxiety", name="Anxiety")
    live = ArticleFactory(slug="anxiety-basics", title="Anxiety basics", summary="What anxiety is.")
    draft = ArticleFactory(
        slug="anxiety-draft", title="Anxiety draft", summary="Not published.", status=PublicationStatus.DRAFT
    )
    for article in (live, draft):
        article.tags.add(anxiety)
    faq = FAQFactory(question="Is IOP right for me?", program=programs[0])
    return {"live": live, "draft": draft, "faq": faq}


@pytest.mark.django_db
@pytest.mark.parametrize("case", cases.BAD_QUERIES, ids=lambda case: case.id)
def test_hostile_query_string_is_a_problem(case, api_client, content, partner_a):
    auth = partner_a.header if case.url.startswith(cases.REFERRALS) else {}

    response = api_client.get(case.url, **auth)

    assert_problem(response, case.status, (case.code,), case.errors)
    assert stored() == NOTHING


# --- Query strings valid by design -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", cases.ACCEPTED_QUERIES, ids=lambda case: case.id)
def test_hostile_query_string_valid_by_design_returns_live_content_only(case, api_client, content):
    response = api_client.get(case.url)

    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    slugs = tuple(item.get("slug", item.get("id")) for item in body["results"])
    assert slugs == case.slugs
    assert body["count"] == len(case.slugs)
    assert b"<script" not in response.content  # the query is never reflected
    assert stored() == NOTHING


@pytest.mark.django_db
def test_a_partner_cannot_widen_its_referral_list_with_query_parameters(api_client, programs, partner_a, partner_b):
    other = api_client.post("/api/v1/referrals/", leads_fixtures.referral_body(), format="json", **partner_b.header)
    assert other.status_code == 201
    other_reference = other.json()["reference"]
    assert partner_b.partner is not None

    query = f"?partner={partner_b.partner.pk}&partner_id={partner_b.partner.pk}&kind=self&reference={other_reference}"
    response = api_client.get(f"/api/v1/referrals/{query}", **partner_a.header)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert other_reference.encode() not in response.content


# --- Writes valid by design: stored verbatim, shown escaped ------------------------------------------------


def _admin_page(client, django_user_model, lead: Lead) -> str:
    user = django_user_model.objects.create_superuser("hostile-admin", "admin@staff.example", "x" * 12)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="leads", codename="view_personal_data"))
    assert user.has_perm("leads.view_personal_data")
    client.force_login(user)
    response = client.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Decrypted for you" in page  # the personal data is on the page: the escaping is what is tested
    return page


def _staff_messages(lead: Lead) -> list[str]:
    """Every message to staff about the lead's event, on each channel: subject, text, HTML and SMS."""
    recipient = Recipient.objects.create(
        name="On call", email="oncall@staff.example", phone="+16025550111", channels=["email", "sms"]
    )
    event = LeadEvent.objects.get(lead=lead)
    parts = []
    for channel in ("email", "sms"):
        notification = Notification.objects.create(event=event, recipient=recipient, channel=channel)
        message = render(notification, token=make_token(notification.pk))
        assert "<script" not in message.html.lower()
        parts += [message.subject, message.text, message.html, message.sms]
    return parts


@pytest.mark.django_db
@pytest.mark.parametrize("case", cases.ACCEPTED, ids=lambda case: case.id)
def test_hostile_text_valid_by_design_is_stored_verbatim_and_shown_escaped(
    case, api_client, client, django_user_model, programs, partner_a
):
    environ = {"HTTP_IDEMPOTENCY_KEY": case.idempotency_key}
    if case.path == cases.REFERRALS:
        environ.update(partner_a.header)
    body = cases.encode(case.body)

    response = api_client.generic("POST", case.path, body, content_type=cases.JSON, **environ)

    assert response.status_code == 201, response.content[:500]
    assert response["Content-Type"] == "application/json"
    [lead] = Lead.objects.all()
    assert response.json()["reference"] == lead.reference
    for value in case.shown:
        assert value not in response.content.decode()  # the receipt never repeats what was sent
    assert stored() == {"leads": 1, "status_changes": 1, "events": 1, "idempotency_records": 1}
    assert IdempotencyRecord.objects.get().key == case.idempotency_key

    # Verbatim (or as documented: phone in E.164, email lower-cased), under encryption.
    personal = unseal(lead.sealed)
    assert {name: personal.get(name) for name in case.sealed} == case.sealed
    for value in case.sealed.values():
        if isinstance(value, str) and len(value) > 4:
            assert value not in lead.sealed  # encrypted, not merely stored
    for column, value in case.columns.items():
        assert getattr(lead, column) == value

    # The same hostile request again is a replay, not a second lead.
    replay = api_client.generic("POST", case.path, body, content_type=cases.JSON, **environ)
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["reference"] == lead.reference
    assert Lead.objects.count() == 1

    page = _admin_page(client, django_user_model, lead)
    for value in case.shown:
        assert escape(value) in page
        if escape(value) != value:
            assert value not in page
    assert settings.SECRET_KEY not in page  # template syntax in the data was never evaluated

    for part in _staff_messages(lead):
        for value in case.shown:
            assert value not in part
            assert escape(value) not in part


@pytest.mark.django_db
def test_a_homoglyph_email_is_another_address_not_a_repeat_of_the_real_one(api_client, programs):
    real, homoglyph = "jordan@example.org", f"jordan@ex{cases.CYRILLIC_A}mple.org"
    for email in (real, homoglyph):
        body = leads_fixtures.lead_body(email=email, phone="", preferred_contact="email")
        assert api_client.post("/api/v1/leads/", body, format="json").status_code == 201

    first, second = Lead.objects.order_by("received_at", "id")
    assert second.email_hash == lookup_hash("email", homoglyph) != first.email_hash
    assert second.repeat_of is None
    assert unseal(second.sealed)["email"] == homoglyph


# --- A body sent a few bytes at a time ---------------------------------------------------------------------

WORKER_TIMEOUT = 5  # seconds: gunicorn's --timeout for this test (its default is 30)


def _drip(sock: socket.socket, *, deadline: float) -> bytes | None:
    """Send a byte every half second; what the server answered when it closed the connection, or None when it
    was still waiting at `deadline`."""
    received = b""
    while time.monotonic() < deadline:
        try:
            sock.sendall(b" ")
        except OSError:  # reset: the worker is gone
            return received
        readable, _, _ = select.select([sock], [], [], 0.5)
        if readable:
            try:
                chunk = sock.recv(4096)
            except OSError:
                return received
            if not chunk:
                return received
            received += chunk
    return None


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _answers_again(url: str, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if _status(url) == 200:
                return True
        except OSError:  # refused or timed out while the replacement worker boots
            pass
        time.sleep(0.2)
    return False


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_slow_drip_body_does_not_hold_the_server_forever_and_stores_nothing(database_url):
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "GUNICORN_CMD_ARGS": f"--timeout {WORKER_TIMEOUT} --graceful-timeout 1",
    }
    with gunicorn(env) as base_url:
        port = urlsplit(base_url).port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(
                b"POST /api/v1/leads/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Idempotency-Key: slow-drip\r\nContent-Length: 1000\r\n\r\n" + b'{"first_name": "Slow'
            )
            sent_at = time.monotonic()
            answer = _drip(sock, deadline=sent_at + WORKER_TIMEOUT + 5)
            held_for = time.monotonic() - sent_at
        # The worker that was held is replaced: the server answers again (a new worker boots Django first,
        # which takes seconds on a loaded machine: a single 5-second try failed there).
        assert _answers_again(f"{base_url}/healthz", within=30)

    assert answer is not None, "the server was still reading the body after the worker timeout"
    # Closed, or an error answered as the worker was cut off (gunicorn's own 500 page today): never a 2xx.
    assert answer == b"" or answer.split(b" ", 2)[1][:1] in {b"4", b"5"}, answer[:200]
    assert held_for < WORKER_TIMEOUT + 5
    assert stored() == NOTHING
