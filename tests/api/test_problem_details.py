"""Every error under /api/ is RFC 9457 problem+json, never an HTML page."""

import logging

import pytest
from django.test import Client

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    if code:
        assert body["code"] == code
    return body


def test_400_validation_problem_lists_errors_by_field(api_client):
    body = assert_problem(api_client.get("/api/v1/articles/?page_size=1000"), 400, "validation_error")

    assert body["type"] == "urn:corerecovery:problem:validation_error"
    assert body["errors"] == {"page_size": ["Must be an integer from 1 to 100."]}


@pytest.mark.urls("tests.api.error_urls")
def test_401_problem(api_client):
    assert_problem(api_client.get("/api/v1/test/401/"), 401, "not_authenticated")


@pytest.mark.urls("tests.api.error_urls")
def test_403_problem(api_client):
    assert_problem(api_client.get("/api/v1/test/403/"), 403, "permission_denied")


@pytest.mark.parametrize("url", ["/api/v1/articles/missing/", "/api/v1/no-such-endpoint/", "/api/nothing", "/nothing"])
def test_404_problem_for_unknown_items_and_unknown_urls(api_client, url):
    assert_problem(api_client.get(url), 404, "not_found")


def test_405_problem_lists_the_allowed_methods(api_client):
    response = api_client.post("/api/v1/programs/", {}, format="json")

    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_406_problem_when_the_client_accepts_no_json(api_client):
    assert_problem(api_client.get("/api/v1/programs/", HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_429_problem_with_retry_after(api_client, settings, steady_throttle_window):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}
    ArticleFactory()
    for _ in range(2):
        assert api_client.get("/api/v1/articles/").status_code == 200

    response = api_client.get("/api/v1/articles/")

    assert_problem(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60


def test_throttle_counts_each_client_ip_apart(api_client, settings, steady_throttle_window):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/minute"}}

    assert api_client.get("/api/v1/faqs/", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert api_client.get("/api/v1/faqs/", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert api_client.get("/api/v1/faqs/", REMOTE_ADDR="192.0.2.2").status_code == 200


@pytest.mark.urls("tests.api.error_urls")
@pytest.mark.parametrize("url", ["/api/v1/test/500/", "/api/v1/test/500-django/"])
def test_500_problem_hides_the_error_and_logs_no_personal_data(url, caplog):
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.ERROR):
        body = assert_problem(client.get(url), 500, "server_error")

    assert "boom" not in body["detail"]
    assert "jane@example.org" not in body["detail"]


def test_503_problem_from_readyz_when_redis_is_unreachable(api_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = api_client.get("/readyz")

    body = assert_problem(response, 503, "not_ready")
    assert "redis" in body["detail"]
    assert response["Retry-After"]


def test_malformed_request_bytes_are_a_400_problem_not_html(api_client):
    response = api_client.get("/api/v1/programs/", HTTP_HOST="bad host name")

    assert_problem(response, 400, "bad_request")


@pytest.mark.parametrize("path", ["/api/v1/faqs/", "/admin/"])
def test_a_10_kb_host_header_is_a_400_problem_and_one_short_warning(path, caplog):
    host = "evil.example\x1b[31m\nFORGED LINE " + "h" * 10_000

    with caplog.at_level(logging.DEBUG):
        response = Client().get(path, HTTP_HOST=host)

    assert_problem(response, 400, "bad_request")
    records = [record for record in caplog.records if record.name == "django.security.DisallowedHost"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None  # no traceback repeating the value
    message = record.getMessage()
    assert len(message) < 200
    assert "evil.example" in message
    assert "\n" not in message
    assert "\x1b" not in message
    assert "10030 characters" in message
    assert "h" * 200 not in caplog.text  # nowhere in the captured log, message or traceback
