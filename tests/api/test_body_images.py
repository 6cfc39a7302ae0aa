"""Images in bodies: an image block names a media library image by id (with its own alt text and caption when
this use needs other words); the API shows it as the same image object as a hero image, in `body` and in
`body_html` (`<figure><picture>` with a `srcset` per format), in both languages; the page carries the image's
surrogate key, an image a body shows cannot be deleted, and a body naming a missing image is refused on save,
reported by `check_content`, and served without the image rather than failing."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import ProtectedError
from django.test import override_settings

from content import editing, services
from content.forms import BlocksField
from content.models import Article, ContentEvent, MediaAsset, PublicationStatus
from tests.factories import ArticleFactory, paragraph

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _body(asset: MediaAsset, **block: str) -> list[dict]:
    return [paragraph("Before."), {"type": "image", "image": asset.pk, **block}, paragraph("After.")]


@override_settings(PUBLIC_API_URL="https://api.example.org")
def test_an_image_block_is_served_as_the_hero_image_object_in_body_and_body_html(api_client, asset):
    ArticleFactory(slug="calm", body=_body(asset), body_es=_body(asset), hero_image=asset)

    served = api_client.get("/api/v1/articles/calm/").json()
    spanish = api_client.get("/api/v1/articles/calm/?lang=es").json()

    block = served["body"][1]
    assert block == {"type": "image", "image": served["hero_image"]}  # one representation of an image
    image = block["image"]
    assert (image["id"], image["width"], image["height"], image["alt"]) == (asset.pk, 1400, 900, "A quiet room")
    assert image["blurhash"] == asset.blurhash
    assert image["srcset"]["avif"].endswith(" 1400w")
    assert spanish["body"][1]["image"]["alt"] == "Una sala tranquila"
    html = served["body_html"]
    assert html.index("<p>Before.</p>") < html.index("<figure") < html.index("<p>After.</p>")
    assert f'<source type="image/avif" srcset="{image["srcset"]["avif"]}"' in html
    assert f'<source type="image/webp" srcset="{image["srcset"]["webp"]}"' in html
    assert f'<img src="{image["url"]}" srcset="{image["srcset"]["jpeg"]}"' in html
    assert 'alt="A quiet room" width="1400" height="900"' in html
    assert "<figcaption>© CR</figcaption>" in html
    assert 'alt="Una sala tranquila"' in spanish["body_html"]
    # Only the HTML asked for: the body's image still rendered.
    only_html = api_client.get("/api/v1/articles/?fields=slug,body_html").json()["results"][0]
    assert only_html["body_html"] == html


def test_a_block_s_own_alt_text_and_caption_replace_the_library_s(api_client, asset):
    spanish_body = _body(asset, caption="Nuestra sala de grupo")
    ArticleFactory(slug="calm", body=_body(asset, alt="Two chairs by a window", caption="Our group room"))
    article = Article.objects.get(slug="calm")
    article.body_es = spanish_body
    services.content_save(item=article)

    english = api_client.get("/api/v1/articles/calm/").json()
    spanish = api_client.get("/api/v1/articles/calm/?lang=es").json()

    assert (english["body"][1]["image"]["alt"], english["body"][1]["image"]["caption"]) == (
        "Two chairs by a window",
        "Our group room",
    )
    assert "<figcaption>Our group room — © CR</figcaption>" in english["body_html"]
    assert (spanish["body"][1]["image"]["alt"], spanish["body"][1]["image"]["caption"]) == (
        "Una sala tranquila",
        "Nuestra sala de grupo",
    )
    assert api_client.get("/api/v1/media/").json()["results"][0]["alt"] == "A quiet room"  # the library's own


def test_a_body_without_images_is_served_as_stored(api_client):
    ArticleFactory(slug="plain")
    served = api_client.get("/api/v1/articles/plain/").json()
    assert served["body"] == Article.objects.get().body_en
    assert served["body_html"] == Article.objects.get().body_html_en


def test_the_page_carries_the_image_s_edge_key_and_a_change_of_the_image_announces_it(
    api_client, asset, django_capture_on_commit_callbacks
):
    from notifications.edge import event_purge_keys

    ArticleFactory(slug="calm", body=_body(asset))
    ContentEvent.objects.all().delete()
    page = api_client.get("/api/v1/articles/calm/")
    assert f"media:{asset.pk}" in page["Surrogate-Key"].split()
    assert [image["id"] for image in api_client.get("/api/v1/media/").json()["results"]] == [asset.pk]

    asset.alt_en = "A quiet room with two chairs"
    with django_capture_on_commit_callbacks(execute=True):
        services.media_asset_save(asset=asset)

    assert api_client.get("/api/v1/articles/calm/").json()["body"][1]["image"]["alt"] == "A quiet room with two chairs"
    page_event, image_event = ContentEvent.objects.order_by("id")
    assert (page_event.item_type, page_event.slug) == ("article", "calm")
    assert f"media:{asset.pk}" in event_purge_keys(image_event)


def test_a_draft_s_body_image_is_not_in_the_media_list(api_client, asset):
    ArticleFactory(slug="draft", body=_body(asset), status=PublicationStatus.DRAFT, publish_at=None)
    assert api_client.get("/api/v1/media/").json()["results"] == []


def test_an_image_block_naming_no_library_image_is_refused_in_words_beside_its_block(asset):
    body = [paragraph("Before."), {"type": "image", "image": asset.pk + 1000}]
    article = Article(title="T", slug="t", summary="S", body=body)
    with pytest.raises(ValidationError) as refused:
        services.content_save(item=article)
    assert "Block 2: image" in str(refused.value)
    assert "is not in the media library" in str(refused.value)

    field = BlocksField()
    with pytest.raises(ValidationError):
        field.clean(body)
    assert [(error.index, error.field) for error in field.widget.errors] == [(1, "image")]
    no_choice = editing.block_from_row({"type": "image", "image": "", "alt": "", "caption": ""})
    assert no_choice == {"type": "image"}
    assert "no image is chosen" in str(editing.describe_body_errors([no_choice])[0])


def test_the_editor_reads_and_writes_an_image_block():
    block = {"type": "image", "image": 7, "caption": "Our room"}
    row = editing.row_from_block(block)
    assert (row["image"], row["alt"], row["caption"]) == ("7", "", "Our room")
    assert editing.block_from_row(row) == block


def test_an_image_a_body_shows_cannot_be_deleted(asset, admin_client):
    ArticleFactory(slug="calm", title="Calm rooms", body=_body(asset))

    with pytest.raises(ProtectedError):
        asset.delete()
    page = admin_client.post(f"/admin/content/mediaasset/{asset.pk}/delete/", {"post": "yes"})
    assert MediaAsset.objects.filter(pk=asset.pk).exists()
    assert "Calm rooms (an image block in its body)" in page.content.decode()

    article = Article.objects.get()
    article.body_en = [paragraph("No picture now.")]
    services.content_save(item=article)
    asset.delete()
    assert not MediaAsset.objects.exists()


def test_an_image_deleted_around_the_protection_is_left_out_and_reported(api_client, asset, capsys):
    ArticleFactory(slug="calm", body=_body(asset))
    MediaAsset.objects.filter(pk=asset.pk).delete()  # a bulk delete: no model delete(), no protection

    served = api_client.get("/api/v1/articles/calm/")

    assert served.status_code == 200
    assert [block["type"] for block in served.json()["body"]] == ["paragraph", "paragraph"]
    assert "<figure" not in served.json()["body_html"]
    with pytest.raises(CommandError):
        call_command("check_content")
    assert f"Block 2: image {asset.pk} is not in the media library" in capsys.readouterr().out
