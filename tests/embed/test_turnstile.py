"""The embeddable form's optional human check: Turnstile tokens verified by a (fake) siteverify server over HTTP."""

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from leads.models import Lead
from tests.embed.conftest import send
from tests.leads.conftest import make_key, referral_body

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

SECRET = "test-turnstile-secret"  # a test value
# What Cloudflare's siteverify answers, per token the fake knows.
ANSWERS = {
    "good": {"success": True, "hostname": "www.partner.example", "error-codes": []},
    "good-bare-host": {"success": True, "hostname": "partner.example", "error-codes": []},
    "other-site": {"success": True, "hostname": "copycat.example", "error-codes": []},
    "spent": {"success": False, "error-codes": ["timeout-or-duplicate"]},
}


class FakeSiteverify(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.forms: list[dict[str, list[str]]] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/turnstile/v0/siteverify"


class _Handler(BaseHTTPRequestHandler):
    server: FakeSiteverify

    def do_POST(self) -> None:  # http.server's name
        length = int(self.headers["Content-Length"])
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.server.forms.append(form)
        token = form.get("response", [""])[0]
        if token == "slow":
            time.sleep(2)
        if token == "broken":
            self.send_response(502)
            self.end_headers()
            return
        ok = form.get("secret") == [SECRET]
        answer = ANSWERS.get(token) if ok else {"success": False, "error-codes": ["invalid-input-secret"]}
        body = json.dumps(answer or {"success": False, "error-codes": ["invalid-input-response"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def siteverify(settings) -> Iterator[FakeSiteverify]:
    server = FakeSiteverify()
    settings.TURNSTILE_SECRET_KEY = SECRET
    settings.TURNSTILE_VERIFY_URL = server.url
    settings.TURNSTILE_TIMEOUT_SECONDS = 1
    yield server
    server.shutdown()
    server.server_close()


def _send(api_client, publishable, token: str | None):
    headers = {"HTTP_TURNSTILE_TOKEN": token} if token is not None else {}
    return send(api_client, publishable, headers={**headers, "REMOTE_ADDR": "203.0.113.9"})


@pytest.mark.parametrize("token", ["good", "good-bare-host"])
def test_a_referral_with_a_token_solved_on_a_page_of_the_key_is_accepted(api_client, programs, publishable,
                                                                          siteverify, token):  # fmt: skip
    response = _send(api_client, publishable, token)

    assert response.status_code == 201, response.content
    assert Lead.objects.filter(reference=response.json()["reference"]).exists()
    # The server spoke to siteverify with the secret, the token and the client's address.
    assert siteverify.forms == [{"secret": [SECRET], "response": [token], "remoteip": ["203.0.113.9"]}]


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        (None, 400, "turnstile_missing"),
        ("", 400, "turnstile_missing"),
        ("wrong", 400, "turnstile_failed"),
        ("spent", 400, "turnstile_expired"),
        ("other-site", 403, "turnstile_wrong_site"),
        ("broken", 503, "turnstile_unavailable"),
        ("slow", 503, "turnstile_unavailable"),
    ],
)
def test_a_referral_without_a_good_token_is_refused_and_nothing_is_stored(api_client, programs, publishable,
                                                                          siteverify, token, status, code):  # fmt: skip
    response = _send(api_client, publishable, token)

    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    assert not Lead.objects.exists()


def test_a_missing_token_costs_no_call_to_siteverify(api_client, programs, publishable, siteverify):
    _send(api_client, publishable, None)

    assert siteverify.forms == []


def test_a_secret_key_needs_no_token(api_client, programs, publishable, siteverify):
    secret = make_key(publishable.partner, ["referrals:write"])

    response = api_client.post("/api/v1/referrals/", referral_body(), format="json", **secret.header)

    assert response.status_code == 201
    assert siteverify.forms == []


def test_without_a_secret_key_there_is_no_human_check(api_client, programs, publishable, settings):
    settings.TURNSTILE_SECRET_KEY = ""

    assert _send(api_client, publishable, None).status_code == 201


def test_a_retry_of_the_same_fill_with_a_fresh_token_replays_the_first_answer(api_client, programs, publishable,
                                                                              siteverify):  # fmt: skip
    key = {"HTTP_IDEMPOTENCY_KEY": "fill-1"}

    first = send(api_client, publishable, headers={**key, "HTTP_TURNSTILE_TOKEN": "good"})
    again = send(api_client, publishable, headers={**key, "HTTP_TURNSTILE_TOKEN": "good"})

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert Lead.objects.count() == 1
