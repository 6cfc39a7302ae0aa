"""The media library in Chromium: an editor uploads a photo from disk with its alt text, clicks the focal point,
and the article showing it serves the image's renditions, stripped and cached for a year."""

import io

import httpx
import pytest
from PIL import Image

from content.models import MediaAsset
from tests.browser.conftest import assert_accessible
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_uploads_a_photo_sets_its_focal_point_and_the_api_serves_it(
    admin_page, live_server, artifacts, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PUBLIC_API_URL = live_server.url
    photo = tmp_path / "garden.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (33.0, 26.0, 54.0)})  # GPS: where the photo was taken
    out = io.BytesIO()
    Image.new("RGB", (1600, 1000), (60, 140, 80)).save(out, format="JPEG", exif=exif.tobytes())
    photo.write_bytes(out.getvalue())
    page = admin_page

    page.goto(f"{live_server.url}/admin/content/mediaasset/add/")
    page.get_by_label("Image file").set_input_files(str(photo))
    page.locator("#id_alt_en").fill("Chairs in a sunny garden")
    with page.expect_navigation(url="**/change/"):
        page.get_by_role("button", name="Save and continue editing").click()
    picture = page.locator("[data-focal-point] img")
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.3})
    page.screenshot(path=str(artifacts / "media-library.png"), full_page=True)
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue editing").click()

    asset = MediaAsset.objects.get()
    assert (round(asset.focal_x, 1), round(asset.focal_y, 1)) == (0.8, 0.3)
    assert asset.renditions_focal == [asset.focal_x, asset.focal_y]  # the crops were made around it
    ArticleFactory(slug="garden", hero_image=asset)
    image = httpx.get(f"{live_server.url}/api/v1/articles/garden/").json()["hero_image"]
    assert image["alt"] == "Chairs in a sunny garden"
    served = httpx.get(image["renditions"][0]["url"])
    # Django's live server answers /media/ from MEDIA_ROOT itself (its media handler, ahead of our view), so the
    # immutable caching header is held by tests/content/test_media.py and the object store's by test_media_s3.py.
    assert served.status_code == 200
    assert not Image.open(io.BytesIO(served.content)).getexif()
