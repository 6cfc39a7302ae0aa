"""The intake dashboard's figures: how many leads came, from where, how fast they were answered and what became
of them. Read-only selectors, no HTTP; every figure is an aggregate computed by the database (no loop over
leads in Python), over a period of whole days in the center's time zone (America/Phoenix), spam excluded.

Nothing here identifies anyone: counts, durations, sources (partner organisations, campaigns), programs and
reason categories only.

The figures are read from a roll-up (leads.rollups), brought up to date before each read: counts per day, the
percentiles of speed to lead per week (they do not add up; the dashboard shows them per week), each exactly what
the SQL below gives over the leads (the roll-up groups it by day and by week). Percentiles are PostgreSQL's
`percentile_cont` (continuous: interpolated between the two nearest values); the embedded default (`make run`)
runs on SQLite, which has no such aggregate: there a window function numbers each week's durations in order and
the database returns only the one or two rows each percentile needs, which are interpolated the same way
(`_interpolate`). Both give the same figures. The leads waiting right now are read live.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import NotSupportedError, connections
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    F,
    FloatField,
    Func,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    ExtractIsoWeekDay,
    Least,
    RowNumber,
    TruncTime,
    TruncWeek,
)
from django.utils import timezone

from leads.models import (
    TERMINAL_STATUSES,
    Lead,
    LeadDailyCount,
    LeadSource,
    LeadStatus,
    LeadWeeklySpeed,
    NotAdmittedReason,
    Urgency,
)

DEFAULT_WEEKS = 12
# The center's targets for a first response (see staff.presenters: first touch in 5, escalation at 15).
RESPONSE_TARGETS_MINUTES = (5, 15)
FRACTIONS = (0.5, 0.9)
# The funnel's stages, in order; a lead counts for a stage if its status history ever reached it.
FUNNEL_STAGES: tuple[str, ...] = (
    LeadStatus.RECEIVED, LeadStatus.CONTACTED, LeadStatus.ASSESSMENT_SCHEDULED, LeadStatus.ADMITTED,
)  # fmt: skip


def business_zone() -> ZoneInfo:
    return ZoneInfo(settings.BUSINESS_TIME_ZONE)


# --------------------------------------------------------------------------------------------------------
# The period
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days, first and last included, in the center's time zone."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=business_zone())

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=business_zone())

    @property
    def weeks(self) -> list[date]:
        """The Monday of every week the period touches, oldest first."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.last_day - monday).days // 7 + 1)]


def default_period(*, today: date, weeks: int = DEFAULT_WEEKS) -> Period:
    """The last `weeks` weeks: from the Monday `weeks - 1` weeks before this week's, to today."""
    this_monday = today - timedelta(days=today.weekday())
    return Period(first_day=this_monday - timedelta(weeks=weeks - 1), last_day=today)


def today_local(now: datetime) -> date:
    return now.astimezone(business_zone()).date()


def leads_of(period: Period) -> QuerySet[Lead]:
    """The period's leads (by when they were received), spam excluded, without the model's ordering."""
    return Lead.objects.filter(is_spam=False, received_at__gte=period.start, received_at__lt=period.end).order_by()


def _week() -> TruncWeek:
    return TruncWeek("received_at", tzinfo=business_zone())


def _monday(value: Any) -> date:
    """The Monday a TruncWeek value stands for (an aware datetime, or a naive one in the center's zone)."""
    if isinstance(value, datetime):
        return (value.astimezone(business_zone()) if value.tzinfo else value).date()
    return value


# --------------------------------------------------------------------------------------------------------
# SQL building blocks
# --------------------------------------------------------------------------------------------------------


class Seconds(Func):
    """`end - start` in seconds, as a float; NULL when either is NULL."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra_context: Any) -> Any:
        raise NotSupportedError(f"Seconds is not implemented for {connection.vendor}")

    def _operands(self, compiler: Any, connection: Any) -> tuple[str, str, list[Any]]:
        (end, end_params), (start, start_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return end, start, [*end_params, *start_params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        end, start, params = self._operands(compiler, connection)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))::double precision", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        end, start, params = self._operands(compiler, connection)
        # julianday() is a double in days: rounded to the millisecond, as the stored values are to the microsecond.
        return f"ROUND((julianday({end}) - julianday({start})) * 86400.0, 3)", params


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile of the expression's values (NULLs ignored)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, *, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def _acknowledge_seconds() -> Seconds:
    return Seconds(F("acknowledged_at"), F("received_at"))


def _first_attempt_seconds() -> Seconds:
    return Seconds(F("first_attempt_at"), F("received_at"))


def first_response_seconds() -> Seconds:
    """Until the first of acknowledging or a contact attempt (whichever came first; NULL if neither yet)."""
    # Least of two Coalesces: PostgreSQL's LEAST skips NULLs, SQLite's MIN() returns NULL if one is.
    first = Least(Coalesce("acknowledged_at", "first_attempt_at"), Coalesce("first_attempt_at", "acknowledged_at"))
    return Seconds(first, F("received_at"))


def local_time_parts() -> dict[str, Any]:
    """The received time's ISO weekday and time of day, in the center's time zone (annotations)."""
    zone = business_zone()
    return {
        "local_weekday": ExtractIsoWeekDay("received_at", tzinfo=zone),
        "local_time": TruncTime("received_at", tzinfo=zone),
    }


def in_business_hours() -> Case:
    """notifications.routing.is_business_hours on the received time, over the `_local_time_parts` annotations:
    the local weekday is a business day and the local time of day is in [opens, closes)."""
    opens, closes = (time.fromisoformat(part) for part in settings.BUSINESS_HOURS.split("-"))
    iso_days = [day + 1 for day in settings.BUSINESS_DAYS]  # ISO: Monday is 1; Python's weekday(): Monday is 0
    inside = Q(local_weekday__in=iso_days, local_time__gte=opens, local_time__lt=closes)
    return Case(When(inside, then=Value(True)), default=Value(False), output_field=BooleanField())


# --------------------------------------------------------------------------------------------------------
# Leads per week
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    counts: tuple[int, ...]  # one a week, aligned with WeeklyCounts.weeks

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class WeeklyCounts:
    weeks: list[date]
    series: list[Series]  # the largest first

    @cached_property  # the tables read it once a week
    def totals(self) -> list[int]:
        return [sum(column) for column in zip(*(s.counts for s in self.series), strict=True)] if self.series else [
            0 for _ in self.weeks
        ]  # fmt: skip


def _weekly(period: Period, rows: Iterable[dict[str, Any]], key_label: Any) -> WeeklyCounts:
    weeks = period.weeks
    position = {week: n for n, week in enumerate(weeks)}
    counts: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for row in rows:  # one row per (week, group): bounded by weeks x groups, never by leads
        key, label = key_label(row)
        labels[key] = label
        counts.setdefault(key, [0] * len(weeks))[position[_monday(row["week"])]] += row["n"]
    series = [Series(key, labels[key], tuple(values)) for key, values in counts.items()]
    series.sort(key=lambda s: (-s.total, s.label))
    return WeeklyCounts(weeks=weeks, series=series)


_SOURCE_LABELS: dict[str, str] = {str(value): str(label) for value, label in LeadSource.choices}


def source_key_label(source: str, partner_id: int | None, partner_name: str | None) -> tuple[str, str]:
    """Where leads came from: the website, the phone, or a partner (through the API, or by phone)."""
    label = _SOURCE_LABELS.get(source, source)
    if partner_id is None:
        return source, label
    how = "through the API" if source == LeadSource.PARTNER else label.lower()
    return f"{source}:{partner_id}", f"{partner_name} ({how})"


def _fresh() -> None:
    """Bring the roll-up up to date first (one small query when no change is waiting)."""
    from leads.rollups import rollup_refresh  # leads.rollups builds on this module's expressions

    rollup_refresh()


def _counts(period: Period, figure: str) -> QuerySet[LeadDailyCount]:
    """The roll-up's rows of one figure over the period's days, without ordering."""
    return LeadDailyCount.objects.filter(figure=figure, day__gte=period.first_day, day__lte=period.last_day).order_by()


def _weekly_rollup(period: Period, figure: str, fields: list[str]) -> QuerySet[Any]:
    return _counts(period, figure).annotate(week=TruncWeek("day")).values("week", *fields).annotate(n=Sum("n"))


def leads_by_source(*, period: Period, refreshed: bool = False) -> WeeklyCounts:
    """Leads per week by source: the website, phone or fax, and each partner."""
    if not refreshed:
        _fresh()
    rows = _weekly_rollup(period, "source", ["source", "partner_id", "partner__name"])
    return _weekly(period, rows, lambda r: source_key_label(r["source"], r["partner_id"], r["partner__name"]))


NO_CAMPAIGN = "(no campaign)"


def leads_by_campaign(*, period: Period, refreshed: bool = False) -> WeeklyCounts:
    """Website leads per week by UTM campaign (those without one together)."""
    if not refreshed:
        _fresh()
    rows = _weekly_rollup(period, "campaign", ["key"])
    return _weekly(period, rows, lambda r: (r["key"], r["key"] or NO_CAMPAIGN))


def program_key_label(program_names: dict[str, str] | None) -> Any:
    names = {"unsure": "Not sure", "": "Not said", **(program_names or {})}
    return lambda slug: (slug, names.get(slug, slug))


def leads_by_program(*, period: Period, program_names: dict[str, str] | None = None, refreshed: bool = False
                     ) -> WeeklyCounts:  # fmt: skip
    """Leads per week by the program they asked about (`program_names`: slug -> name, for the labels)."""
    if not refreshed:
        _fresh()
    key_label = program_key_label(program_names)
    return _weekly(period, _weekly_rollup(period, "program", ["key"]), lambda r: key_label(r["key"]))


# --------------------------------------------------------------------------------------------------------
# Speed to lead
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    """Seconds: how many leads have one, their median and their 90th percentile (None when there are none)."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class SpeedRow:
    week: date
    leads: int
    acknowledge: Durations
    first_attempt: Durations


@dataclass(frozen=True)
class SpeedToLead:
    weeks: list[SpeedRow]

    def range_of(self, measure: str, figure: str) -> tuple[float, float] | None:
        """The lowest and highest weekly `figure` ("median", "p90") of `measure`, or None without any."""
        values = [getattr(getattr(w, measure), figure) for w in self.weeks if getattr(w, measure).count]
        return (min(values), max(values)) if values else None


def measures() -> dict[str, Seconds]:
    return {"acknowledge": _acknowledge_seconds(), "first_attempt": _first_attempt_seconds()}


def _interpolate(values: dict[int, float], count: int, fraction: float) -> float | None:
    """percentile_cont: the value at position fraction x (count - 1) of the sorted values (0-based), interpolated
    linearly between its two neighbours; `values` maps 0-based positions to values (only those needed)."""
    if count == 0:
        return None
    position = fraction * (count - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return values[lower] + (position - lower) * (values[upper] - values[lower])


def speed_by_week(leads: QuerySet[Lead]) -> dict[date, SpeedRow]:
    """Per week of `leads`: how many, and the count, median and 90th percentile of each measure, exactly
    (PostgreSQL's percentile_cont; on SQLite a window function numbering each week's durations, the same
    figures)."""
    if connections[leads.db].vendor != "postgresql":
        return _speed_by_window(leads)
    # One pass over the leads: percentile_cont skips NULLs (a lead not acknowledged has no time to acknowledge).
    seconds = {f"{name}_seconds": expression for name, expression in measures().items()}
    measured = leads.annotate(**seconds).annotate(week=_week())
    aggregates: dict[str, Any] = {"leads": Count("id")}
    for name in measures():
        aggregates[f"{name}_n"] = Count(f"{name}_seconds")
        for n, fraction in enumerate(FRACTIONS):
            aggregates[f"{name}_p{n}"] = PercentileCont(f"{name}_seconds", fraction=fraction)

    def durations(row: dict[str, Any], name: str) -> Durations:
        return Durations(row[f"{name}_n"], row[f"{name}_p0"], row[f"{name}_p1"]) if row[f"{name}_n"] else _NONE

    found = {}
    for row in measured.values("week").annotate(**aggregates):
        week = _monday(row["week"])
        found[week] = SpeedRow(week, row["leads"], durations(row, "acknowledge"), durations(row, "first_attempt"))
    return found


def _speed_by_window(leads: QuerySet[Lead]) -> dict[date, SpeedRow]:
    counts = {_monday(row["week"]): row["n"] for row in leads.annotate(week=_week()).values("week").annotate(
        n=Count("id"))}  # fmt: skip
    per_measure = {}
    for name, seconds in measures().items():
        measured = leads.annotate(seconds=seconds, week=_week()).filter(seconds__isnull=False)
        per_measure[name] = _percentiles_by_window(measured, ["week"])
    return {
        week: SpeedRow(week, n, per_measure["acknowledge"].get(week, _NONE), per_measure["first_attempt"].get(week,
                                                                                                             _NONE))
        for week, n in counts.items()
    }  # fmt: skip


def _percentiles_by_window(measured: QuerySet[Lead], group: list[str]) -> dict[date | None, Durations]:
    """SQLite's way: number each group's values in order, keep only the rows next to each percentile's position."""
    partition = [F(name) for name in group] or None
    numbered = measured.annotate(
        rank=Window(RowNumber(), partition_by=partition, order_by=[F("seconds").asc(), F("id").asc()]),
        size=Window(Count("id"), partition_by=partition),
    )
    near = Q()
    for fraction in FRACTIONS:
        # rank is 1-based; the positions needed are floor and ceil of fraction x (size - 1), 0-based. A margin
        # keeps both whatever the rounding of the float; _interpolate picks exactly those it needs.
        position = (F("size") - 1) * fraction + 1
        near |= Q(rank__gt=position - 1.5, rank__lt=position + 1.5)
    positions: dict[date | None, dict[int, float]] = defaultdict(dict)
    sizes: dict[date | None, int] = {}
    for row in numbered.filter(near).values(*group, "rank", "size", "seconds"):
        key = _monday(row["week"]) if group else None
        positions[key][row["rank"] - 1] = row["seconds"]
        sizes[key] = row["size"]
    return {
        key: Durations(size, *(_interpolate(positions[key], size, fraction) for fraction in FRACTIONS))
        for key, size in sizes.items()
    }


def _week_covered(week: date, period: Period, today: date) -> bool:
    """Whether the period holds every lead of the week: all its days, or its days up to today (none later)."""
    return week >= period.first_day and (week + timedelta(days=6) <= period.last_day or period.last_day >= today)


def speed_to_lead(*, period: Period, leads_per_week: list[int] | None = None, refreshed: bool = False,
                  today: date | None = None) -> SpeedToLead:  # fmt: skip
    """Per week: time to acknowledge and time to first contact attempt (median, 90th percentile, how many leads
    have one), by the week the lead was received.

    A week the period holds whole is read from the roll-up (LeadWeeklySpeed, exact); a week the period cuts (a
    first day after its Monday, a last day before its Sunday and before today: at most two) is computed from
    its leads in the period, live. No figure for the whole period: percentiles do not add up, and the weeks show
    the trend. `leads_per_week` (WeeklyCounts.totals of leads_by_source for the same period), when the caller
    has it, spares counting the leads again.
    """
    if not refreshed:
        _fresh()
    today = today or today_local(timezone.now())
    if leads_per_week is None:
        leads_per_week = leads_by_source(period=period, refreshed=True).totals
    covered = [week for week in period.weeks if _week_covered(week, period, today)]
    found: dict[date, SpeedRow] = {}
    for row in LeadWeeklySpeed.objects.filter(week__in=covered):
        found[row.week] = SpeedRow(
            row.week, 0,
            Durations(row.acknowledge_n, row.acknowledge_median, row.acknowledge_p90) if row.acknowledge_n else _NONE,
            Durations(row.first_attempt_n, row.first_attempt_median, row.first_attempt_p90)
            if row.first_attempt_n else _NONE,
        )  # fmt: skip
    cut = Q()
    for week in period.weeks:
        if week not in covered:
            days = Period(max(week, period.first_day), min(week + timedelta(days=6), period.last_day))
            cut |= Q(received_at__gte=days.start, received_at__lt=days.end)
    if cut:
        found |= speed_by_week(leads_of(period).filter(cut))
    return SpeedToLead(weeks=[
        SpeedRow(week, leads, found[week].acknowledge, found[week].first_attempt) if week in found else
        SpeedRow(week, leads, _NONE, _NONE)
        for week, leads in zip(period.weeks, leads_per_week, strict=True)
    ])  # fmt: skip


_NONE = Durations(0, None, None)


@dataclass(frozen=True)
class ResponseShare:
    """Of `leads`, how many had a first response (acknowledged or a contact attempt) within each target."""

    leads: int
    within: dict[int, int]  # target minutes -> leads answered within it

    def share(self, minutes: int) -> float | None:
        return self.within[minutes] / self.leads if self.leads else None


@dataclass(frozen=True)
class ResponseByHours:
    inside: ResponseShare
    outside: ResponseShare

    @property
    def all(self) -> ResponseShare:
        return ResponseShare(
            self.inside.leads + self.outside.leads,
            {m: self.inside.within[m] + self.outside.within[m] for m in RESPONSE_TARGETS_MINUTES},
        )


RESPONSE_FIGURES = ("hours", *(f"within_{m}" for m in RESPONSE_TARGETS_MINUTES))


def response_within_targets(*, period: Period, refreshed: bool = False) -> ResponseByHours:
    """The share of leads answered within 5 and within 15 minutes, for leads received inside and outside business
    hours (settings.BUSINESS_HOURS and BUSINESS_DAYS in America/Phoenix). A lead not answered yet counts as not
    answered in time."""
    if not refreshed:
        _fresh()
    rows = (
        LeadDailyCount.objects.filter(figure__in=RESPONSE_FIGURES, day__gte=period.first_day, day__lte=period.last_day)
        .order_by().values("figure", "key").annotate(n=Sum("n"))
    )  # fmt: skip
    found = {(row["figure"], row["key"]): row["n"] for row in rows}

    def share(key: str) -> ResponseShare:
        return ResponseShare(found.get(("hours", key), 0),
                             {m: found.get((f"within_{m}", key), 0) for m in RESPONSE_TARGETS_MINUTES})  # fmt: skip

    return ResponseByHours(inside=share("inside"), outside=share("outside"))


# --------------------------------------------------------------------------------------------------------
# What became of them
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelRow:
    key: str  # "" for all sources
    label: str
    reached: dict[str, int]  # stage -> leads whose history reached it

    @property
    def received(self) -> int:
        return self.reached[LeadStatus.RECEIVED]


def funnel_rows(by_source: WeeklyCounts, reached: Iterable[tuple[str, str, str, int]]) -> list[FunnelRow]:
    """The funnel from the period's leads per source and (source key, label, stage, leads) of the later stages."""
    rows = {s.key: FunnelRow(s.key, s.label, dict.fromkeys(FUNNEL_STAGES, 0) | {LeadStatus.RECEIVED: s.total})
            for s in by_source.series}  # fmt: skip
    for key, label, stage, n in reached:
        rows.setdefault(key, FunnelRow(key, label, dict.fromkeys(FUNNEL_STAGES, 0))).reached[stage] = n
    per_source = sorted(rows.values(), key=lambda r: (-r.received, r.label))
    # The sources are disjoint: all sources' figures are their sums.
    totals = {stage: sum(row.reached[stage] for row in per_source) for stage in FUNNEL_STAGES}
    return [FunnelRow("", "All sources", totals), *per_source]


def funnel(*, period: Period, by_source: WeeklyCounts | None = None, refreshed: bool = False) -> list[FunnelRow]:
    """Received -> contacted -> assessment scheduled -> admitted, for all sources (first row) and per source: a
    lead counts for a stage if its status history ever reached it (every lead counts as received).

    `by_source` (leads_by_source of the same period), when the caller has it, spares counting the leads again.
    """
    if not refreshed:
        _fresh()
    if by_source is None:
        by_source = leads_by_source(period=period, refreshed=True)
    rows = _counts(period, "reached").values("key", "source", "partner_id", "partner__name").annotate(n=Sum("n"))
    reached = ((*source_key_label(r["source"], r["partner_id"], r["partner__name"]), r["key"], r["n"]) for r in rows)
    return funnel_rows(by_source, reached)


@dataclass(frozen=True)
class ReasonCount:
    key: str
    label: str
    count: int


def reason_counts(rows: Iterable[tuple[str, int]]) -> list[ReasonCount]:
    labels = dict(NotAdmittedReason.choices)
    reasons = [ReasonCount(key, labels.get(key, "No reason recorded"), n) for key, n in rows]
    return sorted(reasons, key=lambda r: (-r.count, r.label))


def not_admitted_reasons(*, period: Period, refreshed: bool = False) -> list[ReasonCount]:
    """Leads of the period now "not admitted", by reason category, the most frequent first."""
    if not refreshed:
        _fresh()
    return reason_counts((r["key"], r["n"]) for r in _counts(period, "not_admitted").values("key").annotate(
        n=Sum("n")))  # fmt: skip


@dataclass(frozen=True)
class Unacknowledged:
    """Open leads nobody has taken on yet, right now (whatever the period)."""

    count: int
    urgent: int
    oldest_received_at: datetime | None

    def oldest_age_seconds(self, now: datetime) -> float | None:
        return (now - self.oldest_received_at).total_seconds() if self.oldest_received_at else None


def unacknowledged_now() -> Unacknowledged:
    found = (
        Lead.objects.filter(is_spam=False, acknowledged_at__isnull=True, first_attempt_at__isnull=True)
        .exclude(status__in=TERMINAL_STATUSES)
        .aggregate(count=Count("id"), urgent=Count("id", filter=Q(urgency=Urgency.URGENT)), oldest=Min("received_at"))
    )
    return Unacknowledged(found["count"], found["urgent"], found["oldest"])


# --------------------------------------------------------------------------------------------------------
# All of it
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    period: Period
    by_source: WeeklyCounts
    by_campaign: WeeklyCounts
    by_program: WeeklyCounts
    speed: SpeedToLead
    response: ResponseByHours
    funnel: list[FunnelRow]
    not_admitted: list[ReasonCount]
    unacknowledged: Unacknowledged


def dashboard(*, period: Period, program_names: dict[str, str] | None = None) -> Dashboard:
    """Every figure of the dashboard, in a number of queries that does not depend on the number of leads: the
    roll-up brought up to date once, then read (leads.rollups); the leads waiting now, live."""
    _fresh()
    by_source = leads_by_source(period=period, refreshed=True)
    return Dashboard(
        period=period,
        by_source=by_source,
        by_campaign=leads_by_campaign(period=period, refreshed=True),
        by_program=leads_by_program(period=period, program_names=program_names, refreshed=True),
        speed=speed_to_lead(period=period, leads_per_week=by_source.totals, refreshed=True),
        response=response_within_targets(period=period, refreshed=True),
        funnel=funnel(period=period, by_source=by_source, refreshed=True),
        not_admitted=not_admitted_reasons(period=period, refreshed=True),
        unacknowledged=unacknowledged_now(),
    )
