"""The one way to change content: used by the admin, the seed command and tests alike."""

import math
from datetime import datetime
from typing import TypeVar

import orjson
from django.db import transaction
from django.utils import timezone

from content.blocks import plain_text, render_html
from content.events import content_change_record, public_state, site_change_record
from content.i18n import content_languages
from content.models import Article, PublicationStatus, Publishable, SiteProfile, WithBody

P = TypeVar("P", bound=Publishable)

# Adult silent reading of non-fiction averages about 238 words a minute; 200 allows for a hard subject.
WORDS_PER_MINUTE = 200


def _derive_body_fields(item: Publishable) -> list[str]:
    """Fill the fields derived from the body, in each language; returns their names for `update_fields`.

    A language without a body of its own gets empty derived columns, so readers of that language fall back
    to the English body (content.translation) rather than see an empty one.
    """
    if not isinstance(item, WithBody):
        return []
    derived = []
    for lang in content_languages():
        body = getattr(item, f"body_{lang}") or []
        setattr(item, f"body_json_{lang}", orjson.dumps(body).decode())
        setattr(item, f"body_html_{lang}", render_html(body, lang=lang) if body else "")
        setattr(item, f"body_text_{lang}", plain_text(body))
        derived += [f"body_json_{lang}", f"body_html_{lang}", f"body_text_{lang}"]
    # The untranslated columns: modeltranslation saves the default language's text in them.
    derived += ["body_json", "body_html", "body_text"]
    if isinstance(item, Article):
        words = len(item.body_text_en.split()) + len((item.summary_en or "").split())
        item.reading_time_minutes = max(1, math.ceil(words / WORDS_PER_MINUTE))
        derived.append("reading_time_minutes")
    return derived


@transaction.atomic
def content_save(*, item: P) -> P:
    """Validate (`full_clean`, including the body's schema), derive the rendered body, save, and record the
    event a visitor would see (published, updated, unpublished) for webhooks."""
    item.full_clean()
    _derive_body_fields(item)
    before = public_state(item)
    item.save()
    content_change_record(item, before=before)
    return item


@transaction.atomic
def content_delete(*, item: Publishable) -> None:
    """Delete an item; if it was live, its pages are announced as unpublished."""
    before = public_state(item)
    item_id = item.pk
    item.delete()
    item.pk = item_id  # the event names the item that was
    content_change_record(item, before=before, deleted=True)


@transaction.atomic
def site_profile_save(*, profile: SiteProfile) -> SiteProfile:
    """Validate and save the site profile; every page shows it, so the event names the site as a whole."""
    profile.full_clean()
    profile.save()
    site_change_record(profile)
    return profile


def content_publish(*, item: P, publish_at: datetime | None = None) -> P:
    """Publish now, or at `publish_at`. An item keeps its first publication date when republished."""
    item.status = PublicationStatus.PUBLISHED
    item.publish_at = publish_at or item.publish_at or timezone.now()
    return content_save(item=item)


def content_unpublish(*, item: P) -> P:
    """Take an item off the API (back to draft); its publication date is kept."""
    item.status = PublicationStatus.DRAFT
    return content_save(item=item)


def content_archive(*, item: P) -> P:
    item.status = PublicationStatus.ARCHIVED
    return content_save(item=item)
