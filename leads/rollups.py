"""The dashboard's roll-up: its figures per day of the center's time zone, so that a year's dashboard adds up a
few thousand small rows instead of reading 100,000 leads and their status history.

How it stays right:

- A day's rows are **rebuilt from that day's leads** by the same SQL the dashboard used to run over the leads
  (leads.reports' expressions, grouped by day): counts are exact by construction, whatever wrote the lead.
- Every change to a lead that a figure reads (acknowledging, a status move, a first contact attempt, an edit in
  the admin, a deletion) marks its day out of date, **in the same transaction** (the signal receivers below: a
  `LeadRollupPending` row). A mark commits with the change or not at all.
- A new lead is not marked (one INSERT fewer in every submission): it is received now, and every refresh also
  rebuilds the days of the leads received since the previous refresh began, less a margin longer than any
  submission takes (`NEW_LEADS_MARGIN`; the previous start is kept in the cache, and without it the last two
  days are rebuilt).
- `rollup_refresh()` rebuilds those days and removes their marks, one refresh at a time (a lock). The
  dashboard calls it before it reads (so it is never stale: when nothing changed these are two small queries), and
  beat runs it every minute (`leads.rollup_refresh`; `manage.py run_periodic` under `make run`), so the page
  rarely has more than the last minute's days to rebuild.
- Writes that bypass `save()` (`QuerySet.update`, `bulk_create`, raw SQL) send no signal: whoever makes them
  marks the days (`rollup_mark`) or runs `manage.py dashboard_rollup --all`.

Counts are kept per day (`LeadDailyCount`: they add up over any period). Percentiles do not add up: the
dashboard shows them per week, so they are kept per week (`LeadWeeklySpeed`), exactly as
leads.reports.speed_by_week computes them over the week's leads, and a change to any day of a week rebuilds its
week too. A week the period cuts short is computed live from its few days of leads (leads.reports.speed_to_lead).
Every figure is therefore the one the direct SQL gives (tests/staff/test_dashboard_rollup.py holds them to it).

Past days are backfilled by migration 0008, which marks every day that has leads (the first refresh rebuilds
them: `make run` runs `manage.py dashboard_rollup` after migrating, production's beat within a minute of the
deploy, the dashboard itself otherwise).
"""

import logging
import time as clock
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import TruncDate
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from leads import reports
from leads.models import (
    Lead,
    LeadDailyCount,
    LeadRollupPending,
    LeadSource,
    LeadStatus,
    LeadStatusChange,
    LeadWeeklySpeed,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------------
# Marking days out of date
# --------------------------------------------------------------------------------------------------------

# The lead's columns some figure reads: a save that changes none of them (escalation, assignment, the sealed
# data) leaves the roll-up as it is.
FIGURE_FIELDS = frozenset({
    "received_at", "is_spam", "source", "partner", "partner_id", "program_interest", "utm_campaign",
    "acknowledged_at", "first_attempt_at", "status", "status_reason",
})  # fmt: skip


def rollup_mark(first_day: date, last_day: date | None = None) -> None:
    """Mark days (of the center's time zone) out of date; call it inside the transaction of the change."""
    LeadRollupPending.objects.create(first_day=first_day, last_day=last_day or first_day)


def _day_of(lead: Lead) -> date:
    return reports.today_local(lead.received_at)


@receiver(post_save, sender=Lead, dispatch_uid="rollup_lead_saved")
def _lead_saved(sender: Any, instance: Lead, created: bool, update_fields: Iterable[str] | None, **_: Any) -> None:
    # A new lead needs no mark: it is received now (auto_now_add), and every refresh rebuilds the days of the
    # leads received since the one before it (_recent_days). One INSERT fewer in every submission.
    if instance.received_at is None or created:
        return
    if update_fields is None or FIGURE_FIELDS.intersection(update_fields):
        rollup_mark(_day_of(instance))


@receiver(post_delete, sender=Lead, dispatch_uid="rollup_lead_deleted")
def _lead_deleted(sender: Any, instance: Lead, **_: Any) -> None:
    if instance.received_at is not None:
        rollup_mark(_day_of(instance))


@receiver(post_save, sender=LeadStatusChange, dispatch_uid="rollup_status_change_saved")
def _status_change_saved(sender: Any, instance: LeadStatusChange, created: bool, **_: Any) -> None:
    # The funnel reads the history's later stages; "received" is every lead, counted from the leads.
    if instance.to_status in reports.FUNNEL_STAGES[1:] or not created:
        rollup_mark(_day_of(instance.lead))


# --------------------------------------------------------------------------------------------------------
# Rebuilding days
# --------------------------------------------------------------------------------------------------------


def _count_rows(period: reports.Period) -> list[LeadDailyCount]:
    zone = reports.business_zone()
    leads = reports.leads_of(period).annotate(day=TruncDate("received_at", tzinfo=zone))
    rows: list[LeadDailyCount] = []

    def add(figure: str, found: Iterable[dict[str, Any]], key: str | None = None, by_source: bool = False) -> None:
        for row in found:
            rows.append(LeadDailyCount(
                day=row["day"], figure=figure, n=row["n"], key=row[key] if key else row.get("key", ""),
                source=row["source"] if by_source else "", partner_id=row["partner_id"] if by_source else None,
            ))  # fmt: skip

    add("source", leads.values("day", "source", "partner_id").annotate(n=Count("id")), by_source=True)
    add("campaign", leads.filter(source=LeadSource.WEBSITE).values("day", "utm_campaign").annotate(n=Count("id")),
        key="utm_campaign")  # fmt: skip
    add("program", leads.values("day", "program_interest").annotate(n=Count("id")), key="program_interest")
    within = {f"within_{m}": Count("id", filter=Q(first_response__lte=m * 60))
              for m in reports.RESPONSE_TARGETS_MINUTES}  # fmt: skip
    response = (
        leads.annotate(**reports.local_time_parts())
        .annotate(in_hours=reports.in_business_hours(), first_response=reports.first_response_seconds())
        .values("day", "in_hours").annotate(n=Count("id"), **within)
    )  # fmt: skip
    for row in response:
        key = "inside" if row["in_hours"] else "outside"
        rows.append(LeadDailyCount(day=row["day"], figure="hours", key=key, n=row["n"]))
        rows += [LeadDailyCount(day=row["day"], figure=name, key=key, n=row[name]) for name in within if row[name]]
    for stage in reports.FUNNEL_STAGES[1:]:
        reached = Exists(LeadStatusChange.objects.filter(lead=OuterRef("pk"), to_status=stage))
        found = leads.filter(reached).values("day", "source", "partner_id").annotate(n=Count("id"), key=Value(stage))
        add("reached", found, by_source=True)
    not_admitted = leads.filter(status=LeadStatus.NOT_ADMITTED).values("day", "status_reason").annotate(
        n=Count("id"))  # fmt: skip
    add("not_admitted", not_admitted, key="status_reason")
    return rows


def _speed_rows(first_day: date, last_day: date) -> list[LeadWeeklySpeed]:
    """The weeks holding the days from `first_day` to `last_day`, whole."""
    weeks = reports.Period(first_day - timedelta(days=first_day.weekday()),
                           last_day + timedelta(days=6 - last_day.weekday()))  # fmt: skip
    return [
        LeadWeeklySpeed(
            week=week, acknowledge_n=row.acknowledge.count, acknowledge_median=row.acknowledge.median,
            acknowledge_p90=row.acknowledge.p90, first_attempt_n=row.first_attempt.count,
            first_attempt_median=row.first_attempt.median, first_attempt_p90=row.first_attempt.p90,
        )
        for week, row in reports.speed_by_week(reports.leads_of(weeks)).items()
    ]  # fmt: skip


def rollup_rebuild(first_day: date, last_day: date) -> int:
    """Rebuild the roll-up of the days from `first_day` to `last_day` (included) from their leads, and of the weeks
    holding them; returns the rows written. Call it inside a transaction (rollup_refresh does)."""
    period = reports.Period(first_day=first_day, last_day=last_day)
    LeadDailyCount.objects.filter(day__gte=first_day, day__lte=last_day).delete()
    counts = _count_rows(period)
    LeadDailyCount.objects.bulk_create(counts, batch_size=2000)
    speeds = _speed_rows(first_day, last_day)
    LeadWeeklySpeed.objects.filter(week__gte=first_day - timedelta(days=6), week__lte=last_day).delete()
    LeadWeeklySpeed.objects.bulk_create(speeds, batch_size=2000)
    return len(counts) + len(speeds)


def _runs(ranges: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Overlapping or adjacent ranges of days merged, oldest first."""
    merged: list[tuple[date, date]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _lock() -> None:
    """One refresh at a time, until the end of the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x726F6C6C])  # "roll"
    else:  # SQLite: take the write lock now (waiting for another writer), not on the first write later
        LeadRollupPending.objects.filter(pk__lt=0).delete()


# New leads (unmarked) are found by when they were received: every refresh rebuilds the days of the leads received
# since the previous refresh started, less this margin, which covers a submission received before that start and
# committed after it (a request ends within gunicorn's 30 s timeout). The start is kept in the cache; without it
# (a first refresh, a flushed cache) the last two days are rebuilt.
NEW_LEADS_MARGIN = timedelta(seconds=90)
_LAST_REFRESH_KEY = "leads:rollup:last-refresh-start"


def _recent_days(now: datetime) -> tuple[date, date] | None:
    """The days of the leads received since the previous refresh (less the margin), if any."""
    try:
        last = cache.get(_LAST_REFRESH_KEY)
    except Exception:  # the cache is an optimisation (config/cache.py)
        last = None
    since = (last if isinstance(last, datetime) else now - timedelta(days=2)) - NEW_LEADS_MARGIN
    found = Lead.objects.filter(received_at__gte=since).order_by().aggregate(
        first=Min("received_at"), last=Max("received_at"))  # fmt: skip
    if found["first"] is None:
        return None
    return reports.today_local(found["first"]), reports.today_local(found["last"])


def _remember_refresh_start(started_at: datetime) -> None:
    try:
        cache.set(_LAST_REFRESH_KEY, started_at, None)
    except Exception:
        logger.warning("cache unavailable; the next refresh rebuilds the last two days")


def rollup_refresh() -> int:
    """Rebuild every day marked out of date and the days of new leads; remove the marks read; returns the days
    rebuilt.

    The marks are read after the lock: a change committed later leaves its own mark (removed only with the ids
    read here), so the next refresh picks it up. So are new leads, and the start remembered is taken after the
    lock too: a lead committed after this refresh read the leads was received after `started_at` less the margin.
    """
    now = timezone.now()
    if not LeadRollupPending.objects.exists() and _recent_days(now) is None:
        return 0
    started = clock.perf_counter()
    with transaction.atomic():
        _lock()
        started_at = timezone.now()
        pending = list(LeadRollupPending.objects.values_list("id", "first_day", "last_day"))
        recent = _recent_days(started_at)
        runs = _runs([(first, last) for _, first, last in pending] + ([recent] if recent else []))
        for first, last in runs:
            rollup_rebuild(first, last)
        ids = [pk for pk, _, _ in pending]
        for start in range(0, len(ids), 500):
            LeadRollupPending.objects.filter(id__in=ids[start : start + 500]).delete()
    # After the commit: a refresh that failed leaves the previous start, so the next one looks back further.
    _remember_refresh_start(started_at)
    days = sum((last - first).days + 1 for first, last in runs)
    if days:
        logger.info("dashboard roll-up: %d day(s) rebuilt in %.2fs", days, clock.perf_counter() - started)
    return days


def rollup_mark_all() -> tuple[date, date] | None:
    """Mark every day that has leads or roll-up rows (the backfill; `manage.py dashboard_rollup --all`)."""
    days = [
        reports.today_local(moment)
        for found in [Lead.objects.order_by().aggregate(first=Min("received_at"), last=Max("received_at"))]
        for moment in found.values() if moment is not None
    ]  # fmt: skip
    days += [
        day
        for found in [LeadDailyCount.objects.order_by().aggregate(first=Min("day"), last=Max("day")),
                      LeadWeeklySpeed.objects.order_by().aggregate(first=Min("week"), last=Max("week"))]
        for day in found.values() if day is not None
    ]  # fmt: skip
    if not days:
        return None
    rollup_mark(min(days), max(days))
    return min(days), max(days)
