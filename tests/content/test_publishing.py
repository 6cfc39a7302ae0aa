import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from content import services
from content.models import Article, PublicationStatus, Testimonial
from tests.factories import ArticleFactory, TestimonialFactory

pytestmark = pytest.mark.django_db


def _listed_slugs(api_client) -> list[str]:
    response = api_client.get("/api/v1/articles/")
    assert response.status_code == 200
    return [item["slug"] for item in response.json()["results"]]


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.ARCHIVED])
def test_drafts_and_archived_items_are_never_returned(api_client, status):
    ArticleFactory(slug="hidden", status=status)
    ArticleFactory(slug="shown")

    assert _listed_slugs(api_client) == ["shown"]
    assert api_client.get("/api/v1/articles/hidden/").status_code == 404


def test_a_scheduled_item_is_hidden_until_its_time_then_appears_by_itself(api_client):
    ArticleFactory(slug="now")
    # Room for a slow, shared machine to make the two requests below before the item goes live.
    go_live = timezone.now() + timedelta(seconds=2.5)
    ArticleFactory(slug="soon", publish_at=go_live)

    assert _listed_slugs(api_client) == ["now"]  # also warms the cache under the current version
    assert api_client.get("/api/v1/articles/soon/").status_code == 404

    # Nobody runs a command or saves anything in between: the clock alone moves past the go-live time.
    time.sleep(max(0.0, (go_live - timezone.now()).total_seconds()) + 0.1)

    assert _listed_slugs(api_client) == ["soon", "now"]
    assert api_client.get("/api/v1/articles/soon/").status_code == 200


def test_publishing_sets_the_publication_time_and_keeps_it_on_republish():
    article = ArticleFactory(status=PublicationStatus.DRAFT, publish_at=None)

    services.content_publish(item=article)
    first = article.publish_at
    services.content_unpublish(item=article)
    services.content_publish(item=article)

    assert first is not None
    assert article.publish_at == first
    assert Article.objects.live().filter(pk=article.pk).exists()


def test_the_database_refuses_a_published_row_without_a_publication_time():
    article = ArticleFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(publish_at=None)


def test_a_sample_testimonial_can_never_be_published(api_client):
    sample = TestimonialFactory(status=PublicationStatus.DRAFT, is_sample=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Testimonial.objects.filter(pk=sample.pk).update(status=PublicationStatus.PUBLISHED, publish_at=timezone.now())

    assert api_client.get("/api/v1/testimonials/").json()["count"] == 0


def test_a_testimonial_without_consent_cannot_be_published():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        TestimonialFactory(consent_on_file=False)
