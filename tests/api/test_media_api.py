"""Images in the API: the image object on programs, therapies and articles (hero images), the media list of
what live content shows, cached like the rest of the content and announced to webhooks when an image changes."""

import pytest
from django.test import override_settings

from content import services
from content.models import ContentEvent, PublicationStatus
from tests.api.conftest import jpeg
from tests.factories import ArticleFactory, ProgramFactory, TherapyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@override_settings(PUBLIC_API_URL="https://api.example.org")
def test_an_article_carries_its_hero_image_as_an_image_object_for_picture_and_next_image(api_client, asset):
    ArticleFactory(slug="calm", hero_image=asset)

    image = api_client.get("/api/v1/articles/calm/").json()["hero_image"]
    spanish = api_client.get("/api/v1/articles/calm/?lang=es").json()["hero_image"]

    assert (image["id"], image["width"], image["height"], image["alt"]) == (asset.pk, 1400, 900, "A quiet room")
    assert spanish["alt"] == "Una sala tranquila"
    assert image["url"].startswith("https://api.example.org/media/renditions/")
    assert image["url"].endswith(".jpg")
    assert image["blurhash"] == asset.blurhash
    assert image["focal_point"] == {"x": 0.5, "y": 0.5}
    whole = {(r["width"], r["format"]) for r in image["renditions"] if not r["crop"]}
    assert whole == {(w, f) for w in (320, 640, 960, 1280, 1400) for f in ("avif", "webp", "jpeg")}
    assert {r["crop"] for r in image["renditions"]} == {"", "16:9", "4:3", "1:1"}
    assert image["srcset"]["webp"].count("w, ") == 4
    assert image["srcset"]["avif"].endswith(" 1400w")


def test_items_without_a_hero_image_say_null_and_lists_carry_it(api_client, asset):
    ArticleFactory(slug="plain")
    ArticleFactory(slug="pictured", hero_image=asset)
    ProgramFactory(slug="iop", hero_image=asset)
    TherapyFactory(slug="cbt")

    articles = {item["slug"]: item for item in api_client.get("/api/v1/articles/").json()["results"]}

    assert articles["plain"]["hero_image"] is None
    assert articles["pictured"]["hero_image"]["id"] == asset.pk
    assert api_client.get("/api/v1/programs/iop/").json()["hero_image"]["alt"] == "A quiet room"
    assert api_client.get("/api/v1/therapies/cbt/").json()["hero_image"] is None


def test_the_media_list_shows_only_images_live_content_uses(api_client, asset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft_only = services.media_asset_import(data=jpeg(400, 300), filename="d.jpg", alt_en="Draft picture")
    ArticleFactory(slug="live", hero_image=asset)
    ArticleFactory(slug="draft", hero_image=draft_only, status=PublicationStatus.DRAFT, publish_at=None)

    listed = api_client.get("/api/v1/media/").json()

    assert [image["id"] for image in listed["results"]] == [asset.pk]
    assert api_client.get(f"/api/v1/media/{asset.pk}/").json()["alt"] == "A quiet room"
    missing = api_client.get(f"/api/v1/media/{draft_only.pk}/")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_a_changed_image_is_served_fresh_and_announced_for_the_pages_showing_it(
    api_client, asset, django_capture_on_commit_callbacks
):
    ArticleFactory(slug="calm", hero_image=asset)
    assert api_client.get("/api/v1/articles/calm/").json()["hero_image"]["alt"] == "A quiet room"
    ContentEvent.objects.all().delete()

    asset.alt_en = "A quiet room with two chairs"
    with django_capture_on_commit_callbacks(execute=True):  # the cache's version moves on at the commit
        services.media_asset_save(asset=asset)

    assert api_client.get("/api/v1/articles/calm/").json()["hero_image"]["alt"] == "A quiet room with two chairs"
    page, image = ContentEvent.objects.order_by("id")
    assert (page.kind, page.item_type, page.slug) == ("content.updated", "article", "calm")
    assert "/articles/calm/" in page.paths
    assert (image.kind, image.item_type, image.item_id, image.paths) == ("content.updated", "media", asset.pk, [])


def test_pages_showing_an_image_carry_its_edge_key_and_its_change_purges_them(api_client, asset):
    from notifications.edge import event_purge_keys

    ArticleFactory(slug="calm", hero_image=asset)
    ContentEvent.objects.all().delete()

    article = api_client.get("/api/v1/articles/calm/")
    listed = api_client.get("/api/v1/media/")
    one = api_client.get(f"/api/v1/media/{asset.pk}/")
    services.media_asset_save(asset=asset)

    image_key = f"media:{asset.pk}"
    assert image_key in article["Surrogate-Key"].split()
    assert {image_key, "media"} <= set(listed["Surrogate-Key"].split())
    assert image_key in one["Surrogate-Key"].split()
    page_event, image_event = ContentEvent.objects.order_by("id")
    assert event_purge_keys(image_event) == ["media", image_key]
    assert "media" in event_purge_keys(page_event)  # the media list shows what live pages show
