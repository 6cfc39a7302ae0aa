"""The minimum fill time, measured with a form token the API signed (security review, finding 6).

Time is the form tokens' clock, held still and moved by each test: an age is exact whatever the machine's
speed, and no test sleeps.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core import signing
from django.utils import timezone

from content.preview import preview_token_create
from leads import form_tokens
from leads.models import Lead, LeadEvent
from notifications.tokens import make_token
from tests.factories import ProgramFactory
from tests.leads.conftest import lead_body, referral_body

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
FORM_TOKEN = "/api/v1/leads/form-token/"
MIN_FILL = 5
MAX_AGE = 4 * 60 * 60


@pytest.fixture
def clock(monkeypatch) -> SimpleNamespace:
    """The form tokens' clock (issue and check alike): `clock.now` is the time, in seconds since the epoch."""
    clock = SimpleNamespace(now=1_795_000_000.0)
    monkeypatch.setattr(form_tokens, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


@pytest.fixture
def fill_time(settings) -> None:
    settings.LEAD_MIN_FILL_SECONDS = MIN_FILL
    settings.LEAD_FORM_TOKEN_MAX_AGE_SECONDS = MAX_AGE


def phoenix_time(seconds: float) -> str:
    return timezone.localtime(datetime.fromtimestamp(seconds, tz=UTC)).isoformat()


def issue(api_client) -> str:
    response = api_client.get(FORM_TOKEN)
    assert response.status_code == 200, response.content
    return response.json()["form_token"]


def send(api_client, **fields):
    return api_client.post(LEADS, lead_body(**fields), format="json")


def assert_refused(response, code: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["type"] == f"urn:corerecovery:problem:{code}"
    assert not Lead.objects.exists()  # nothing stored
    assert not LeadEvent.objects.exists()  # nothing routed


def test_the_api_issues_a_signed_token_with_the_window_it_may_be_sent_in(api_client, clock, fill_time, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.corerecovery.example"]

    response = api_client.get(FORM_TOKEN, HTTP_ORIGIN="https://www.corerecovery.example", REMOTE_ADDR="203.0.113.9")
    other = api_client.get(FORM_TOKEN)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Access-Control-Allow-Origin"] == "https://www.corerecovery.example"
    body = response.json()
    assert set(body) == {"form_token", "usable_from", "expires_at"}
    assert body["usable_from"] == phoenix_time(clock.now + MIN_FILL)
    assert body["expires_at"] == phoenix_time(clock.now + MAX_AGE)
    assert body["form_token"] != other.json()["form_token"]  # a random nonce: one token per showing
    assert "203.0.113.9" not in body["form_token"]
    nonce = signing.TimestampSigner(salt=form_tokens.SALT).unsign(body["form_token"])
    assert len(nonce) >= 20


def test_a_token_sent_once_the_minimum_fill_time_has_passed_is_accepted(api_client, programs, clock, fill_time):
    token = issue(api_client)
    clock.now += MIN_FILL

    response = send(api_client, form_token=token)

    assert response.status_code == 201, response.content
    assert Lead.objects.count() == 1


def test_a_token_sent_sooner_than_the_minimum_fill_time_is_too_fast(api_client, programs, clock, fill_time):
    token = issue(api_client)
    clock.now += MIN_FILL - 1

    assert_refused(send(api_client, form_token=token), "submitted_too_fast")


def test_a_token_older_than_its_maximum_age_has_expired(api_client, programs, clock, fill_time):
    token = issue(api_client)
    clock.now += MAX_AGE + 1

    assert_refused(send(api_client, form_token=token), "form_token_expired")


def test_a_token_a_few_hours_old_is_still_accepted(api_client, programs, clock, fill_time):
    token = issue(api_client)
    clock.now += MAX_AGE - 60  # a person who took their time over the form

    assert send(api_client, form_token=token).status_code == 201


def _tampered_signature(token):
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def _other_nonce(token):
    return "AAAAAAAAAAAAAAAAAAAAAA" + token[token.index(":") :]


def _back_dated(token):
    nonce, _, signature = token.split(":")
    return f"{nonce}:{signing.b62_encode(946684800)}:{signature}"  # 2000-01-01, the old bypass


def _preview_token(token):
    return preview_token_create(item=ProgramFactory(slug="preview-me"))  # a draft preview link's token


def _other_salt(token):
    return signing.TimestampSigner(salt="leads.other").sign("AAAAAAAAAAAAAAAAAAAAAA")


def _ack_token(token):
    return make_token(42)  # a staff acknowledge link's token


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda token: "", id="missing"),
        pytest.param(lambda token: "not-a-token", id="not-a-token"),
        pytest.param(_tampered_signature, id="tampered-signature"),
        pytest.param(_other_nonce, id="other-nonce"),
        pytest.param(_back_dated, id="back-dated-to-2000"),
        pytest.param(_preview_token, id="draft-preview-token"),
        pytest.param(_other_salt, id="signed-under-another-salt"),
        pytest.param(_ack_token, id="acknowledge-link-token"),
    ],
)
def test_a_missing_forged_or_foreign_token_is_refused(api_client, programs, clock, fill_time, forge):
    token = forge(issue(api_client))
    clock.now += MIN_FILL

    assert_refused(send(api_client, form_token=token), "form_token_invalid")


def test_no_token_at_all_is_refused(api_client, programs, clock, fill_time):
    body = lead_body()
    body.pop("form_token", None)

    assert_refused(api_client.post(LEADS, body, format="json"), "form_token_invalid")


@pytest.mark.parametrize(
    "form_started_at", [None, "2000-01-01T00:00:00Z"], ids=["no-form-started-at", "form-started-in-2000"]
)
def test_the_old_bypasses_of_the_fill_time_are_refused(api_client, programs, clock, fill_time, form_started_at):
    body = lead_body() if form_started_at is None else lead_body(form_started_at=form_started_at)

    assert_refused(api_client.post(LEADS, body, format="json"), "form_token_invalid")


def test_form_started_at_is_still_accepted_but_never_trusted(api_client, programs, clock, fill_time):
    fresh = issue(api_client)
    assert_refused(send(api_client, form_token=fresh, form_started_at="2000-01-01T00:00:00Z"), "submitted_too_fast")

    clock.now += MIN_FILL
    response = send(api_client, form_token=fresh, form_started_at="2999-01-01T00:00:00Z")

    assert response.status_code == 201, response.content


def test_a_token_signed_under_an_earlier_secret_key_is_refused(api_client, programs, clock, fill_time, settings):
    token = issue(api_client)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    clock.now += MIN_FILL

    assert_refused(send(api_client, form_token=token), "form_token_invalid")


def test_without_a_minimum_fill_time_no_token_is_needed_and_none_is_checked(api_client, programs, settings):
    settings.LEAD_MIN_FILL_SECONDS = 0  # the default, `make run`

    assert send(api_client).status_code == 201
    assert send(api_client, form_token="not-a-token", email="other@example.org").status_code == 201


def test_partner_referrals_need_no_form_token(api_client, programs, partner_a, clock, fill_time):
    response = api_client.post("/api/v1/referrals/", referral_body(), format="json", **partner_a.header)

    assert response.status_code == 201, response.content


def test_the_honeypot_still_answers_201_without_a_token(api_client, programs, clock, fill_time):
    response = send(api_client, website="http://spam.example")

    assert response.status_code == 201
    assert Lead.objects.get().is_spam


def test_form_tokens_are_throttled_like_other_anonymous_reads(api_client, settings, steady_throttle_window):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/minute"}}  # fmt: skip

    statuses = [api_client.get(FORM_TOKEN).status_code for _ in range(3)]
    other_ip = api_client.get(FORM_TOKEN, REMOTE_ADDR="198.51.100.7").status_code

    assert statuses == [200, 200, 429]
    assert other_ip == 200
