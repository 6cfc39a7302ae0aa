"""Gauges read at scrape time, the numbers alerts need: how old the oldest unrouted event and the oldest
pending notification are, and how many messages wait in each Celery queue.

Each is one bounded query: a MIN over a partial index (`event_unrouted`, `notification_pending`) or an LLEN
per priority list in the broker. A failing source leaves its gauge out (and counts the failure) rather than
failing the scrape: an alert on an absent series still fires.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


def _age_seconds(model: type, **filters: object) -> float:
    oldest = model.objects.filter(**filters).aggregate(oldest=Min("created_at"))["oldest"]  # type: ignore[attr-defined]
    return 0.0 if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())


def _queue_names() -> list[str]:
    from config.celery import app

    return sorted({app.conf.task_default_queue or "celery", *(app.amqp.queues or {})})


def _queue_depths() -> dict[str, int]:
    """Messages waiting per queue. kombu's Redis transport keeps a queue as one list per priority step
    (`queue_order_strategy: priority`): `name`, then `name\\x06\\x16<priority>`."""
    import redis

    from config.celery import app

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        steps = app.conf.broker_transport_options.get("priority_steps", list(range(10)))
        depths = {}
        for queue in _queue_names():
            keys = [queue, *(f"{queue}\x06\x16{step}" for step in steps if step)]
            with client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.llen(key)
                depths[queue] = sum(int(length) for length in pipe.execute())
        return depths
    finally:
        client.close()


class PipelineCollector(Collector):
    def __init__(self) -> None:
        self.failures = {"database": 0, "broker": 0}

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        from leads.models import LeadEvent
        from notifications.models import Notification

        try:
            event_age = _age_seconds(LeadEvent, routed_at__isnull=True)
            notification_age = _age_seconds(Notification, status=Notification.Status.PENDING)
        except Exception:
            self.failures["database"] += 1
            logger.warning("metrics: the database did not answer the pipeline gauges")
        else:
            yield GaugeMetricFamily(
                "lead_event_oldest_unrouted_age_seconds",
                "Age of the oldest lead event not yet routed to staff (0: none waiting).",
                value=event_age,
            )
            yield GaugeMetricFamily(
                "notification_oldest_pending_age_seconds",
                "Age of the oldest notification to staff still pending (0: none waiting).",
                value=notification_age,
            )
        if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
            try:
                depths = _queue_depths()
            except Exception:
                self.failures["broker"] += 1
                logger.warning("metrics: the broker did not answer the queue depths")
            else:
                depth = GaugeMetricFamily(
                    "celery_queue_length", "Messages waiting in each Celery queue.", labels=["queue"]
                )
                for queue, length in depths.items():
                    depth.add_metric([queue], length)
                yield depth
        failures = CounterMetricFamily(
            "metrics_collector_failures", "Scrapes where a source of the pipeline gauges failed.", labels=["source"]
        )
        for source, count in self.failures.items():
            failures.add_metric([source], count)
        yield failures


pipeline_collector = PipelineCollector()
