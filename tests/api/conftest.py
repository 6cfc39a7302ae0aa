"""A media library image for the API's image tests (hero images, body image blocks), stored under a temporary
MEDIA_ROOT (a module of them marks itself `usefixtures("media_root")`)."""

import io

import pytest
from PIL import Image

from content import services
from content.models import MediaAsset


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def jpeg(width: int = 1400, height: int = 900) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 90)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def asset(media_root, django_capture_on_commit_callbacks) -> MediaAsset:
    with django_capture_on_commit_callbacks(execute=True):
        made = services.media_asset_import(
            data=jpeg(), filename="room.jpg", alt_en="A quiet room", alt_es="Una sala tranquila", credit="© CR"
        )
    made.refresh_from_db()
    return made
