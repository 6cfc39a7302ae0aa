"""The sitemap feed: every live public page at its public path, with `lastmod`, Spanish alternates where a Spanish
version exists, paginated and cached under the content version like the rest of the content."""

import time
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content import services
from content.models import PublicationStatus
from tests.factories import (
    ArticleFactory,
    FAQFactory,
    ProgramFactory,
    SiteProfileFactory,
    TherapyFactory,
    paragraph,
)

pytestmark = pytest.mark.django_db


def _entries(api_client, query: str = "page_size=100") -> dict[str, dict]:
    response = api_client.get(f"/api/v1/sitemap/?{query}")
    assert response.status_code == 200, response.content
    return {entry["path"]: entry for entry in response.json()["results"]}


def _spanish(**fields):
    return {"name_es": "Programa intensivo", "body_es": [paragraph("Sobre el programa.")], **fields}


def test_the_sitemap_lists_exactly_the_live_pages(api_client):
    SiteProfileFactory()
    ProgramFactory(slug="iop")
    TherapyFactory(slug="cbt")
    ArticleFactory(slug="live")
    ArticleFactory(slug="learn", canonical_path="/learn/iop-basics/")
    ArticleFactory(slug="draft", status=PublicationStatus.DRAFT, publish_at=None)
    ArticleFactory(slug="archived", status=PublicationStatus.ARCHIVED)
    ArticleFactory(slug="scheduled", publish_at=timezone.now() + timedelta(days=1))
    FAQFactory()

    entries = _entries(api_client)

    assert list(entries) == [
        "/",
        "/articles/",
        "/faqs/",
        "/programs/",
        "/therapies/",
        "/programs/iop/",
        "/therapies/cbt/",
        "/learn/iop-basics/",
        "/articles/live/",
    ]
    assert {path: entry["type"] for path, entry in entries.items()}["/programs/iop/"] == "program"
    assert entries["/"]["type"] == "site"
    assert entries["/faqs/"]["type"] == "list"
    assert all(entry["images"] == [] for entry in entries.values())


def test_spanish_alternates_where_the_title_and_the_body_are_written_in_spanish(api_client):
    SiteProfileFactory()
    ProgramFactory(slug="iop", **_spanish())
    ProgramFactory(slug="php", name_es="Hospitalización parcial")  # a Spanish name, an English body
    TherapyFactory(slug="cbt")

    entries = _entries(api_client)

    assert entries["/programs/iop/"]["alternates"] == [{"lang": "es", "path": "/es/programs/iop/"}]
    assert entries["/programs/php/"]["alternates"] == []
    assert entries["/therapies/cbt/"]["alternates"] == []
    assert entries["/programs/"]["alternates"] == [{"lang": "es", "path": "/es/programs/"}]
    assert entries["/therapies/"]["alternates"] == []
    assert entries["/"]["alternates"] == [{"lang": "es", "path": "/es/"}]


def test_lastmod_is_the_later_of_the_last_edit_and_the_go_live(api_client):
    edited = ArticleFactory(slug="edited", publish_at=timezone.now() - timedelta(days=3))
    went_live = ArticleFactory(slug="went-live", publish_at=timezone.now() - timedelta(days=3))
    type(went_live).objects.filter(pk=went_live.pk).update(
        updated_at=timezone.now() - timedelta(days=5), publish_at=timezone.now() - timedelta(days=2)
    )
    went_live.refresh_from_db()
    edited.refresh_from_db()

    entries = _entries(api_client)

    assert datetime.fromisoformat(entries["/articles/edited/"]["lastmod"]) == edited.updated_at
    assert datetime.fromisoformat(entries["/articles/went-live/"]["lastmod"]) == went_live.publish_at
    assert datetime.fromisoformat(entries["/articles/"]["lastmod"]) == edited.updated_at


def test_the_sitemap_changes_when_an_item_is_published_edited_or_unpublished(
    api_client, django_capture_on_commit_callbacks
):
    article = ArticleFactory(slug="a", status=PublicationStatus.DRAFT, publish_at=None)
    assert "/articles/a/" not in _entries(api_client)

    with django_capture_on_commit_callbacks(execute=True):
        services.content_publish(item=article)
    published = _entries(api_client)
    assert "/articles/a/" in published

    with django_capture_on_commit_callbacks(execute=True):
        article.title_es, article.body_es = "Un artículo", [paragraph("Palabras.")]
        services.content_save(item=article)
    edited = _entries(api_client)
    assert edited["/articles/a/"]["alternates"] == [{"lang": "es", "path": "/es/articles/a/"}]
    assert edited["/articles/a/"]["lastmod"] > published["/articles/a/"]["lastmod"]

    with django_capture_on_commit_callbacks(execute=True):
        services.content_unpublish(item=article)
    assert _entries(api_client) == {}


def test_a_scheduled_item_appears_at_its_go_live_never_before(api_client):
    ArticleFactory(slug="now")
    # Room for a slow, shared machine to make the request below before the item goes live.
    go_live = timezone.now() + timedelta(seconds=2.5)
    ArticleFactory(slug="soon", publish_at=go_live)

    assert "/articles/soon/" not in _entries(api_client)  # also warms the cache under the current version

    time.sleep(max(0.0, (go_live - timezone.now()).total_seconds()) + 0.1)

    entries = _entries(api_client)
    assert "/articles/soon/" in entries
    assert datetime.fromisoformat(entries["/articles/soon/"]["lastmod"]) >= go_live.replace(microsecond=0)


def test_the_sitemap_is_paginated(api_client):
    ArticleFactory.create_batch(3)

    first = api_client.get("/api/v1/sitemap/?page_size=2").json()
    second = api_client.get(first["next"]).json()

    assert first["count"] == 4  # the list page and three articles
    assert len(first["results"]) == 2
    assert len(second["results"]) == 2
    assert second["next"] is None


def test_the_sitemap_is_cached_with_etag_and_costs_constant_queries(api_client):
    SiteProfileFactory()
    ProgramFactory()
    ArticleFactory()
    with CaptureQueriesContext(connection) as few:
        first = api_client.get("/api/v1/sitemap/?lang=es")
    assert api_client.get("/api/v1/sitemap/?lang=es", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert first["Content-Language"] == "es"
    with CaptureQueriesContext(connection) as warm:
        api_client.get("/api/v1/sitemap/?lang=es")
    assert len(warm) == 0

    ProgramFactory.create_batch(4)
    TherapyFactory.create_batch(4)
    ArticleFactory.create_batch(4)
    FAQFactory.create_batch(2)
    with CaptureQueriesContext(connection) as many:
        second = api_client.get("/api/v1/sitemap/?lang=es&page_size=100")

    assert second.json()["count"] == 1 + 4 + 5 + 4 + 5  # home, lists, programs, therapies, articles
    assert len(many) == len(few)
