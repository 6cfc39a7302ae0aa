"""Celery tasks: thin, idempotent, taking ids. The services hold the logic; the row lock makes re-runs safe."""

import logging
import random
import time
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_shutdown
from django.conf import settings
from django.db import DatabaseError

from notifications import edge, mailer, services, webhooks
from notifications.backends.base import TransientDeliveryError
from notifications.models import Notification

logger = logging.getLogger(__name__)


@worker_process_shutdown.connect
def _close_email_connection(**kwargs: Any) -> None:
    """A pool process that stops says goodbye (QUIT) on its kept email connection."""
    mailer.close_connection()


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with full jitter: spreads retries so a recovering provider is not stampeded."""
    ceiling = min(settings.NOTIFICATION_RETRY_MAX_SECONDS, settings.NOTIFICATION_RETRY_BASE_SECONDS * 2**retries)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (not for security)


def _enqueue(task: Any, row_id: int, *, what: str) -> None:
    """Hand a row's work to a worker. If the broker is down or hangs (a 2 s socket timeout), the caller
    still succeeds: the row waits in the database and the sweeper enqueues it later."""
    try:
        task.delay(row_id)
    except Exception:
        logger.warning("could not enqueue %s %s; the sweeper will", what, row_id)


def enqueue_event_routing(event_id: int) -> None:
    """LEAD_EVENT_PUBLISHER: runs after a lead event commits; the request never fails for it."""
    _enqueue(route_event, event_id, what="routing of event")


def enqueue_content_event_routing(event_id: int) -> None:
    """CONTENT_EVENT_PUBLISHER: runs after a content event commits; the editor's save never fails for it."""
    _enqueue(route_content_event, event_id, what="routing of content event")


def enqueue_delivery(notification_id: int) -> None:
    """Enqueue one notification's delivery; a row not enqueued waits, pending, for the sweeper."""
    _enqueue(deliver_notification, notification_id, what="delivery of notification")


# The route task stops making first attempts after this long and hands the rest to `deliver` tasks: a batch
# of events against a provider that hangs (10 s per attempt) must end well within the soft time limit.
FIRST_ATTEMPTS_BUDGET_SECONDS = 20


# Database errors (a failover, a lock timeout) retry; anything else is a bug and is reported. The limits leave
# room for the first attempts (FIRST_ATTEMPTS_BUDGET_SECONDS, then one more that may hang for EMAIL_TIMEOUT or
# TWILIO_TIMEOUT, 10 s each).
@shared_task(
    name="notifications.route_event", acks_late=True, soft_time_limit=50, time_limit=75,
    autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5,
)  # fmt: skip
def route_event(event_id: int) -> int:
    # Routes this event with the others waiting (a batch, in a burst); an event another task's batch routed
    # comes back with whatever of it is still pending, and a re-run finds sent rows no longer pending.
    routed = services.events_route(event_id=event_id)
    # Each message's first attempt happens here, in the task that routed it (SMS first: the channel on-call
    # staff see soonest). A task per message through the broker cost the worker a third of a burst's time
    # (bench/speed_to_lead.py); a retry or a fallback still goes through `deliver`.
    loaded = services.notifications_for_delivery(notification_ids=routed.notifications)
    deadline = time.monotonic() + FIRST_ATTEMPTS_BUDGET_SECONDS
    for notification_id in routed.notifications:
        if time.monotonic() > deadline:
            enqueue_delivery(notification_id)
        else:
            _deliver_first_attempt(notification_id, loaded.get(notification_id))
    for delivery_id in routed.webhook_deliveries:
        deliver_webhook.delay(delivery_id)
    if settings.LEAD_CONFIRMATION_CHANNELS:
        confirm_lead.delay(event_id)
    return len(routed.notifications)


def _deliver_first_attempt(notification_id: int, loaded: Notification | None) -> None:
    try:
        outcome = services.notification_deliver(notification_id=notification_id, loaded=loaded)
    except TransientDeliveryError:
        # Recorded on the row; the `deliver` task tries again after the backoff and counts its own attempts.
        deliver_notification.apply_async((notification_id,), countdown=backoff_seconds(0))
        return
    except (DatabaseError, SoftTimeLimitExceeded):
        raise  # the route task retries (or stops) as a whole; a re-run finds sent rows no longer pending
    except Exception:
        # One message's unexpected failure must not keep the event's other messages from their first attempt:
        # this one goes to its own `deliver` task (which reports the error), the loop goes on.
        logger.exception("first attempt of notification %s failed; handed to its deliver task", notification_id)
        deliver_notification.delay(notification_id)
        return
    if outcome.fallback_id is not None:
        deliver_notification.delay(outcome.fallback_id)


@shared_task(name="notifications.confirm_lead", acks_late=True, soft_time_limit=30, time_limit=60)
def confirm_lead(event_id: int) -> str | None:
    from leads.models import LeadEvent
    from notifications.confirmation import lead_confirm

    event = LeadEvent.objects.filter(pk=event_id, kind=LeadEvent.Kind.CREATED).only("lead_id").first()
    return lead_confirm(lead_id=event.lead_id) if event else None


@shared_task(
    bind=True, name="notifications.deliver", acks_late=True, soft_time_limit=30, time_limit=60,
    autoretry_for=(DatabaseError,), max_retries=None,
)  # fmt: skip
def deliver_notification(self, notification_id: int) -> str:
    try:
        outcome = services.notification_deliver(notification_id=notification_id)
    except TransientDeliveryError as exc:
        if self.request.retries + 1 >= settings.NOTIFICATION_MAX_ATTEMPTS:
            outcome = services.notification_fail(notification_id=notification_id, error=str(exc))
        else:
            raise self.retry(countdown=backoff_seconds(self.request.retries), exc=exc) from None
    if outcome.fallback_id is not None:
        deliver_notification.delay(outcome.fallback_id)
    return outcome.status


@shared_task(
    name="notifications.route_content_event", acks_late=True, soft_time_limit=30, time_limit=60,
    autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5,
)  # fmt: skip
def route_content_event(event_id: int) -> int:
    pending = webhooks.content_event_route(event_id=event_id)
    # The edge first, here and now: a website revalidating on the webhook then reads fresh pages through it.
    for purge_id in edge.pending_purges(source=f"content:{event_id}"):
        _purge_outcome(purge_id, edge.edge_purge_run(purge_id=purge_id))
    for delivery_id in pending:
        deliver_webhook.delay(delivery_id)
    return len(pending)


def _purge_outcome(purge_id: int, outcome: edge.PurgeOutcome) -> str:
    if outcome.status == "retrying":
        try:
            purge_edge.apply_async((purge_id,), countdown=outcome.retry_in)
        except Exception:
            logger.warning("could not enqueue the retry of edge purge %s; the sweeper will", purge_id)
    return outcome.status


# A failed purge is retried by a new task at the time its row names (backoff in notifications.edge), and by
# the minute's sweep if that task is lost; a purge is idempotent, so running twice costs one more request.
@shared_task(
    name="notifications.purge_edge", acks_late=True, soft_time_limit=60, time_limit=75,
    autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5,
)  # fmt: skip
def purge_edge(purge_id: int) -> str:
    return _purge_outcome(purge_id, edge.edge_purge_run(purge_id=purge_id))


@shared_task(name="notifications.sweep_edge_purges", acks_late=True, soft_time_limit=50, time_limit=55)
def sweep_edge_purges() -> int:
    due = edge.edge_purges_sweep()
    for purge_id in due:
        purge_edge.delay(purge_id)
    return len(due)


# A failed attempt is not retried by Celery: its next attempt is a time on the row (backoff over about a
# day, longer than a broker should hold a task), which the minute's sweep picks up.
@shared_task(
    name="notifications.deliver_webhook", acks_late=True, soft_time_limit=45, time_limit=60,
    autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5,
)  # fmt: skip
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.webhook_deliver(delivery_id=delivery_id).status


@shared_task(name="notifications.sweep_webhooks", acks_late=True, soft_time_limit=50, time_limit=55)
def sweep_webhooks() -> dict[str, int]:
    result = webhooks.webhooks_sweep()
    for event_id in result.content_events:
        route_content_event.delay(event_id)
    for delivery_id in result.deliveries:
        deliver_webhook.delay(delivery_id)
    return {"content_events": len(result.content_events), "deliveries": len(result.deliveries)}


@shared_task(name="notifications.sweep", acks_late=True, soft_time_limit=50, time_limit=55)
def sweep() -> dict[str, int]:
    result = services.sweep()
    for event_id in result.events:
        route_event.delay(event_id)
    for notification_id in result.notifications:
        deliver_notification.delay(notification_id)
    return {"events": len(result.events), "notifications": len(result.notifications),
            "escalations": len(result.escalations)}  # fmt: skip


@shared_task(name="notifications.daily_digest", acks_late=True, soft_time_limit=60, time_limit=90)
def daily_digest() -> int:
    from notifications.digest import digest_send

    return digest_send()
