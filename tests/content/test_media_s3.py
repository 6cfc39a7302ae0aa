"""The media library on an S3-compatible object store (production's MEDIA_STORAGE_URL), against a real S3 API:
moto's server, started as a process of its own on a free port of 127.0.0.1."""

import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from config.media import IMMUTABLE, media_storage
from content import services
from content.models import MediaAsset
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
BUCKET = "corerecovery-media"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def s3_endpoint(monkeypatch) -> Iterator[str]:
    port = _free_port()
    moto_server = Path(sys.executable).with_name("moto_server")
    server = subprocess.Popen(  # our own virtualenv's program, fixed arguments
        [str(moto_server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
            monkeypatch.setenv(name, value)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        # As in production: the bucket (or the CDN in front of it) serves its files to anyone.
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
            ],
        }
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def on_s3(settings, s3_endpoint) -> str:
    url = f"s3://{BUCKET}?endpoint_url={s3_endpoint}&region=us-east-1"
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(url)}
    return s3_endpoint


def _photo() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (33.0, 26.0, 54.0), 3: "W", 4: (112.0, 4.0, 26.0)})
    out = io.BytesIO()
    Image.new("RGB", (1000, 700), (200, 120, 40)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_images_and_renditions_are_stored_in_the_bucket_immutable_and_stripped(
    on_s3, api_client, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asset = services.media_asset_import(data=_photo(), filename="porch.jpg", alt_en="The front porch")
    asset.refresh_from_db()
    s3 = boto3.client("s3", endpoint_url=on_s3, region_name="us-east-1")

    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {asset.file, *(rendition["name"] for rendition in asset.renditions)}
    webp = next(rendition for rendition in asset.renditions if rendition["format"] == "webp")
    head = s3.head_object(Bucket=BUCKET, Key=webp["name"])
    assert head["CacheControl"] == IMMUTABLE
    assert head["ContentType"] == "image/webp"
    for key in keys:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert not Image.open(io.BytesIO(body)).getexif(), key

    ArticleFactory(slug="porch", hero_image=asset)
    image = api_client.get("/api/v1/articles/porch/").json()["hero_image"]
    assert image["url"].startswith(f"{on_s3}/{BUCKET}/renditions/")
    served = httpx.get(image["renditions"][0]["url"])
    assert served.status_code == 200
    assert served.headers["cache-control"] == IMMUTABLE
    # The admin's previews come through this site's /media/ (its CSP allows images from itself only).
    proxied = client.get(f"/media/{webp['name']}")
    assert proxied.status_code == 200
    assert proxied["Cache-Control"] == IMMUTABLE


def test_a_refused_upload_leaves_nothing_in_the_bucket(on_s3):
    with pytest.raises(Exception, match="SVG"):
        services.media_asset_import(data=b"<svg xmlns='http://www.w3.org/2000/svg'/>", filename="a.svg", alt_en="x")

    s3 = boto3.client("s3", endpoint_url=on_s3, region_name="us-east-1")
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert MediaAsset.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    ["https://bucket", "s3://key:secret@bucket", "s3://bucket?acl=public-read", "s3://"],
)
def test_a_wrong_media_storage_url_stops_the_start(url):
    with pytest.raises(ImproperlyConfigured):
        media_storage(url)


def test_no_media_storage_url_is_the_filesystem():
    assert media_storage("")["BACKEND"] == "django.core.files.storage.FileSystemStorage"
