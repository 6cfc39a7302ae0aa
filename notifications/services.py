"""Routing events to staff and delivering each message exactly once (at-least-once tasks + a row lock)."""

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Exists, FilteredRelation, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from opentelemetry import trace

from leads import services as lead_services
from leads.models import Lead, LeadEvent, LeadStatus
from notifications import mailer, messages, tokens, webhooks
from notifications.backends.base import BaseSMSBackend, PermanentDeliveryError, TransientDeliveryError
from notifications.models import Channel, Notification
from notifications.routing import targets_for_events
from ops import metrics

_tracer = trace.get_tracer(__name__)

logger = logging.getLogger(__name__)


def sms_backend() -> BaseSMSBackend:
    # One backend per process and setting: the Twilio client keeps its HTTPS connection between messages.
    return _sms_backend(settings.SMS_BACKEND)


@functools.cache
def _sms_backend(path: str) -> BaseSMSBackend:
    return import_string(f"{path}.SMSBackend")()


def event_route(*, event_id: int, now: datetime | None = None) -> list[int]:
    """Create the notifications of an event (once, whatever the re-runs); returns the pending ones' ids."""
    return events_route(event_id=event_id, batch_size=1, now=now).notifications


@dataclass(frozen=True)
class RouteResult:
    notifications: list[int]  # pending: event by event in the batch's order, SMS before email in each
    webhook_deliveries: list[int]  # pending


def events_route(*, event_id: int, batch_size: int | None = None, now: datetime | None = None) -> RouteResult:
    """Route the event and, in the same transaction, up to `batch_size` - 1 other events waiting to be routed
    (NOTIFICATION_ROUTE_BATCH): their notifications once each, whatever the re-runs. Returns what is pending
    of the events this call holds, the asked one first (nothing of it if another worker is routing it).

    In a burst, a route task per lead read the rules, the recipients and its event on its own, in its own
    transaction: most of the worker's round trips to PostgreSQL (bench/speed_to_lead.py). Each event is
    claimed under its row lock (SKIP LOCKED), so two workers never route one twice; the task of an event
    that another's batch routed finds it routed and only delivers what is still pending of it.
    """
    already = _routed_already(event_id)
    if already is not None:
        return already
    now = now or timezone.now()
    size = max(1, settings.NOTIFICATION_ROUTE_BATCH if batch_size is None else batch_size)
    with transaction.atomic():
        events = list(
            LeadEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("lead__partner")
            .filter(Q(pk=event_id) | Q(routed_at__isnull=True))
            .order_by(Case(When(pk=event_id, then=Value(0)), default=Value(1)), "created_at", "id")[:size]
        )
        unrouted = [event for event in events if event.routed_at is None]
        if unrouted:
            targets = targets_for_events(events=unrouted, at=now)
            Notification.objects.bulk_create(
                [
                    Notification(event=event, recipient=target.recipient, channel=target.channel)
                    for event in unrouted
                    for target in targets[event.pk]
                ],
                ignore_conflicts=True,  # the unique (event, recipient, channel) makes a re-run create nothing
            )
            for event in unrouted:
                # The same outbox feeds partners' webhooks: a referral's new status, to its own partner only.
                webhooks.lead_event_deliveries_create(event=event, now=now)
            LeadEvent.objects.filter(pk__in=[event.pk for event in unrouted]).update(routed_at=now)
        position = {event.pk: index for index, event in enumerate(events)}
        pending = sorted(
            Notification.objects.filter(event_id__in=position, status=Notification.Status.PENDING)
            .order_by()
            .values_list("event_id", "channel", "id"),
            # SMS before email (the channel on-call staff see soonest): the route task sends them in this order
            key=lambda row: (position[row[0]], row[1] != Channel.SMS, row[2]),
        )
        deliveries = webhooks.lead_events_pending_deliveries(events=events)
    return RouteResult([row[2] for row in pending], deliveries)


def _routed_already(event_id: int) -> RouteResult | None:
    """What is still pending of an event already routed, in one read without a lock or a transaction (routing
    is final); None if it is not routed yet, or if other events wait to be routed.

    After a burst, the queue holds the tasks of events that other tasks' batches routed: this spares each a
    transaction. While events wait, the task routes them instead (`events_route`): skipping to the next task
    left them waiting behind the queue's redundant tasks (seconds more for a burst's last leads).
    """
    rows = list(
        LeadEvent.objects.filter(pk=event_id, routed_at__isnull=False)
        .annotate(
            pending=FilteredRelation("notifications", condition=Q(notifications__status=Notification.Status.PENDING)),
            waiting=Exists(LeadEvent.objects.filter(routed_at__isnull=True)),
        )
        .order_by()
        .values_list("kind", "lead__partner_id", "pending__id", "pending__channel", "waiting")
    )
    if not rows or rows[0][4]:
        return None
    kind, partner_id = rows[0][0], rows[0][1]
    pending = sorted((channel != Channel.SMS, pk) for _, _, pk, channel, _ in rows if pk is not None)
    deliveries = (
        webhooks.pending_deliveries(source=f"lead:{event_id}")
        if webhooks.lead_event_may_have_deliveries(kind=kind, partner_id=partner_id)
        else []
    )
    return RouteResult([pk for _, pk in pending], deliveries)


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str  # "sent", "skipped", "failed"
    fallback_id: int | None = None


def _send(notification: Notification, message: messages.RenderedMessage) -> str:
    recipient = notification.recipient
    if notification.channel == Channel.SMS:
        callback = settings.ADMIN_BASE_URL.rstrip("/") + reverse("v1:twilio-status")
        return sms_backend().send(to=recipient.phone, body=message.sms, status_callback=callback)
    return mailer.email_send(to=recipient.email, subject=message.subject, text=message.text, html=message.html)


def notifications_for_delivery(*, notification_ids: list[int]) -> dict[int, Notification]:
    """What rendering and sending need of these notifications (recipient, event, lead, partner), by id, in one
    query and without a lock: each send still claims its row (`notification_deliver(loaded=...)`)."""
    return Notification.objects.select_related("recipient", "event__lead__partner").order_by().in_bulk(notification_ids)


def notification_deliver(*, notification_id: int, loaded: Notification | None = None) -> DeliveryOutcome:
    """Send one pending notification under a row lock; a second worker skips it, a sent one is left alone.

    `loaded` (from `notifications_for_delivery`) spares the re-read of what the message needs: the lock then
    takes only the row's status and attempts, read afresh. A transient failure is recorded and raised for the
    task to retry; a permanent one fails the row and falls back to the recipient's other channel. Traced as a
    span of its own (`notifications.deliver`, no attributes), whether the route task makes the first attempt
    or the deliver task a later one.
    """
    with _tracer.start_as_current_span("notifications.deliver"):
        return _notification_deliver(notification_id, loaded)


def _claim(notification_id: int, loaded: Notification | None) -> Notification | None:
    """Lock the row if it is still pending and nobody holds it (inside the caller's transaction)."""
    pending = Notification.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        pk=notification_id, status=Notification.Status.PENDING
    )
    if loaded is None:
        return pending.select_related("recipient", "event__lead__partner").order_by().first()
    attempts = list(pending.order_by().values_list("attempts", flat=True)[:1])
    if not attempts:
        return None
    loaded.attempts = attempts[0]  # a retry may have counted one since it was loaded
    return loaded


def _notification_deliver(notification_id: int, loaded: Notification | None) -> DeliveryOutcome:
    transient: TransientDeliveryError | None = None
    with transaction.atomic():
        notification = _claim(notification_id, loaded)
        if notification is None:
            return DeliveryOutcome("skipped")
        notification.attempts += 1
        notification.last_attempt_at = timezone.now()
        message = messages.render(notification, token=tokens.make_token(notification.pk), channel=notification.channel)
        try:
            provider_id = _send(notification, message)
        except PermanentDeliveryError as exc:
            metrics.notification_attempt(channel=notification.channel, outcome="permanent_error")
            return _fail(notification, str(exc))
        except TransientDeliveryError as exc:
            metrics.notification_attempt(channel=notification.channel, outcome="transient_error")
            notification.last_error = str(exc)[:300]
            notification.save(update_fields=["attempts", "last_attempt_at", "last_error"])
            transient = exc
        else:
            metrics.notification_sent(channel=notification.channel, event_kind=notification.event.kind,
                                      lead_received_at=notification.event.lead.received_at)  # fmt: skip
            notification.status = Notification.Status.SENT
            notification.provider_message_id = provider_id
            notification.sent_at = timezone.now()
            notification.last_error = ""
            notification.save(
                update_fields=["status", "provider_message_id", "sent_at", "attempts", "last_attempt_at", "last_error"]
            )
            return DeliveryOutcome("sent")
    raise transient


def _fail(notification: Notification, error: str) -> DeliveryOutcome:
    notification.status = Notification.Status.FAILED
    notification.failed_at = timezone.now()
    notification.last_error = error[:300]
    notification.save(update_fields=["status", "failed_at", "last_error", "attempts", "last_attempt_at"])
    fallback = _fallback(notification)
    metrics.notification_failed(channel=notification.channel, fallback=fallback is not None)
    logger.warning("notification %s failed on %s; fallback %s", notification.pk, notification.channel, fallback)
    return DeliveryOutcome("failed", fallback.pk if fallback else None)


def _fallback(notification: Notification) -> Notification | None:
    """The same message to the same recipient on the other channel, if they accept it and have none yet."""
    other = Channel.EMAIL if notification.channel == Channel.SMS else Channel.SMS
    if not notification.recipient.accepts(other):
        return None
    fallback, created = Notification.objects.get_or_create(
        event_id=notification.event_id,
        recipient_id=notification.recipient_id,
        channel=other,
        defaults={"fallback_of": notification},
    )
    return fallback if created else None


def notification_fail(*, notification_id: int, error: str) -> DeliveryOutcome:
    """Give up on a notification after its last transient failure; falls back to the other channel."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return DeliveryOutcome("skipped")
        return _fail(notification, error)


def notification_record_provider_status(*, provider_message_id: str, provider_status: str) -> int:
    """Apply a provider's delivery report (Twilio's MessageStatus); duplicates and reordering are harmless."""
    now = timezone.now()
    sent_or_pending = Q(status__in=[Notification.Status.SENT, Notification.Status.PENDING])
    found = Notification.objects.filter(provider_message_id=provider_message_id)
    if provider_status == "delivered":
        return found.filter(sent_or_pending).update(status=Notification.Status.DELIVERED, delivered_at=now)
    if provider_status in {"undelivered", "failed"}:
        return _fail_reported(found.filter(sent_or_pending), f"provider reported {provider_status}")
    return 0


# django-anymail's normalized event types (anymail.signals.EventType) that say what became of an email.
# A soft bounce ("deferred") is followed by a later report; opens, clicks and complaints mean it arrived.
EMAIL_DELIVERED_EVENTS = frozenset({"delivered"})
EMAIL_FAILED_EVENTS = frozenset({"bounced", "rejected", "failed"})


def notification_record_email_event(*, provider_message_id: str, event_type: str) -> int:
    """Apply an ESP's tracking event (through django-anymail) to the email it names; returns rows changed.

    `delivered` marks a sent email delivered. A bounce, a rejection or a failure is final: the row fails and
    falls back to SMS, as any final failure does, even after an earlier `delivered` (the receiving server may
    accept a message and bounce it later). Duplicates, reordering and unknown ids change nothing.
    """
    if not provider_message_id:
        return 0
    found = Notification.objects.filter(provider_message_id=provider_message_id, channel=Channel.EMAIL)
    if event_type in EMAIL_DELIVERED_EVENTS:
        return found.filter(status=Notification.Status.SENT).update(
            status=Notification.Status.DELIVERED, delivered_at=timezone.now()
        )
    if event_type in EMAIL_FAILED_EVENTS:
        return _fail_reported(
            found.filter(status__in=[Notification.Status.SENT, Notification.Status.DELIVERED]),
            f"ESP reported {event_type}",
        )
    return 0


def _fail_reported(rows: Any, error: str) -> int:
    """Fail the rows a provider reported undeliverable, each with its fallback sent at once."""
    failed = 0
    for row in rows.select_related("recipient"):
        with transaction.atomic():
            # Under the row lock, re-read: a duplicate report in another request must not fail it twice.
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("recipient")
                .filter(pk=row.pk, status=row.status)
                .first()
            )
            if notification is None:
                continue
            outcome = _fail(notification, error)
            if outcome.fallback_id is not None:
                # At once, as the delivery task does; not a minute or two later with the sweep.
                transaction.on_commit(partial(_enqueue_delivery, outcome.fallback_id), robust=True)
            failed += 1
    return failed


def _enqueue_delivery(notification_id: int) -> None:
    from notifications.tasks import enqueue_delivery  # notifications.tasks imports this module

    enqueue_delivery(notification_id)


def notification_resend(*, notification_id: int) -> None:
    """Staff's "resend": the row goes back to pending for the delivery task."""
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.PENDING, last_error="", failed_at=None
    )


@dataclass(frozen=True)
class AckResult:
    lead: Lead
    newly_acknowledged: bool
    link_already_used: bool = False


def ack_with_token(*, token: str, user: Any) -> AckResult:
    """Use an acknowledge link: the first use takes the lead on (acknowledged, assigned if nobody has it); a
    later use of the same link changes nothing and still names the lead, so the person lands on it."""
    notification_id = tokens.read_token(token)
    with transaction.atomic():
        used = Notification.objects.filter(pk=notification_id, ack_used_at__isnull=True).update(
            ack_used_at=timezone.now()
        )
        lead = Lead.objects.filter(events__notifications__pk=notification_id).first()
        if lead is None:
            raise tokens.InvalidToken("unknown notification")
        if not used:
            return AckResult(lead, newly_acknowledged=False, link_already_used=True)
        newly = lead_services.lead_acknowledge(lead=lead, by=user)
    return AckResult(lead, newly)


@dataclass(frozen=True)
class SweepResult:
    events: list[int]
    notifications: list[int]
    escalations: list[int]


def sweep(*, now: datetime | None = None) -> SweepResult:
    """What the minute's sweep must (re)enqueue: unrouted events and stale pending notifications after a
    grace period (a lost enqueue, Redis or every worker down), and the escalation of unacknowledged leads."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    events = list(
        LeadEvent.objects.filter(routed_at__isnull=True, created_at__lt=grace)
        .order_by("id")
        .values_list("id", flat=True)[: settings.NOTIFICATION_SWEEP_BATCH]
    )
    stale = Q(last_attempt_at__isnull=True, created_at__lt=grace) | Q(
        last_attempt_at__lt=now - timedelta(seconds=settings.NOTIFICATION_RETRY_STALE_SECONDS)
    )
    notifications = list(
        Notification.objects.filter(stale, status=Notification.Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)[: settings.NOTIFICATION_SWEEP_BATCH]
    )
    escalations = [event.id for event in _escalate_due(now=now)]
    return SweepResult(events, notifications, escalations)


def _escalate_due(*, now: datetime) -> list[LeadEvent]:
    cap = settings.ESCALATION_MAX_LEVEL
    routine = timedelta(minutes=settings.ESCALATE_AFTER_MINUTES)
    urgent = timedelta(minutes=settings.ESCALATE_URGENT_AFTER_MINUTES)
    candidates = Lead.objects.filter(
        acknowledged_at__isnull=True,
        is_spam=False,
        status=LeadStatus.RECEIVED,  # a status change means someone is on it
        escalation_level__lt=cap,
        received_at__lte=now - min(routine, urgent),
    ).only("id", "urgency", "received_at", "escalation_level")
    events = []
    for lead in candidates:
        wait = urgent if lead.urgency == "urgent" else routine
        if lead.received_at + wait * (lead.escalation_level + 1) <= now:
            event = lead_services.lead_escalate(lead=lead, max_level=cap)
            if event is not None:
                events.append(event)
    return events
