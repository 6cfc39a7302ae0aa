"""An image as the API and the editor's preview show it: renditions, srcset, texts in a language, BlurHash.

Built from the stored asset at read time, so new renditions, alt text or a moved focal point show on every page
that uses the image without saving those pages. Hero images and body image blocks share it.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage

from content import i18n
from content.blocks import image_id, image_ids
from content.models import MediaAsset

_MEDIA_PROBE = "0" * 32
_media_bases: dict[tuple[str, str, str], str] = {}


def media_base() -> str:
    """What a stored file's absolute URL is, before its name: the storage's URL (relative under the filesystem
    storage, absolute under an object store) made absolute. Names are content hashes (hex, a folder, an
    extension: nothing to quote), so the storage is asked once per configuration, not once per rendition (a
    page of twenty images has hundreds)."""
    key = (repr(settings.STORAGES["default"]), settings.MEDIA_URL, settings.PUBLIC_API_URL)
    base = _media_bases.get(key)
    if base is None:
        base = default_storage.url(_MEDIA_PROBE).removesuffix(_MEDIA_PROBE)
        base = _media_bases[key] = f"{settings.PUBLIC_API_URL}{base}" if base.startswith("/") else base
    return base


def image_object(asset: MediaAsset, *, lang: str) -> dict[str, Any]:
    """The image for `<picture>` (one `<source>` per format from `srcset`) and Next.js `next/image`."""
    base = media_base()
    renditions = [
        {
            "url": f"{base}{rendition['name']}",
            "width": rendition["width"],
            "height": rendition["height"],
            "format": rendition["format"],
            "crop": rendition["crop"],
        }
        for rendition in sorted(asset.renditions, key=lambda r: (r["crop"], r["format"], r["width"]))
    ]
    whole = [rendition for rendition in renditions if not rendition["crop"]]
    jpegs = [rendition for rendition in whole if rendition["format"] == "jpeg"]
    srcset = {
        kind: ", ".join(f"{r['url']} {r['width']}w" for r in whole if r["format"] == kind)
        for kind in ("avif", "webp", "jpeg")
    }
    return {
        "id": asset.pk,
        "url": max(jpegs, key=lambda r: r["width"])["url"] if jpegs else f"{base}{asset.file}",
        "width": asset.width,
        "height": asset.height,
        "alt": i18n.localized(asset, "alt", lang) or "",
        "caption": i18n.localized(asset, "caption", lang) or "",
        "credit": asset.credit,
        "licence": asset.licence,
        "blurhash": asset.blurhash,
        "focal_point": {"x": asset.focal_x, "y": asset.focal_y},
        "renditions": renditions,
        "srcset": srcset,
    }


def expand_images(
    blocks: list[dict[str, Any]],
    *,
    lang: str,
    known: dict[int, MediaAsset | None],
    on_image: Callable[[MediaAsset], None] | None = None,
) -> list[dict[str, Any]]:
    """A body with each image block's id replaced by its image object, the block's own alt text and caption over
    the library's. An image no longer in the library is left out: the rest of the page still shows. `known`
    caches the assets read (one query per call for the ones not yet known); `on_image` hears of each image shown
    (the API records it for the page's surrogate keys)."""
    missing = [pk for pk in image_ids(blocks) if pk not in known]
    if missing:
        found = {asset.pk: asset for asset in MediaAsset.objects.filter(pk__in=missing)}
        known.update({pk: found.get(pk) for pk in missing})
    expanded = []
    for block in blocks:
        if block.get("type") != "image":
            expanded.append(block)
            continue
        pk = image_id(block.get("image"))
        asset = known.get(pk) if pk is not None else None
        if asset is None:
            continue
        if on_image is not None:
            on_image(asset)
        image = image_object(asset, lang=lang)
        image.update({key: block[key] for key in ("alt", "caption") if block.get(key)})
        expanded.append({"type": "image", "image": image})
    return expanded
