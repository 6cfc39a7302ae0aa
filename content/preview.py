"""Draft previews: signed, expiring tokens that let an editor see an item in its saved state before it is live.

A token names one item, by its API type (`programs`, `therapies`, `articles`) and its primary key, and is
signed with the project's SECRET_KEY under a salt of its own (a lead acknowledgement token can never pass
for a preview token, nor the reverse). It expires after CONTENT_PREVIEW_MAX_AGE seconds. Nothing is stored:
anyone holding a link sees the draft until then, and rotating SECRET_KEY revokes every link at once. A token
is checked before any database read, so a bad token answers the same whether or not the item exists.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from content.models import Article, Program, Therapy

SALT = "content.preview"
# The API's name for each kind of previewable item (its URL segment under /api/v1/) and the router basename.
PREVIEW_TYPES: dict[str, type[Model]] = {"programs": Program, "therapies": Therapy, "articles": Article}
_BASENAMES = {"programs": "program", "therapies": "therapy", "articles": "article"}


class PreviewTokenError(Exception):
    """A preview token that cannot open anything; `code` says why (stable, for the API's problem+json)."""

    code = "preview_token_invalid"
    default_detail = "This preview link is not valid. Open a new one from the admin."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.default_detail)
        self.detail = detail or self.default_detail


class PreviewTokenExpired(PreviewTokenError):
    code = "preview_token_expired"
    default_detail = "This preview link has expired. Open a new one from the admin."


def preview_type_of(item: Model) -> str:
    for name, model in PREVIEW_TYPES.items():
        if isinstance(item, model):
            return name
    raise ValueError(f"{type(item).__name__} has no preview")


def preview_token_create(*, item: Model) -> str:
    """A token that opens `item` (and nothing else) until CONTENT_PREVIEW_MAX_AGE seconds from now."""
    return signing.dumps({"type": preview_type_of(item), "id": item.pk}, salt=SALT)


def preview_token_check(*, token: str, content_type: str) -> int:
    """The primary key of the item of `content_type` the token opens; PreviewTokenError (or Expired) if none."""
    try:
        payload: Any = signing.loads(token, salt=SALT, max_age=settings.CONTENT_PREVIEW_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise PreviewTokenExpired() from exc
    except signing.BadSignature as exc:
        raise PreviewTokenError() from exc
    if not isinstance(payload, dict) or payload.get("type") != content_type or not isinstance(payload.get("id"), int):
        # Signed by us but for another kind of item: it must not open an item of this kind with the same id.
        raise PreviewTokenError()
    return int(payload["id"])


@dataclass(frozen=True)
class PreviewLinks:
    api_path: str
    # None when the site profile names no preview URL pattern.
    website_url: str | None
    expires_at: datetime


def preview_links(*, item: Model, pattern: str = "", lang: str = "en") -> PreviewLinks:
    """Fresh links to preview `item`: the API response, and the website's preview page when `pattern` is set."""
    content_type = preview_type_of(item)
    token = preview_token_create(item=item)
    slug = str(getattr(item, "slug", ""))
    path = reverse(f"v1:{_BASENAMES[content_type]}-detail", kwargs={"slug": slug})
    website_url = None
    if pattern:
        values = {"type": content_type, "slug": quote(slug, safe=""), "token": quote(token, safe=""), "lang": lang}
        website_url = pattern.format(**values)
    return PreviewLinks(
        api_path=f"{path}?preview={quote(token, safe='')}",
        website_url=website_url,
        expires_at=timezone.now() + timedelta(seconds=settings.CONTENT_PREVIEW_MAX_AGE),
    )
