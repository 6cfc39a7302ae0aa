"""Conditional GET, Cache-Control, and the Redis response cache under the content version."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content import services
from content.versioning import VERSION_KEY, content_version_bump
from tests.factories import ArticleFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_content_responses_carry_validators_and_cache_control(api_client):
    ArticleFactory()

    response = api_client.get("/api/v1/articles/")

    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["ETag"].endswith('"')
    assert response["Last-Modified"].endswith("GMT")
    assert response["Cache-Control"] == (
        "public, max-age=60, s-maxage=3600, stale-while-revalidate=300, stale-if-error=86400"
    )


def test_if_none_match_with_the_current_etag_answers_304_without_a_body(api_client):
    ArticleFactory(slug="a")
    etag = api_client.get("/api/v1/articles/a/")["ETag"]

    response = api_client.get("/api/v1/articles/a/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_if_modified_since_answers_304_until_content_changes(api_client, django_capture_on_commit_callbacks):
    article = ArticleFactory(slug="a")
    # The content last changed a minute ago, so the change below falls in a later second whatever the
    # machine's speed (Last-Modified has one-second resolution).
    state = content_version_bump()
    cache.set(VERSION_KEY, {**state, "changed_at": state["changed_at"] - 60}, timeout=None)
    last_modified = api_client.get("/api/v1/articles/")["Last-Modified"]

    assert api_client.get("/api/v1/articles/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        services.content_unpublish(item=article)
    # A removal leaves no item with a newer updated_at; Last-Modified still moves on.
    response = api_client.get("/api/v1/articles/", HTTP_IF_MODIFIED_SINCE=last_modified)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_an_edit_is_visible_at_once_and_changes_the_etag(api_client, django_capture_on_commit_callbacks):
    article = ArticleFactory(slug="a", title="Before")
    first = api_client.get("/api/v1/articles/a/")
    assert api_client.get("/api/v1/articles/a/").json()["title"] == "Before"  # now served from the cache

    with django_capture_on_commit_callbacks(execute=True):
        article.title = "After"
        services.content_save(item=article)
    response = api_client.get("/api/v1/articles/a/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 200
    assert response.json()["title"] == "After"
    assert response["ETag"] != first["ETag"]


def test_a_change_to_a_related_item_refreshes_the_pages_that_show_it(api_client, django_capture_on_commit_callbacks):
    program = ProgramFactory(slug="iop", name="Old name")
    ArticleFactory(slug="a").related_programs.add(program)
    assert api_client.get("/api/v1/articles/a/").json()["related_programs"][0]["name"] == "Old name"

    with django_capture_on_commit_callbacks(execute=True):
        program.name = "New name"
        services.content_save(item=program)

    assert api_client.get("/api/v1/articles/a/").json()["related_programs"][0]["name"] == "New name"


def test_a_warm_request_runs_no_sql_query(api_client):
    ArticleFactory.create_batch(3)
    url = "/api/v1/articles/?fields=slug,title,body,body_html"
    cold = api_client.get(url)

    with CaptureQueriesContext(connection) as queries:
        warm = api_client.get(url)

    assert len(queries) == 0, [query["sql"] for query in queries]
    assert warm.content == cold.content
    assert warm["ETag"] == cold["ETag"]


def test_responses_differ_by_query_and_ignore_unknown_parameters(api_client):
    ArticleFactory.create_batch(2)

    full = api_client.get("/api/v1/articles/")
    with CaptureQueriesContext(connection) as queries:
        tracked = api_client.get("/api/v1/articles/?utm_source=newsletter")
    small = api_client.get("/api/v1/articles/?page_size=1")

    assert len(queries) == 0  # the same response, served from the cache
    assert tracked.content == full.content
    assert len(small.json()["results"]) == 1


def test_with_the_cache_disabled_every_request_renders_from_the_database(api_client, settings):
    settings.CONTENT_CACHE_ENABLED = False
    ArticleFactory()
    api_client.get("/api/v1/articles/")

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/articles/")

    assert response.status_code == 200
    assert len(queries) > 0
    assert "ETag" in response
    assert "Last-Modified" not in response


def test_a_stored_response_is_served_exactly_as_the_first_one(api_client):
    ArticleFactory.create_batch(2)
    first = api_client.get("/api/v1/articles/?page_size=1")

    again = api_client.get("/api/v1/articles/?page_size=1")

    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    for header in ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Allow"):
        assert again[header] == first[header], header


def test_unusual_requests_take_the_ordinary_path_even_when_a_response_is_stored(api_client):
    ArticleFactory()
    api_client.get("/api/v1/articles/")

    html = api_client.get("/api/v1/articles/", HTTP_ACCEPT="text/html")
    bad_key = api_client.get("/api/v1/articles/", HTTP_AUTHORIZATION="Api-Key nope.nope")

    assert html.status_code == 406
    assert bad_key.status_code == 401


def test_the_throttle_counter_reloads_its_script_after_redis_lost_it():
    from django.core.cache import cache

    from api.throttling import count_hits

    first, _ = count_hits([("throttle:test:script", 60)])
    cache._cache.get_client(write=True).script_flush()  # a restarted or flushed Redis forgets loaded scripts
    second, _ = count_hits([("throttle:test:script", 60)])
    assert (first, second) == ([1], [2])


def test_several_throttle_counters_and_a_read_take_one_script_call():
    # The embedded form's referral counts its key and its IP (api.throttling.EmbedThrottle) in one round trip.
    from django.core.cache import cache

    from api.throttling import count_hits

    cache.set("throttle:test:read", {"token": "v1"})
    client = cache._cache.get_client(write=True)
    calls_before = client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)

    first = count_hits([("throttle:test:key", 60), ("throttle:test:ip", 3600)], also_get="throttle:test:read")
    second = count_hits([("throttle:test:key", 60), ("throttle:test:ip", 3600)], also_get="throttle:test:read")

    assert first == ([1, 1], {"token": "v1"})
    assert second == ([2, 2], {"token": "v1"})
    assert client.info("commandstats")["cmdstat_evalsha"]["calls"] == calls_before + 2
    assert 0 < client.ttl(cache.make_key("throttle:test:key")) <= 60
    assert 60 < client.ttl(cache.make_key("throttle:test:ip")) <= 3600
