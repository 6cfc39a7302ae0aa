"""Editors' images from the filesystem storage (`make run`, a single server): content-hashed names, so each
file is cached for a year as immutable. In production an object store (or nginx) serves MEDIA_URL instead."""

import mimetypes
import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest

IMMUTABLE = "public, max-age=31536000, immutable"
# Only the names content.images gives: a folder, a hash, an image extension. Nothing else is served.
_NAME = re.compile(r"^(originals|renditions)/[0-9a-f]{32}\.(jpg|png|webp|avif)$")


def media_file(request: HttpRequest, name: str) -> FileResponse:
    if not _NAME.match(name) or not default_storage.exists(name):
        raise Http404("No such image.")
    response = FileResponse(default_storage.open(name, "rb"), content_type=mimetypes.guess_type(name)[0])
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    return response
