"""Where editors' images are stored and how they are served.

`MEDIA_STORAGE_URL` chooses the storage: empty, the filesystem under MEDIA_ROOT (`make run`, one server), served
by `media_file` below; `s3://BUCKET?endpoint_url=…&region=…&custom_domain=…`, an S3-compatible object store
(AWS S3, Cloudflare R2, MinIO, Backblaze B2, …) through django-storages, which serves the files itself (or a CDN
in front of it, `custom_domain`). Names are content hashes, so every file is written once with a year's
immutable caching, and never overwritten with other bytes.
"""

import mimetypes
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest

IMMUTABLE = "public, max-age=31536000, immutable"
FILESYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def media_storage(url: str) -> dict[str, Any]:
    """The STORAGES["default"] entry for MEDIA_STORAGE_URL (see the module's docstring). Credentials come from
    the environment as boto3 reads them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the URL."""
    if not url:
        return FILESYSTEM
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.username or parts.password:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL must be s3://BUCKET?endpoint_url=…&region=… (no credentials).")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint_url", "region", "custom_domain"}
    if unknown:
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: unknown parameter(s) {', '.join(sorted(unknown))}.")
    return {
        # https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": parts.netloc,
            "endpoint_url": query.get("endpoint_url") or None,
            "region_name": query.get("region") or None,
            "custom_domain": query.get("custom_domain") or None,
            "object_parameters": {"CacheControl": IMMUTABLE},
            # The bucket (or its CDN) serves the files publicly: plain URLs, no signatures that expire.
            "querystring_auth": False,
            "default_acl": None,
            "file_overwrite": True,  # a name is its content's hash: the same name is the same bytes
        },
    }


# Only the names content.images gives: a folder, a hash, an image extension. Nothing else is served.
_NAME = re.compile(r"^(originals|renditions)/[0-9a-f]{32}\.(jpg|png|webp|avif)$")


def media_file(request: HttpRequest, name: str) -> FileResponse:
    if not _NAME.match(name) or not default_storage.exists(name):
        raise Http404("No such image.")
    response = FileResponse(default_storage.open(name, "rb"), content_type=mimetypes.guess_type(name)[0])
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    return response
