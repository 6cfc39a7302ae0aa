"""Purging the edge on every content change, from the content outbox (`content.ContentEvent`).

Routing a content event (`notifications.webhooks.content_event_route`) records one `EdgePurge` per event — a
unique source, so a re-run records nothing twice — with the surrogate keys the change touches
(`event_purge_keys`). The purge is then sent by `edge_purge_run`: claimed under a row lock (its next attempt
moved into the future first, so a worker that dies mid-request has already scheduled the retry), sent in
batches through EDGE_BACKEND, and recorded (status, duration, requests, objects). A failure is retried with
exponential backoff; after EDGE_PURGE_MAX_ATTEMPTS the purge is failed and the staff group EDGE_ALERT_GROUP is
emailed. The minute's sweep picks up purges whose task a broker outage lost.

Which keys: every change purges the item's own key (`article:12`: its page and every page that shows it,
related items' pages included) and the keys of the items it is related to now (a therapy newly added to a
program: the therapy's page lists programs), the feeds that list everything (sitemap, redirects, menus,
directory). Publishing or unpublishing changes which items a list holds: every list of that type is purged
(`articles`). An edit of a live item changes the lists that show it (by its key) and those whose members
depend on its fields, the filtered, searched or reordered ones (`articles:query`); the plain lists of other
items stay at the edge.
"""

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from content.edge_keys import CONTENT_KEY, HSDS_KEY, MEDIA_TYPE, SITE_KEY, coarse_key, list_key, query_key
from content.events import ITEM_TYPES
from content.models import ContentEvent, MenuItem
from notifications.edge_backends import PermanentPurgeError, PurgeError, edge_backend
from notifications.models import EdgePurge, Recipient
from ops import metrics

logger = logging.getLogger(__name__)

_MODELS_BY_TYPE: dict[str, Any] = {item_type: model for model, item_type in ITEM_TYPES.items()}
# Item types whose hero image the media list shows while they are live.
MEDIA_SHOWN_BY = ("program", "therapy", "article")
# Keys of the feeds that list every live item (menus only those linked: `_menu_keys`).
_EVERY_ITEM_FEEDS = ("sitemap", "redirects", HSDS_KEY)
# Items a menu links to: the menus show their paths and leave out those not live.
_MENU_LINKS = ("program", "therapy", "article")


# Relations whose items' pages show an item of this type: a program's therapies list their programs, a
# therapy's programs list their therapies, a FAQ's program lists its FAQs. A relation just added is not on the
# related page yet (so not under the item's key): that page is purged by the related item's key.
SHOWN_ON_RELATED_PAGES: dict[str, tuple[str, str]] = {
    "program": ("therapies", "therapy"),
    "therapy": ("programs", "program"),
    "faq": ("program", "program"),
}


# Lists filtered by an item of this type (`?program=iop`, api/filters.py): a slug of no live item lists nothing,
# so publishing, unpublishing or renaming the program changes those lists without any of their items changing.
FILTERS_BY: dict[str, tuple[str, ...]] = {
    "program": ("article", "faq", "testimonial", "therapy"),
    "therapy": ("article",),
}


def _related_keys(item_type: str, item_id: int) -> set[str]:
    shown = SHOWN_ON_RELATED_PAGES.get(item_type)
    model = _MODELS_BY_TYPE.get(item_type)
    if shown is None or model is None:
        return set()
    relation, related_type = shown
    field = model._meta.get_field(relation)
    if field.many_to_one:
        ids = model._default_manager.filter(pk=item_id).exclude(**{relation: None}).values_list(relation, flat=True)
    else:
        ids = model._default_manager.filter(pk=item_id).values_list(f"{relation}__pk", flat=True)
    return {f"{related_type}:{pk}" for pk in ids if pk is not None}


def event_purge_keys(event: ContentEvent) -> list[str]:
    """The surrogate keys (api.caching_edge) of every page a content event changes, sorted."""
    item_type = event.item_type
    if item_type == "site":
        # The profile's page, the pages whose JSON-LD names the organization, the sitemap's home, the directory.
        return sorted({SITE_KEY, f"site:{event.item_id}", HSDS_KEY, "sitemap"})
    if item_type == "redirect":
        return ["redirects"]
    if item_type == "menu":
        return ["menus"]
    if item_type == MEDIA_TYPE:
        # The image's entry and the media list; the pages showing it have events of their own.
        return sorted({f"{MEDIA_TYPE}:{event.item_id}", list_key(MEDIA_TYPE)})
    keys = {f"{item_type}:{event.item_id}", coarse_key(item_type), *_EVERY_ITEM_FEEDS}
    if event.kind == ContentEvent.Kind.UPDATED:
        keys.add(query_key(item_type))
    else:
        keys.add(list_key(item_type))
    if item_type == "program":
        keys.add("insurance")  # the insurance list shows each program's network status
    if item_type in MEDIA_SHOWN_BY:
        keys.add(list_key(MEDIA_TYPE))  # the media list shows the images of live pages: going live changes it
    keys |= {query_key(filtered) for filtered in FILTERS_BY.get(item_type, ())}
    if event.item_id is not None:
        keys |= _related_keys(item_type, event.item_id) | _menu_keys(item_type, event.item_id)
    return sorted(keys)


def _menu_keys(item_type: str, item_id: int) -> set[str]:
    if item_type not in _MENU_LINKS:
        return set()
    model = _MODELS_BY_TYPE[item_type]
    linked = MenuItem.objects.filter(**{f"{item_type}_id": item_id}).exists()
    # A deleted item's menu entries went with it (on_delete=CASCADE): its menus changed too.
    gone = not model._default_manager.filter(pk=item_id).exists()
    return {"menus"} if linked or gone else set()


def edge_enabled() -> bool:
    return (settings.EDGE_BACKEND or "none") != "none"


def content_event_purge_record(*, event: ContentEvent, now: datetime) -> EdgePurge | None:
    """Within the routing of a content event: the purge it calls for (once), or None with no edge."""
    if not edge_enabled():
        return None
    return edge_purge_request(keys=event_purge_keys(event), source=f"content:{event.pk}", now=now)


def edge_purge_request(*, keys: list[str], source: str | None = None, now: datetime | None = None) -> EdgePurge:
    """Record a purge of `keys` (created once per source); `edge_purge_run` sends it."""
    purge, _ = EdgePurge.objects.get_or_create(
        source=source or f"manual:{uuid.uuid4().hex}",
        defaults={
            "keys": sorted(set(keys)),
            "backend": settings.EDGE_BACKEND,
            "soft": settings.EDGE_SOFT_PURGE,
            "next_attempt_at": now or timezone.now(),
        },
    )
    return purge


def edge_purge_everything() -> EdgePurge:
    """Purge every content page (after the seed, a bulk import, a change of the response format)."""
    return edge_purge_request(keys=[CONTENT_KEY])


def pending_purges(*, source: str) -> list[int]:
    return list(EdgePurge.objects.filter(source=source, status=EdgePurge.Status.PENDING).values_list("id", flat=True))


@dataclass(frozen=True)
class PurgeOutcome:
    status: str  # "purged", "retrying", "failed", "skipped"
    # Seconds until the next attempt, when retrying.
    retry_in: float = 0.0


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: 2 s doubling up to 5 minutes, ±10%."""
    ceiling = min(settings.EDGE_PURGE_RETRY_MAX_SECONDS, settings.EDGE_PURGE_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return ceiling * random.uniform(0.9, 1.1)  # noqa: S311 (not for security)


def edge_purge_run(*, purge_id: int, now: datetime | None = None) -> PurgeOutcome:
    """Send one due, pending purge, record how it went, and decide what comes next."""
    now = now or timezone.now()
    with transaction.atomic():
        purge = (
            EdgePurge.objects.select_for_update(skip_locked=True)
            .filter(pk=purge_id, status=EdgePurge.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if purge is None:
            return PurgeOutcome("skipped")  # done, not due, or another worker has it
        purge.attempts += 1
        purge.next_attempt_at = now + timedelta(seconds=retry_delay(purge.attempts))
        purge.save(update_fields=["attempts", "next_attempt_at"])
    started = time.monotonic()
    error: PurgeError | None = None
    try:
        result = edge_backend(purge.backend).purge(purge.keys, soft=purge.soft)
    except PurgeError as exc:
        error, result = exc, None
    except Exception as exc:  # a bug or a misconfiguration of ours: retried, recorded, reported
        logger.exception("edge purge %s failed before an answer", purge.pk)
        error, result = PermanentPurgeError(f"error: {type(exc).__name__}"), None
    purge.duration_ms = int((time.monotonic() - started) * 1000)
    metrics.edge_purge(ok=result is not None)
    fields = ["duration_ms", "requests", "objects_purged", "status", "next_attempt_at", "last_error", "purged_at"]
    if result is not None:
        purge.status = EdgePurge.Status.PURGED
        purge.purged_at = timezone.now()
        purge.next_attempt_at = None
        purge.requests, purge.objects_purged, purge.last_error = result.requests, result.objects, ""
        purge.save(update_fields=fields)
        logger.info("edge purge %s: %s keys in %s ms", purge.pk, len(purge.keys), purge.duration_ms)
        return PurgeOutcome("purged")
    purge.last_error = f"{'permanent' if isinstance(error, PermanentPurgeError) else 'transient'}: {error}"[:200]
    purge.requests = 0
    if purge.attempts >= settings.EDGE_PURGE_MAX_ATTEMPTS:
        purge.status = EdgePurge.Status.FAILED
        purge.next_attempt_at = None
        purge.save(update_fields=fields)
        logger.error("edge purge %s failed after %s attempts: %s", purge.pk, purge.attempts, purge.last_error)
        _staff_alert(purge)
        return PurgeOutcome("failed")
    purge.save(update_fields=fields)
    logger.warning("edge purge %s attempt %s: %s", purge.pk, purge.attempts, purge.last_error)
    assert purge.next_attempt_at is not None
    return PurgeOutcome("retrying", max(0.0, (purge.next_attempt_at - now).total_seconds()))


def edge_purge_retry(*, purge: EdgePurge, now: datetime | None = None) -> None:
    """Try a failed purge again (from the admin), with its attempts counted afresh."""
    purge.status = EdgePurge.Status.PENDING
    purge.attempts = 0
    purge.next_attempt_at = now or timezone.now()
    purge.save(update_fields=["status", "attempts", "next_attempt_at"])


def _staff_alert(purge: EdgePurge) -> None:
    """Email the EDGE_ALERT_GROUP staff that pages may stay stale at the edge (no personal data in a purge)."""
    recipients = [
        recipient.email
        for recipient in Recipient.objects.filter(is_active=True, groups__slug=settings.EDGE_ALERT_GROUP).distinct()
        if recipient.email
    ]
    link = settings.ADMIN_BASE_URL.rstrip("/") + reverse("admin:notifications_edgepurge_change", args=[purge.pk])
    keys = " ".join(purge.keys[:20]) + (" …" if len(purge.keys) > 20 else "")
    body = (
        f"The edge ({purge.backend}) could not be purged after {purge.attempts} attempts: {purge.last_error}\n\n"
        f"Pages showing these items may be stale on the website until EDGE_MAX_AGE passes: {keys}\n\n"
        f'Fix the cause, then choose "Purge again" on {link}'
    )
    try:
        if recipients:
            send_mail(f"Edge purge failed: {len(purge.keys)} keys", body, None, recipients)
        else:
            logger.error("edge purge %s failed and group %s has nobody to tell", purge.pk, settings.EDGE_ALERT_GROUP)
    except Exception:
        logger.exception("edge purge %s: the alert could not be sent", purge.pk)
        return
    EdgePurge.objects.filter(pk=purge.pk).update(alerted_at=timezone.now())


def edge_purges_sweep(*, now: datetime | None = None) -> list[int]:
    """Pending purges whose next attempt has come: lost to a broker outage, or waiting for their retry."""
    now = now or timezone.now()
    return list(
        EdgePurge.objects.filter(status=EdgePurge.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[: settings.NOTIFICATION_SWEEP_BATCH]
    )
