"""Warm content reads answered by api.warm_reads exactly as the ordinary path answered them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import warm_reads
from api.views.content import ArticleViewSet
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/?page_size=1&fields=slug,title"


@pytest.fixture
def view_calls(monkeypatch) -> list[str]:
    """The paths the article view was asked to answer (a replayed request never reaches it)."""
    calls: list[str] = []
    dispatch = ArticleViewSet.dispatch

    def counting_dispatch(self, request, *args, **kwargs):
        calls.append(request.path)
        return dispatch(self, request, *args, **kwargs)

    monkeypatch.setattr(ArticleViewSet, "dispatch", counting_dispatch)
    return calls


def _same(first, again) -> None:
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert dict(again.items()) == dict(first.items())


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"},
        {"HTTP_ACCEPT": "application/json"},
    ],
    ids=["plain", "spanish", "accept-json"],
)
def test_a_repeated_read_skips_the_view_and_gets_the_same_body_and_headers(api_client, view_calls, headers):
    ArticleFactory.create_batch(2)
    first = api_client.get(LIST, **headers)

    with CaptureQueriesContext(connection) as queries:
        again = api_client.get(LIST, **headers)

    assert first.status_code == 200
    _same(first, again)
    assert view_calls == ["/api/v1/articles/"]  # the first only
    assert len(queries) == 0


def test_each_coding_is_replayed_as_the_ordinary_path_answers_it(api_client, settings, view_calls):
    settings.CONTENT_COMPRESS_MIN_BYTES = 0  # the factories' pages are small
    ArticleFactory.create_batch(2)
    first = {coding: api_client.get(LIST, HTTP_ACCEPT_ENCODING=coding) for coding in ("br", "identity")}
    assert view_calls == ["/api/v1/articles/"]  # learned from the brotli read, replayed for identity

    again = {coding: api_client.get(LIST, HTTP_ACCEPT_ENCODING=coding) for coding in ("gzip", "br", "identity")}
    ordinary = {}
    for coding in ("gzip", "identity"):
        warm_reads.routes.clear()  # forgotten: the view answers (from the response cache)
        ordinary[coding] = api_client.get(LIST, HTTP_ACCEPT_ENCODING=coding)

    assert first["br"]["Content-Encoding"] == "br"
    _same(first["br"], again["br"])
    _same(ordinary["gzip"], again["gzip"])
    _same(ordinary["identity"], again["identity"])
    _same(ordinary["identity"], first["identity"])
    # The brotli read rendered; the first gzip read went to the view to compress gzip once; then the two
    # ordinary reads. Every other read was replayed.
    assert len(view_calls) == 4


def test_a_head_request_is_answered_as_the_ordinary_path_answers_it(api_client, view_calls):
    ArticleFactory()
    first = api_client.head(LIST)

    again = api_client.head(LIST)

    _same(first, again)
    assert len(view_calls) == 1


def test_a_revalidation_is_answered_304_with_the_ordinary_headers(api_client, view_calls):
    ArticleFactory()
    etag = api_client.get(LIST)["ETag"]
    first = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)  # the view's own 304, learned

    again = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    stale = api_client.get(LIST, HTTP_IF_NONE_MATCH='"an-older-version"')

    assert first.status_code == 304
    _same(first, again)
    assert again.content == b""
    assert stale.status_code == 200
    assert stale.content == api_client.get(LIST).content
    assert len(view_calls) == 2


def test_a_new_content_version_goes_to_the_view_and_shows_the_change(
    api_client, view_calls, django_capture_on_commit_callbacks
):
    from content import services

    article = ArticleFactory(title="Before")
    api_client.get(LIST)
    api_client.get(LIST)

    with django_capture_on_commit_callbacks(execute=True):
        article.title = "After"
        services.content_save(item=article)
    response = api_client.get(LIST)

    assert response.json()["results"][0]["title"] == "After"
    assert len(view_calls) == 2


def test_replayed_reads_are_throttled_like_any_other(api_client, settings, view_calls, steady_throttle_window):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    ArticleFactory()

    statuses = [api_client.get(LIST).status_code for _ in range(4)]
    throttled = api_client.get(LIST)

    assert statuses == [200, 200, 200, 429]
    assert throttled.status_code == 429
    assert throttled["Content-Type"] == "application/problem+json"
    assert int(throttled["Retry-After"]) >= 1
    assert len(view_calls) == 3  # the first, and the two refused ones the view answers with a problem


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Api-Key nope.nope"},
        {"HTTP_ACCEPT": "text/html"},
        {"HTTP_CONTENT_PREVIEW_TOKEN": "not-a-token"},
        {"REQUEST_METHOD": "OPTIONS"},
    ],
    ids=["api-key", "html", "preview-token", "options"],
)
def test_unusual_requests_go_to_the_view(api_client, view_calls, headers):
    ArticleFactory()
    api_client.get(LIST)

    api_client.generic(headers.pop("REQUEST_METHOD", "GET"), LIST, **headers)

    assert len(view_calls) == 2


def test_a_host_not_allowed_is_refused_even_for_a_warm_read(api_client):
    ArticleFactory()
    api_client.get(LIST)

    response = api_client.get(LIST, HTTP_HOST="not-an-allowed-host.example")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_urls_with_parameters_the_view_ignores_are_not_remembered(api_client, view_calls):
    ArticleFactory()

    responses = [api_client.get(f"{LIST}&utm_source=mail") for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert len(view_calls) == 3  # each answered by the view (from the response cache)


def test_each_host_has_its_own_route(api_client, view_calls):
    ArticleFactory.create_batch(2)
    api_client.get(LIST, HTTP_HOST="localhost")

    other = api_client.get(LIST, HTTP_HOST="127.0.0.1")
    again = api_client.get(LIST, HTTP_HOST="127.0.0.1")

    assert other.json()["next"].startswith("http://127.0.0.1/")
    _same(other, again)
    assert len(view_calls) == 2


def test_cors_headers_are_added_to_replayed_reads(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.example.org"]
    ArticleFactory()
    api_client.get(LIST, HTTP_ORIGIN="https://www.example.org")

    again = api_client.get(LIST, HTTP_ORIGIN="https://www.example.org")
    other = api_client.get(LIST, HTTP_ORIGIN="https://elsewhere.example")

    assert again["Access-Control-Allow-Origin"] == "https://www.example.org"
    assert "origin" in again["Vary"].lower()
    assert "Access-Control-Allow-Origin" not in other


def test_with_the_cache_disabled_every_read_goes_to_the_view(api_client, settings, view_calls):
    settings.CONTENT_CACHE_ENABLED = False
    ArticleFactory()

    api_client.get(LIST)
    api_client.get(LIST)

    assert len(view_calls) == 2
