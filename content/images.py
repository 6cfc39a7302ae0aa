"""Uploaded images: checked before decoding, stripped of metadata, resized into renditions around a focal point.

Order matters for safety: the size cap and the real type (by content, never by name) are checked on the bytes;
the pixel count is read from the header without decoding (a decompression bomb is refused before it can take
memory); then the whole image is decoded (a truncated file fails here) and re-encoded, so no byte of the upload
is ever served: EXIF (GPS above all), XMP, ICC and comments are gone from every file, and whatever a polyglot
carried beside its pixels too. SVG is refused outright: it can carry script.
"""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

import blurhash
import pillow_heif
from django.conf import settings
from PIL import Image, ImageOps

# HEIC (an iPhone's photos) through libheif: Pillow's HEIF format, decoded like any other upload.
pillow_heif.register_heif_opener()

# What a content sniff recognises, and the file extensions each may arrive with.
EXTENSIONS = {
    "jpeg": (".jpg", ".jpeg"),
    "png": (".png",),
    "webp": (".webp",),
    "avif": (".avif",),
    "heic": (".heic", ".heif"),
}
RENDITION_WIDTHS = (320, 640, 960, 1280, 1920)
RENDITION_FORMATS = ("avif", "webp", "jpeg")
CROP_RATIOS = {"16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1)}
CROP_WIDTHS = (640, 1280)
CROP_FORMATS = ("webp", "jpeg")
# Encoder settings: quality for the eye at web sizes; AVIF's speed 8 keeps a 1920-pixel encode near 0.3 s.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "jpeg": {"quality": 82, "optimize": True, "progressive": True},
    "webp": {"quality": 80, "method": 4},
    "avif": {"quality": 60, "speed": 8},
    # zlib level 3: a 12-megapixel PNG in about a second; `optimize` (level 9 and filter trials) took 20 s.
    "png": {"compress_level": 3},
}
# Pillow's name of a format, where it is not the sniffed kind in capitals.
_PILLOW_FORMATS = {"heic": "HEIF"}
_MARKUP = re.compile(rb"<\s*(script|svg|html|iframe|body|\?php)|javascript:", re.IGNORECASE)


class ImageRefused(ValueError):
    """The upload is not an image we accept; the message says why, in words for the editor."""


def max_upload_bytes() -> int:
    return int(settings.MEDIA_MAX_UPLOAD_BYTES)


def max_pixels() -> int:
    return int(settings.MEDIA_MAX_PIXELS)


def sniff(head: bytes) -> str | None:
    """The image type by its first bytes: jpeg, png, webp, avif, heic, svg, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in {b"avif", b"avis"}:
            return "avif"
        if brand in {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"}:
            return "heic"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head.lower():
        return "svg"
    return None


def _end_state(data: bytes, kind: str) -> str:
    """ "truncated" when the image's end marker is missing, "trailing" when bytes follow it (a polyglot: an image
    that is also a page, a script, an archive…), else "ok"."""
    if kind == "jpeg":
        end = data.rfind(b"\xff\xd9")
        if end == -1:
            return "truncated"
        return "trailing" if data[end + 2 :].strip(b"\x00\r\n \t") else "ok"
    if kind == "png":
        end = data.rfind(b"IEND")
        if end == -1:
            return "truncated"
        return "trailing" if len(data) > end + 8 else "ok"  # the IEND chunk's type and its 4-byte CRC
    return "ok"


@dataclass(frozen=True)
class CheckedImage:
    """An upload that passed every check, decoded, upright and stripped: ready to store."""

    image: Image.Image
    kind: str
    data: bytes  # the re-encoded original, no metadata
    extension: str
    width: int
    height: int


def check_and_strip(*, data: bytes, filename: str) -> CheckedImage:
    """Refuse what is not a safe image (ImageRefused), else decode it, stand it upright and re-encode it."""
    if len(data) > max_upload_bytes():
        raise ImageRefused(f"The file is larger than {max_upload_bytes() // (1024 * 1024)} MiB.")
    if not data:
        raise ImageRefused("The file is empty.")
    kind = sniff(data[:512])
    if kind == "svg":
        raise ImageRefused("SVG images are not accepted: they can carry script. Upload a PNG or JPEG.")
    if kind is None:
        raise ImageRefused("This is not a JPEG, PNG, WebP, AVIF or HEIC image.")
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS[kind]:
        raise ImageRefused(f"The file is a {kind.upper()} image but its name ends in {extension or 'nothing'}.")
    end = _end_state(data, kind)
    if end == "truncated":
        raise ImageRefused("The image is truncated: the file ends before the image does. Upload it again.")
    if end == "trailing" or _MARKUP.search(data):
        raise ImageRefused("The file carries something besides the image (a polyglot file): it is refused.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS.get(kind, kind.upper())])  # the header
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused("The image has too many pixels.") from exc
        except Exception as exc:  # any decoder error is a bad upload, said in words
            raise ImageRefused("The image cannot be read: the file is damaged.") from exc
    width, height = image.size
    if width * height > max_pixels():
        raise ImageRefused(f"The image has {width * height:,} pixels; at most {max_pixels():,} are accepted.")
    try:
        image.load()  # decodes everything: a truncated file fails here
    except Exception as exc:
        raise ImageRefused("The image is truncated or damaged.") from exc
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in {"RGBA", "LA", "PA"} or (upright.mode == "P" and "transparency" in upright.info)
    stored_kind = "png" if has_alpha or kind == "png" else "jpeg"
    mode = "RGBA" if has_alpha else "RGB"
    clean = upright if upright.mode == mode else upright.convert(mode)  # a 24-megapixel copy is 72 MB
    clean.info = {}
    return CheckedImage(
        image=clean,
        kind=stored_kind,
        data=encode(clean, stored_kind),
        extension="png" if stored_kind == "png" else "jpg",
        width=clean.width,
        height=clean.height,
    )


def encode(image: Image.Image, kind: str) -> bytes:
    """The image in `kind` with no metadata at all (no EXIF, XMP, ICC profile or comment)."""
    out = io.BytesIO()
    if kind == "jpeg" and image.mode != "RGB":
        image = image.convert("RGB")
    image.save(out, format=kind.upper(), exif=b"", **_SAVE_OPTIONS[kind])
    return out.getvalue()


def content_name(data: bytes, extension: str, *, folder: str) -> str:
    """A file name from the bytes' own hash: the same bytes, the same name; new bytes, a new name (so the file
    can be cached for a year, immutable)."""
    return f"{folder}/{hashlib.sha256(data).hexdigest()[:32]}.{extension}"


def blurhash_of(image: Image.Image) -> str:
    small = image.convert("RGB")
    small.thumbnail((32, 32))
    rows = [[list(small.getpixel((x, y))) for x in range(small.width)] for y in range(small.height)]  # type: ignore[arg-type]
    return str(blurhash.encode(rows, components_x=4, components_y=3))


def rendition_widths(width: int) -> list[int]:
    """The standard widths below the image's own, then its own (never upscaled; at most the largest standard)."""
    return _widths(width, RENDITION_WIDTHS)


def _widths(width: int, standard: tuple[int, ...]) -> list[int]:
    below = [size for size in standard if size < width]
    top = min(width, max(standard))
    return below if top in below else [*below, top]


def focal_crop_box(
    width: int, height: int, ratio: tuple[int, int], focal: tuple[float, float]
) -> tuple[int, int, int, int]:
    """The largest box of the given ratio inside the image, centred on the focal point as far as the edges
    allow (x and y of the focal point from 0 to 1)."""
    ratio_w, ratio_h = ratio
    crop_w, crop_h = width, width * ratio_h // ratio_w
    if crop_h > height:
        crop_w, crop_h = height * ratio_w // ratio_h, height
    centre_x, centre_y = focal[0] * width, focal[1] * height
    left = int(min(max(centre_x - crop_w / 2, 0), width - crop_w))
    top = int(min(max(centre_y - crop_h / 2, 0), height - crop_h))
    return (left, top, left + crop_w, top + crop_h)


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int
    format: str
    crop: str  # "" for the whole image, else the ratio ("16:9")


def _resized(image: Image.Image, width: int) -> Image.Image:
    if width >= image.width:
        return image
    return image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)


def make_renditions(image: Image.Image, *, focal: tuple[float, float]) -> list[Rendition]:
    """The whole image at each standard width in AVIF, WebP and JPEG, then the fixed-ratio crops."""
    return [*make_width_renditions(image), *make_crop_renditions(image, focal=focal)]


def make_width_renditions(image: Image.Image) -> list[Rendition]:
    """The whole image at each standard width (never above its own) in AVIF, WebP and JPEG."""
    made = []
    widths = rendition_widths(image.width)
    # Downscale step by step from the largest width: each resize reads a smaller image than the original.
    source = image
    for width in sorted(widths, reverse=True):
        source = _resized(source, width)
        for kind in RENDITION_FORMATS:
            made.append(Rendition(encode(source, kind), source.width, source.height, kind, ""))
    return made


def make_crop_renditions(image: Image.Image, *, focal: tuple[float, float]) -> list[Rendition]:
    """Crops to 16:9, 4:3 and 1:1 around the focal point, at the crop widths, in WebP and JPEG."""
    made = []
    for name, ratio in CROP_RATIOS.items():
        cropped = image.crop(focal_crop_box(image.width, image.height, ratio, focal))
        for width in _widths(cropped.width, CROP_WIDTHS):
            resized = _resized(cropped, width)
            for kind in CROP_FORMATS:
                made.append(Rendition(encode(resized, kind), resized.width, resized.height, kind, name))
    return made


def open_stored(data: bytes, *, largest: int = max(RENDITION_WIDTHS)) -> Image.Image:
    """A stored original (already checked and stripped), decoded no larger than needed: a JPEG is decoded at a
    reduced DCT scale (much faster, a fraction of the memory) when it is far wider than the largest rendition."""
    image = Image.open(io.BytesIO(data))
    if image.format == "JPEG" and image.width > largest:
        image.draft("RGB", (largest, largest * image.height // image.width))
    image.load()
    return image
