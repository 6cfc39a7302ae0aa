"""Outgoing webhooks: endpoints, their secrets, and delivering each event once per endpoint.

Events come from the outboxes (`content.ContentEvent`, `leads.LeadEvent`), routed like notifications: one
`WebhookDelivery` per (event, endpoint) — a unique constraint, so a re-run creates nothing twice — sent
under a row lock. A failed attempt is retried with exponential backoff by the minute's sweep for about a
day; a 410 answer disables the endpoint. Payloads are thin and carry no personal data: a content event
names the item and the paths to refresh; a referral event a partner's own reference and its status.
"""

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from content.events import event_paths
from content.models import ContentEvent
from leads.crypto import seal, unseal
from leads.models import LeadEvent
from notifications import edge
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.webhook_signing import secret_new, signature_header
from notifications.webhook_transport import Answer, UnsafeWebhookURL, post, resolve_target
from partners.models import Partner

logger = logging.getLogger(__name__)

CONTENT_EVENTS = frozenset(
    {WebhookEvent.CONTENT_PUBLISHED, WebhookEvent.CONTENT_UPDATED, WebhookEvent.CONTENT_UNPUBLISHED}
)
PARTNER_ONLY_EVENTS = frozenset({WebhookEvent.REFERRAL_STATUS_CHANGED})


def webhook_endpoint_check(*, url: str, events: list[str], partner: Partner | None, check_url: bool = True) -> None:
    """Raise ValidationError if the URL may not receive webhooks or the events do not fit the owner.

    `check_url=False` skips resolving the URL (it has not changed): an endpoint whose name no longer
    resolves can still be edited, for a start switched off."""
    errors: dict[str, list[str]] = {}
    if check_url:
        try:
            resolve_target(url)
        except UnsafeWebhookURL as exc:
            errors["url"] = [str(exc)]
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if not events:
        errors["events"] = ["Choose at least one event."]
    elif unknown:
        errors["events"] = [f"Unknown event types: {', '.join(unknown)}."]
    elif partner is None and PARTNER_ONLY_EVENTS & set(events):
        errors["events"] = ["Referral events go only to a partner's endpoint (each partner hears of its own)."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def webhook_endpoint_save(*, endpoint: WebhookEndpoint, url_checked: bool = False) -> str | None:
    """Validate and save an endpoint; a new one gets its signing secret, returned this once (else None).

    The URL is resolved again only when it changed and the caller has not just checked it (the admin form
    has). Given to another partner, the endpoint's pending deliveries are cancelled: they were the
    previous partner's referrals."""
    stored = WebhookEndpoint.objects.filter(pk=endpoint.pk).first() if endpoint.pk else None
    url_changed = stored is None or stored.url != endpoint.url
    webhook_endpoint_check(
        url=endpoint.url, events=endpoint.events, partner=endpoint.partner, check_url=url_changed and not url_checked
    )
    secret = None
    if stored is None:
        secret = secret_new()
        endpoint.sealed_secret = _seal(secret)
    elif stored.partner_id != endpoint.partner_id:
        WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.CANCELLED
        )
    if endpoint.is_active:
        endpoint.disabled_reason = ""
    endpoint.events = sorted(set(endpoint.events))
    endpoint.save()
    return secret


def webhook_endpoint_create(
    *, url: str, events: list[str], partner: Partner | None = None, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns it with its signing secret, which is shown this once."""
    endpoint = WebhookEndpoint(url=url, events=events, partner=partner, description=description)
    secret = webhook_endpoint_save(endpoint=endpoint)
    assert secret is not None
    return endpoint, secret


def webhook_secret_rotate(
    *, endpoint: WebhookEndpoint, overlap: timedelta | None = None, now: datetime | None = None
) -> str:
    """Give the endpoint a new secret; the old one keeps signing beside it for `overlap` (default
    WEBHOOK_SECRET_OVERLAP_HOURS), so the receiver can deploy the new one without missing a message."""
    now = now or timezone.now()
    overlap = timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS) if overlap is None else overlap
    secret = secret_new()
    endpoint.sealed_previous_secret = endpoint.sealed_secret
    endpoint.previous_secret_expires_at = now + overlap
    endpoint.sealed_secret = _seal(secret)
    endpoint.save(update_fields=["sealed_secret", "sealed_previous_secret", "previous_secret_expires_at", "updated_at"])
    return secret


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    endpoint.is_active = True
    webhook_endpoint_save(endpoint=endpoint, url_checked=True)


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets that sign a message now: the current one, and the previous one during its overlap."""
    secrets_in_use = [_unseal(endpoint.sealed_secret)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.sealed_previous_secret and expires is not None and now < expires:
        secrets_in_use.append(_unseal(endpoint.sealed_previous_secret))
    return secrets_in_use


def _seal(secret: str) -> str:
    return seal({"secret": secret})


def _unseal(sealed: str) -> str:
    return str(unseal(sealed)["secret"])


def _subscribers(event_type: str, *, partner_id: int | None = None) -> list[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.filter(is_active=True)
    if partner_id is not None:
        endpoints = endpoints.filter(partner_id=partner_id)
    # Filtered here, not with a JSON lookup: the embedded SQLite set-up has no `contains` on JSON, and an
    # installation has a handful of endpoints.
    return [endpoint for endpoint in endpoints if event_type in endpoint.events]


def _payload(event_type: str, *, timestamp: datetime, data: dict[str, Any]) -> str:
    return orjson.dumps({"type": event_type, "timestamp": timestamp.isoformat(), "data": data}).decode()


def _deliveries_create(
    endpoints: list[WebhookEndpoint], *, source: str, event_type: str, payload: str, now: datetime
) -> None:
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                source=source,
                message_id=f"msg_{uuid.uuid4().hex}",
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ],
        ignore_conflicts=True,  # the unique (endpoint, source) makes a re-run create nothing
    )


def pending_deliveries(*, source: str) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(source=source, status=WebhookDelivery.Status.PENDING).values_list(
            "id", flat=True
        )
    )


def lead_events_pending_deliveries(*, events: list[LeadEvent]) -> list[int]:
    """The pending deliveries of these lead events; no query when none of them can have any."""
    sources = [f"lead:{event.pk}" for event in events if _lead_event_has_deliveries(event)]
    if not sources:
        return []
    return list(
        WebhookDelivery.objects.filter(source__in=sources, status=WebhookDelivery.Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _lead_event_has_deliveries(event: LeadEvent) -> bool:
    return lead_event_may_have_deliveries(kind=event.kind, partner_id=event.lead.partner_id)


def lead_event_may_have_deliveries(*, kind: str, partner_id: int | None) -> bool:
    """Only a referral's new status goes to webhooks (its own partner's endpoints)."""
    return kind == LeadEvent.Kind.STATUS_CHANGED and partner_id is not None


def lead_event_deliveries_create(*, event: LeadEvent, now: datetime) -> None:
    """Within the routing of a lead event: a partner's endpoints hear of its own referral's new status."""
    partner_id = event.lead.partner_id
    if not _lead_event_has_deliveries(event) or partner_id is None:
        return
    event_type = WebhookEvent.REFERRAL_STATUS_CHANGED
    endpoints = _subscribers(event_type, partner_id=partner_id)
    if endpoints:
        data = {"reference": event.lead.reference, "status": event.payload["status"]}
        payload = _payload(event_type, timestamp=event.created_at, data=data)
        _deliveries_create(endpoints, source=f"lead:{event.pk}", event_type=event_type, payload=payload, now=now)


def content_event_route(*, event_id: int, now: datetime | None = None) -> list[int]:
    """Create the deliveries of a due content event (once, whatever the re-runs); returns the pending ones."""
    now = now or timezone.now()
    source = f"content:{event_id}"
    with transaction.atomic():
        event = ContentEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id, due_at__lte=now).first()
        if event is None:
            return []  # not due, or another worker is routing it right now
        if event.routed_at is None:
            data = {"type": event.item_type, "slug": event.slug or None, "paths": event_paths(event)}
            payload = _payload(event.kind, timestamp=event.due_at, data=data)
            endpoints = _subscribers(event.kind)
            _deliveries_create(endpoints, source=source, event_type=event.kind, payload=payload, now=now)
            # The same outbox purges the edge (notifications.edge): recorded here, once, with the deliveries.
            edge.content_event_purge_record(event=event, now=now)
            event.routed_at = now
            event.save(update_fields=["routed_at"])
    return pending_deliveries(source=source)


@dataclass(frozen=True)
class WebhookOutcome:
    status: str  # "delivered", "retrying", "failed", "cancelled", "skipped"
    status_code: int | None = None


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: 30 s, 2 min, 8 min, 32 min, ~2 h,
    then every 6 h; with WEBHOOK_MAX_ATTEMPTS = 10 the last attempt comes about 27 hours after the first.
    ±10% jitter keeps endpoints that failed together from being retried together."""
    ceiling = min(settings.WEBHOOK_RETRY_MAX_SECONDS, settings.WEBHOOK_RETRY_BASE_SECONDS * 4 ** (attempts - 1))
    return ceiling * random.uniform(0.9, 1.1)  # noqa: S311 (not for security)


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> WebhookOutcome:
    """Send one due, pending delivery, log the attempt, and decide what comes next.

    The attempt is claimed first, in a short transaction that counts it and moves the next attempt into
    the future; the request goes out with no transaction or lock held; its answer is recorded in a second
    one. A worker that dies or times out mid-request (a dripping receiver, a hanging DNS lookup) has
    therefore already scheduled the retry, and the attempts still run out.
    """
    now = now or timezone.now()
    claimed = _claim(delivery_id, now=now)
    if isinstance(claimed, WebhookOutcome):
        return claimed
    delivery, endpoint = claimed
    try:
        answer = _attempt(delivery, endpoint, now=now)
    except Exception as exc:  # any failure of ours is a failed attempt, retried like the receiver's
        logger.exception("webhook delivery %s attempt %s failed before an answer", delivery.pk, delivery.attempts)
        answer = Answer(None, 0, error=f"error: {type(exc).__name__}")
    outcome = _record(delivery.pk, answer, now=now)
    logger.info(
        "webhook delivery %s attempt %s: %s in %s ms -> %s",
        delivery.pk,
        delivery.attempts,
        answer.status_code or answer.error,
        answer.duration_ms,
        outcome.status,
    )
    return outcome


def _claim(delivery_id: int, *, now: datetime) -> tuple[WebhookDelivery, WebhookEndpoint] | WebhookOutcome:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if delivery is None:
            return WebhookOutcome("skipped")  # done, not due, or another worker has it
        if not delivery.endpoint.is_active:
            delivery.status = WebhookDelivery.Status.CANCELLED
            delivery.save(update_fields=["status"])
            return WebhookOutcome("cancelled")
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery, delivery.endpoint


def _record(delivery_id: int, answer: Answer, *, now: datetime) -> WebhookOutcome:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",)).select_related("endpoint").get(pk=delivery_id)
        )
        delivery.last_status_code = answer.status_code
        delivery.last_error = answer.error
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=answer.status_code,
            duration_ms=answer.duration_ms,
            error=answer.error,
            response_excerpt=answer.excerpt,
        )
        outcome = _next_step(delivery, delivery.endpoint, answer, now=now)
        delivery.save(update_fields=["last_status_code", "last_error", "status", "next_attempt_at", "delivered_at"])
    return outcome


def _attempt(delivery: WebhookDelivery, endpoint: WebhookEndpoint, *, now: datetime) -> Answer:
    body = delivery.payload.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "CoreRecovery-Webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            secrets_in_use=signing_secrets(endpoint, now=now),
            message_id=delivery.message_id,
            timestamp=timestamp,
            body=body,
        ),
    }
    try:
        # Checked again at every attempt: the name may resolve elsewhere than when the endpoint was saved.
        target = resolve_target(endpoint.url)
    except UnsafeWebhookURL as exc:
        return Answer(None, 0, error=f"refused: {exc}"[:200])
    return post(target, body=body, headers=headers)


def _next_step(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint, answer: Answer, *, now: datetime
) -> WebhookOutcome:
    """The delivery's state after this answer; the claim already set the next attempt's time."""
    code = answer.status_code
    if code is not None and 200 <= code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        return WebhookOutcome("delivered", code)
    if code == 410:
        # Gone: the receiver asks us to stop. The endpoint is disabled and nothing more is sent to it.
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        endpoint.is_active = False
        endpoint.disabled_reason = f"The receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC."
        endpoint.save(update_fields=["is_active", "disabled_reason", "updated_at"])
        WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).exclude(
            pk=delivery.pk
        ).update(status=WebhookDelivery.Status.CANCELLED)
        return WebhookOutcome("failed", code)
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        return WebhookOutcome("failed", code)
    return WebhookOutcome("retrying", code)


def webhook_redeliver(*, delivery: WebhookDelivery, now: datetime | None = None) -> None:
    """Send a delivery again (from the admin): same webhook-id, a fresh timestamp and signature."""
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = now or timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])


@dataclass(frozen=True)
class WebhookSweep:
    content_events: list[int]
    deliveries: list[int]


def webhooks_sweep(*, now: datetime | None = None) -> WebhookSweep:
    """What the minute's sweep must (re)enqueue: content events now due (scheduled go-lives, and any whose
    enqueue was lost) and deliveries whose next attempt has come."""
    now = now or timezone.now()
    batch = settings.NOTIFICATION_SWEEP_BATCH
    content_events = list(
        ContentEvent.objects.filter(routed_at__isnull=True, due_at__lte=now).order_by("due_at", "id")
        .values_list("id", flat=True)[:batch]
    )  # fmt: skip
    deliveries = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:batch]
    )
    return WebhookSweep(content_events, deliveries)
