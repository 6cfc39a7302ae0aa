"""The media library: uploads checked before decoding (and nothing stored for a refused one), metadata stripped
from every file, renditions never upscaled, crops around the focal point, immutable caching, import_media."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from PIL import Image

from content import images, services
from content.models import MediaAsset

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def make_asset(django_capture_on_commit_callbacks):
    """Import an image as the admin does, and run its rendition task as a commit would."""

    def make(data: bytes, filename: str, alt_en: str) -> MediaAsset:
        with django_capture_on_commit_callbacks(execute=True):
            asset = services.media_asset_import(data=data, filename=filename, alt_en=alt_en)
        asset.refresh_from_db()
        return asset

    return make


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    client.force_login(user)
    return client


def photo(width: int = 2400, height: int = 1600, *, gps: bool = True, kind: str = "JPEG") -> bytes:
    """A camera-like photo: blue on the left, red on the right, with EXIF (camera, GPS) when asked."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (width // 2, 0, width, height))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0132] = "2026:11:28 08:00:00"  # DateTime
        exif.get_ifd(0x8825).update({1: "N", 2: (33.0, 26.0, 54.0), 3: "W", 4: (112.0, 4.0, 26.0)})  # GPS
    out = io.BytesIO()
    image.save(out, format=kind, exif=exif.tobytes() if gps else b"")
    return out.getvalue()


def files_in(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_an_upload_is_stripped_of_exif_and_gps_in_every_file_served(media_root, make_asset):
    upload = photo()
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(0x8825)  # the upload does carry GPS

    asset = make_asset(upload, "IMG_0001.JPG", "Our group room")

    stored = files_in(media_root)
    assert len(asset.renditions) > 15
    # Identical renditions (this flat test picture has some) share one content-hashed file.
    assert {path.name for path in stored} == {Path(asset.file).name, *(Path(r["name"]).name for r in asset.renditions)}
    for path in stored:
        data = path.read_bytes()
        served = Image.open(io.BytesIO(data))
        assert not served.getexif(), path
        assert b"PhoneMaker" not in data
        assert b"Exif" not in data
        assert "icc_profile" not in served.info


def test_renditions_are_avif_webp_and_jpeg_at_the_standard_widths_and_never_upscaled(make_asset):
    big = make_asset(photo(2400, 1600), "big.jpg", "Big")
    small = make_asset(photo(500, 400, gps=False), "small.jpg", "Small")

    whole = [(r["width"], r["format"]) for r in big.renditions if not r["crop"]]
    assert sorted(whole) == sorted((w, f) for w in (320, 640, 960, 1280, 1920) for f in ("avif", "webp", "jpeg"))
    assert {r["width"] for r in small.renditions if not r["crop"]} == {320, 500}
    assert max(r["width"] for r in small.renditions) == 500
    for rendition in big.renditions:
        assert Image.open(Path(images_root(rendition["name"]))).width == rendition["width"]


def images_root(name: str) -> str:
    from django.conf import settings

    return str(Path(settings.MEDIA_ROOT) / name)


def test_crops_keep_the_focal_point_in_view(make_asset, django_capture_on_commit_callbacks):
    assert images.focal_crop_box(2000, 1000, (1, 1), (0.9, 0.5)) == (1000, 0, 2000, 1000)
    assert images.focal_crop_box(2000, 1000, (1, 1), (0.1, 0.5)) == (0, 0, 1000, 1000)
    assert images.focal_crop_box(2000, 2000, (16, 9), (0.5, 0.5)) == (0, 437, 2000, 1562)

    asset = make_asset(photo(2400, 1200, gps=False), "room.jpg", "Room")
    asset.focal_x = 0.95  # the red (right) half is the subject
    with django_capture_on_commit_callbacks(execute=True):
        services.media_asset_save(asset=asset)
    asset.refresh_from_db()

    squares = [r for r in asset.renditions if r["crop"] == "1:1"]
    assert squares
    assert all(r["width"] == r["height"] for r in squares)
    for rendition in [r for r in asset.renditions if r["crop"] == "16:9"]:
        assert abs(rendition["width"] / rendition["height"] - 16 / 9) < 0.01
    square = Image.open(images_root(next(r["name"] for r in squares if r["format"] == "jpeg"))).convert("RGB")
    red, _, blue = square.getpixel((square.width // 2, square.height // 2))
    # The crop sits on the red half, around the focal point.
    assert red > 200
    assert blue < 60


def test_renditions_are_served_with_content_hashed_names_and_immutable_caching(client, make_asset):
    asset = make_asset(photo(800, 600, gps=False), "a.jpg", "A")
    webp = next(r for r in asset.renditions if r["format"] == "webp")

    response = client.get(f"/media/{webp['name']}")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Content-Type"] == "image/webp"
    assert webp["name"].startswith("renditions/")
    assert len(Path(webp["name"]).stem) == 32
    assert client.get("/media/renditions/../../settings.py").status_code == 404


def _bomb() -> bytes:
    """A PNG whose header claims 60,000 x 60,000 pixels (3.6 gigapixels): refused from the header alone."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


REFUSED = {
    "svg": (
        "logo.svg",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
        "SVG",
    ),
    "bomb": ("bomb.png", _bomb(), "pixels"),
    "truncated": ("cut.jpg", photo(gps=False)[:5000], "truncated"),
    "polyglot": ("both.jpg", photo(gps=False) + b"<html><script>alert(1)</script></html>", "polyglot"),
    "wrong extension": ("photo.jpg", photo(kind="PNG", gps=False), "PNG image but its name ends in .jpg"),
    "not an image": ("notes.jpg", b"hello, this is text", "not a JPEG"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_upload_is_refused_in_the_admin_with_a_form_error_and_nothing_stored(editor_client, media_root, case):
    name, data, words = REFUSED[case]

    response = editor_client.post(
        reverse("admin:content_mediaasset_add"),
        {"upload": SimpleUploadedFile(name, data), "alt_en": "Something", "alt_es": "", "credit": "", "licence": ""},
    )

    assert response.status_code == 200
    assert words in response.content.decode()
    assert MediaAsset.objects.count() == 0
    assert files_in(media_root) == []


def heic_photo(width: int = 1200, height: int = 800) -> bytes:
    """An iPhone-like HEIC photo, made by pillow-heif itself: blue and red halves, with EXIF (camera, GPS)."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (33.0, 26.0, 54.0), 3: "W", 4: (112.0, 4.0, 26.0)})
    out = io.BytesIO()
    image.save(out, format="HEIF", exif=exif.tobytes(), quality=80)  # pillow-heif's Pillow plugin
    return out.getvalue()


def test_an_iphone_heic_photo_is_accepted_stripped_and_rendered_like_any_upload(
    editor_client, media_root, django_capture_on_commit_callbacks
):
    upload = heic_photo()
    assert upload[4:12] == b"ftypheic"
    assert b"PhoneMaker" in upload

    with django_capture_on_commit_callbacks(execute=True):  # the rendition task runs at the commit
        response = editor_client.post(
            reverse("admin:content_mediaasset_add"),
            {
                "upload": SimpleUploadedFile("IMG_0042.HEIC", upload),
                "alt_en": "Our front door",
                "credit": "",
                "licence": "",
            },
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    asset = MediaAsset.objects.get()
    assert (asset.width, asset.height) == (1200, 800)
    assert asset.file.endswith(".jpg")  # stored as a JPEG: no byte of the HEIC is served
    assert asset.blurhash
    asset.refresh_from_db()
    assert {r["width"] for r in asset.renditions if not r["crop"]} == {320, 640, 960, 1200}
    for path in files_in(media_root):
        data = path.read_bytes()
        assert b"PhoneMaker" not in data
        assert not Image.open(io.BytesIO(data)).getexif(), path
    left = Image.open(media_root / asset.file).convert("RGB").getpixel((100, 400))
    assert left[2] > 200  # blue on the left, as photographed


def test_a_damaged_heic_is_refused_with_nothing_stored(editor_client, media_root):
    response = editor_client.post(
        reverse("admin:content_mediaasset_add"),
        {
            "upload": SimpleUploadedFile("IMG_0043.heic", heic_photo()[:1500]),
            "alt_en": "X",
            "credit": "",
            "licence": "",
        },
    )

    assert "damaged" in response.content.decode()
    assert MediaAsset.objects.count() == 0
    assert files_in(media_root) == []


def test_an_upload_over_the_size_cap_is_refused(editor_client, media_root, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 10_000

    response = editor_client.post(
        reverse("admin:content_mediaasset_add"),
        {"upload": SimpleUploadedFile("big.jpg", photo()), "alt_en": "Big", "credit": "", "licence": ""},
    )

    assert "larger than" in response.content.decode()
    assert files_in(media_root) == []


def test_alt_text_is_required_in_english(editor_client, media_root):
    response = editor_client.post(
        reverse("admin:content_mediaasset_add"),
        {"upload": SimpleUploadedFile("a.jpg", photo(gps=False)), "alt_en": "", "credit": "", "licence": ""},
    )

    assert response.status_code == 200
    assert MediaAsset.objects.count() == 0
    assert files_in(media_root) == []


def test_an_editor_uploads_an_image_and_sets_its_focal_point(editor_client):
    response = editor_client.post(
        reverse("admin:content_mediaasset_add"),
        {
            "upload": SimpleUploadedFile("a.jpg", photo(1200, 800)),
            "alt_en": "Our garden",
            "alt_es": "Nuestro jardín",
            "credit": "© Core Recovery",
            "licence": "Owned",
        },
    )
    asset = MediaAsset.objects.get()
    page = editor_client.get(reverse("admin:content_mediaasset_change", args=[asset.pk])).content.decode()

    assert response.status_code == 302
    assert (asset.alt_en, asset.alt_es, asset.width, asset.height) == ("Our garden", "Nuestro jardín", 1200, 800)
    assert asset.blurhash
    assert "data-focal-point" in page
    assert "content/admin/focal_point.js" in page


def test_import_media_prints_a_line_per_file_and_refuses_bad_ones(tmp_path, media_root, capsys):
    good, bad = tmp_path / "garden.jpg", tmp_path / "logo.svg"
    good.write_bytes(photo(900, 600))
    bad.write_bytes(REFUSED["svg"][1])

    with pytest.raises(CommandError, match=r"1 of 2 file\(s\) refused"):
        call_command("import_media", str(good), str(bad), "--alt", "Garden", "--credit", "Old site")

    out = capsys.readouterr().out
    assert f"imported {good}: image " in out
    assert f"refused  {bad}: SVG images are not accepted" in out
    assert MediaAsset.objects.get().credit == "Old site"
    assert all("svg" not in path.name for path in files_in(media_root))
