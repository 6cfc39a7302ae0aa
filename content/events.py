"""What the public site must refresh after a change: content events, recorded by the content services.

An event names the item's type and slug and the public paths whose pages show it, so a frontend
(Next.js `revalidatePath`, a CDN purge) refreshes exactly those. Only changes a visitor can see make an
event: editing a draft makes none; publishing makes `content.published` (due at `publish_at` when that is
in the future), editing a live item `content.updated`, unpublishing, archiving or deleting it
`content.unpublished`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from content.models import (
    FAQ,
    Article,
    ContentEvent,
    Menu,
    MenuItem,
    Program,
    PublicationStatus,
    Publishable,
    Redirect,
    SiteProfile,
    Testimonial,
    Therapy,
    body_image_users,
)
from content.paths import LIST_PATHS, page_path

# The item types, as webhook payloads name them.
ITEM_TYPES: dict[type, str] = {
    Program: "program",
    Therapy: "therapy",
    Article: "article",
    FAQ: "faq",
    Testimonial: "testimonial",
    SiteProfile: "site",
    Redirect: "redirect",
    Menu: "menu",
}


@dataclass(frozen=True)
class PublicState:
    """What a visitor could see of an item before a change."""

    live: bool
    paths: frozenset[str]
    # The slug it was reached by (empty for a new item), so a save can tell a rename.
    slug: str = ""


def _is_live(item: Publishable, now: datetime) -> bool:
    return item.status == PublicationStatus.PUBLISHED and item.publish_at is not None and item.publish_at <= now


def _page_paths(items: Any) -> set[str]:
    return {page_path(item) for item in items.only("slug", "canonical_path")}


def affected_paths(item: Any) -> frozenset[str]:
    """The public pages that show `item`: its own page, its list, and pages of items that list it."""
    if isinstance(item, SiteProfile):
        return frozenset({"/"})  # the profile is in every page's layout; "/" stands for all of them
    paths = {LIST_PATHS[type(item)]}
    if getattr(item, "slug", ""):
        paths.add(page_path(item))
    if item.pk is None:
        return frozenset(paths)
    if isinstance(item, Program):
        # Therapy pages and lists show the programs that use them; FAQ lists may be filtered by program.
        paths |= {LIST_PATHS[Therapy], LIST_PATHS[FAQ]}
        paths |= _page_paths(item.therapies.live()) | _page_paths(item.articles.live())
    elif isinstance(item, Therapy):
        paths |= {LIST_PATHS[Program], LIST_PATHS[Article]}
        paths |= _page_paths(item.programs.live()) | _page_paths(item.articles.live())
    elif isinstance(item, FAQ | Testimonial) and item.program_id is not None:
        paths |= _page_paths(Program.objects.live().filter(pk=item.program_id))
    link = {Program: "program", Therapy: "therapy", Article: "article"}.get(type(item))
    if link is not None and MenuItem.objects.filter(**{link: item}).exists():
        paths.add("/")  # a menu shows it, and menus are in every page's layout ("/" stands for all of them)
    return frozenset(paths)


def public_state(item: Publishable, *, now: datetime | None = None) -> PublicState:
    """The item as stored now (before the change about to be saved); a new item was never visible."""
    if item.pk is None:
        return PublicState(live=False, paths=frozenset())
    stored = type(item).objects.filter(pk=item.pk).first()
    if stored is None:
        return PublicState(live=False, paths=frozenset())
    live = _is_live(stored, now or timezone.now())
    paths = affected_paths(stored) if live else frozenset()
    return PublicState(live=live, paths=paths, slug=getattr(stored, "slug", ""))


def content_change_record(item: Publishable, *, before: PublicState, deleted: bool = False) -> ContentEvent | None:
    """Record the event of a saved (or deleted) change, given the state before it; None if no visitor sees it.

    A scheduled publication not yet due is replaced by whatever the new state calls for.
    """
    now = timezone.now()
    item_type = ITEM_TYPES[type(item)]
    ContentEvent.objects.filter(item_type=item_type, item_id=item.pk, routed_at__isnull=True, due_at__gt=now).delete()
    live_now = not deleted and _is_live(item, now)
    scheduled = not deleted and item.status == PublicationStatus.PUBLISHED and not live_now
    if before.live and live_now:
        return _record(item, ContentEvent.Kind.UPDATED, paths=before.paths | affected_paths(item), due_at=now)
    event = None
    if before.live:
        event = _record(item, ContentEvent.Kind.UNPUBLISHED, paths=before.paths, due_at=now)
    if live_now or scheduled:
        # Live now: announced now (a republished item keeps its first `publish_at`, an old date); scheduled:
        # announced when it goes live.
        due_at = item.publish_at if scheduled and item.publish_at else now
        event = _record(item, ContentEvent.Kind.PUBLISHED, paths=affected_paths(item), due_at=due_at)
    return event


def site_change_record(profile: SiteProfile) -> ContentEvent:
    return _record(profile, ContentEvent.Kind.UPDATED, paths=frozenset({"/"}), due_at=timezone.now())


def redirect_change_record(redirect: Redirect, *, before: Redirect | None, deleted: bool = False) -> ContentEvent:
    """Announce a hand-made redirect: its old path (and the one it replaced) now answers differently, so the
    frontend refreshes it (and re-reads `GET /api/v1/redirects/` when it installs redirects at build time)."""
    paths = {redirect.old_path} | ({before.old_path} if before is not None else set())
    if deleted:
        kind = ContentEvent.Kind.UNPUBLISHED
    else:
        kind = ContentEvent.Kind.PUBLISHED if before is None else ContentEvent.Kind.UPDATED
    return _record(redirect, kind, paths=frozenset(paths), due_at=timezone.now())


def media_change_record(asset: Any) -> list[ContentEvent]:
    """An image changed (its renditions, texts or focal point): each live program, therapy or article showing
    it (as its hero image or in its body) is announced as updated, with its pages, so frontends revalidate
    them; and the image itself, whose `/api/v1/media/` entries change (`item_type` "media", no page of its own)."""
    now = timezone.now()
    showing = {
        (type(item), item.pk): item
        for item in [
            *(item for model in (Program, Therapy, Article) for item in model.objects.live().filter(hero_image=asset)),
            *body_image_users([asset.pk], live=True),
        ]
    }
    pages = [
        _record(item, ContentEvent.Kind.UPDATED, paths=affected_paths(item), due_at=now) for item in showing.values()
    ]
    return [*pages, _record(asset, ContentEvent.Kind.UPDATED, paths=frozenset(), due_at=now, item_type="media")]


def menu_change_record(menu: Menu, *, kind: str = ContentEvent.Kind.UPDATED) -> ContentEvent:
    """A menu is in the layout of the pages that show it (the header and footer are on all): like the site
    profile, "/" stands for every page."""
    return _record(menu, kind, paths=frozenset({"/"}), due_at=timezone.now())


def _record(
    item: Any, kind: str, *, paths: frozenset[str], due_at: datetime, item_type: str | None = None
) -> ContentEvent:
    event = ContentEvent.objects.create(
        kind=kind,
        item_type=item_type or ITEM_TYPES[type(item)],
        item_id=item.pk,
        slug=getattr(item, "slug", ""),
        paths=sorted(paths),
        due_at=due_at,
    )
    publisher_path = settings.CONTENT_EVENT_PUBLISHER
    if publisher_path and due_at <= timezone.now():
        publisher = import_string(publisher_path)
        # robust: a broker outage never fails an editor's save; the sweep routes the event later.
        transaction.on_commit(lambda: publisher(event.id), robust=True)
    return event


_MODELS_BY_TYPE = {item_type: model for model, item_type in ITEM_TYPES.items()}


def event_paths(event: ContentEvent) -> list[str]:
    """The paths to announce: those recorded with the event, and, for an item still live, the pages it is
    on now (relations the admin saves after the item itself, such as a new article's programs)."""
    paths = set(event.paths)
    if event.kind != ContentEvent.Kind.UNPUBLISHED and event.item_type not in ("site", "redirect", "menu"):
        model = _MODELS_BY_TYPE[event.item_type]
        item = model.objects.live().filter(pk=event.item_id).first()  # type: ignore[attr-defined]
        if item is not None:
            paths |= affected_paths(item)
    return sorted(paths)
