"""The intake dashboard's figures: how many leads came, from where, how fast they were answered and what became
of them. Read-only selectors, no HTTP; every figure is an aggregate computed by the database (no loop over
leads in Python), over a period of whole days in the center's time zone (America/Phoenix), spam excluded.

Nothing here identifies anyone: counts, durations, sources (partner organisations, campaigns), programs and
reason categories only.

Percentiles are PostgreSQL's `percentile_cont` (continuous: interpolated between the two nearest values). The
embedded default (`make run`) runs on SQLite, which has no such aggregate: there a window function numbers each
week's durations in order and the database returns only the one or two rows each percentile needs, which are
interpolated the same way (`_interpolate`). Both give the same figures.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import NotSupportedError, connections
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
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

from leads.models import TERMINAL_STATUSES, Lead, LeadSource, LeadStatus, LeadStatusChange, NotAdmittedReason, Urgency

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


def _leads(period: Period) -> QuerySet[Lead]:
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


def _first_response_seconds() -> Seconds:
    """Until the first of acknowledging or a contact attempt (whichever came first; NULL if neither yet)."""
    # Least of two Coalesces: PostgreSQL's LEAST skips NULLs, SQLite's MIN() returns NULL if one is.
    first = Least(Coalesce("acknowledged_at", "first_attempt_at"), Coalesce("first_attempt_at", "acknowledged_at"))
    return Seconds(first, F("received_at"))


def _local_time_parts() -> dict[str, Any]:
    """The received time's ISO weekday and time of day, in the center's time zone (annotations)."""
    zone = business_zone()
    return {
        "local_weekday": ExtractIsoWeekDay("received_at", tzinfo=zone),
        "local_time": TruncTime("received_at", tzinfo=zone),
    }


def _in_business_hours() -> Case:
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

    @property
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


def source_key_label(source: str, partner_id: int | None, partner_name: str | None) -> tuple[str, str]:
    """Where leads came from: the website, the phone, or a partner (through the API, or by phone)."""
    label = LeadSource(source).label if source in LeadSource.values else source
    if partner_id is None:
        return source, label
    how = "through the API" if source == LeadSource.PARTNER else label.lower()
    return f"{source}:{partner_id}", f"{partner_name} ({how})"


def leads_by_source(*, period: Period) -> WeeklyCounts:
    """Leads per week by source: the website, phone or fax, and each partner."""
    rows = (
        _leads(period).annotate(week=_week()).values("week", "source", "partner_id", "partner__name")
        .annotate(n=Count("id"))
    )  # fmt: skip
    return _weekly(period, rows, lambda r: source_key_label(r["source"], r["partner_id"], r["partner__name"]))


NO_CAMPAIGN = "(no campaign)"


def leads_by_campaign(*, period: Period) -> WeeklyCounts:
    """Website leads per week by UTM campaign (those without one together)."""
    rows = (
        _leads(period).filter(source=LeadSource.WEBSITE).annotate(week=_week()).values("week", "utm_campaign")
        .annotate(n=Count("id"))
    )  # fmt: skip
    return _weekly(period, rows, lambda r: (r["utm_campaign"], r["utm_campaign"] or NO_CAMPAIGN))


def leads_by_program(*, period: Period, program_names: dict[str, str] | None = None) -> WeeklyCounts:
    """Leads per week by the program they asked about (`program_names`: slug -> name, for the labels)."""
    names = {"unsure": "Not sure", "": "Not said", **(program_names or {})}
    rows = _leads(period).annotate(week=_week()).values("week", "program_interest").annotate(n=Count("id"))
    return _weekly(period, rows, lambda r: (r["program_interest"], names.get(r["program_interest"],
                                                                                r["program_interest"])))  # fmt: skip


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


def _interpolate(values: dict[int, float], count: int, fraction: float) -> float | None:
    """percentile_cont: the value at position fraction x (count - 1) of the sorted values (0-based), interpolated
    linearly between its two neighbours; `values` maps 0-based positions to values (only those needed)."""
    if count == 0:
        return None
    position = fraction * (count - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return values[lower] + (position - lower) * (values[upper] - values[lower])


def _measures() -> dict[str, Seconds]:
    return {"acknowledge": _acknowledge_seconds(), "first_attempt": _first_attempt_seconds()}


def _speed(leads: QuerySet[Lead]) -> dict[date, SpeedRow]:
    """Per week: leads, and the count, median and 90th percentile of each measure."""
    if connections[leads.db].vendor != "postgresql":
        return _speed_by_window(leads)
    # One pass over the leads: percentile_cont skips NULLs (a lead not acknowledged has no time to acknowledge).
    seconds = {f"{name}_seconds": expression for name, expression in _measures().items()}
    measured = leads.annotate(**seconds).annotate(week=_week())
    aggregates: dict[str, Any] = {"leads": Count("id")}
    for name in _measures():
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
    for name, seconds in _measures().items():
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


_NONE = Durations(0, None, None)


def speed_to_lead(*, period: Period) -> SpeedToLead:
    """Per week: time to acknowledge and time to first contact attempt (median, 90th percentile, how many leads
    have one), by the week the lead was received.

    No figure for the whole period: its percentiles would cost another sort of every lead of the period, and a
    year's dashboard must answer in half a second (bench/staff.py); the weeks show the trend.
    """
    per_week = _speed(_leads(period))
    return SpeedToLead(weeks=[per_week.get(week, SpeedRow(week, 0, _NONE, _NONE)) for week in period.weeks])


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


def response_within_targets(*, period: Period) -> ResponseByHours:
    """The share of leads answered within 5 and within 15 minutes, for leads received inside and outside business
    hours (settings.BUSINESS_HOURS and BUSINESS_DAYS in America/Phoenix). A lead not answered yet counts as not
    answered in time."""
    within = {f"within_{m}": Count("id", filter=Q(first_response__lte=m * 60)) for m in RESPONSE_TARGETS_MINUTES}
    rows = (
        _leads(period).annotate(**_local_time_parts())
        .annotate(in_hours=_in_business_hours(), first_response=_first_response_seconds())
        .values("in_hours").annotate(leads=Count("id"), **within)
    )  # fmt: skip
    found = {row["in_hours"]: row for row in rows}

    def share(inside: bool) -> ResponseShare:
        row = found.get(inside)
        if row is None:
            return ResponseShare(0, dict.fromkeys(RESPONSE_TARGETS_MINUTES, 0))
        return ResponseShare(row["leads"], {m: row[f"within_{m}"] for m in RESPONSE_TARGETS_MINUTES})

    return ResponseByHours(inside=share(True), outside=share(False))


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


def funnel(*, period: Period, by_source: WeeklyCounts | None = None) -> list[FunnelRow]:
    """Received -> contacted -> assessment scheduled -> admitted, for all sources (first row) and per source: a
    lead counts for a stage if its status history ever reached it (every lead counts as received).

    `by_source` (leads_by_source of the same period), when the caller has it, spares counting the leads again.
    """
    leads = _leads(period)
    if by_source is None:
        by_source = leads_by_source(period=period)
    rows = {s.key: FunnelRow(s.key, s.label, dict.fromkeys(FUNNEL_STAGES, 0) | {LeadStatus.RECEIVED: s.total})
            for s in by_source.series}  # fmt: skip
    for stage in FUNNEL_STAGES[1:]:
        # One semi-join a stage (a hash join whatever the volume): a lead whose history reached the stage twice
        # (contacted, unable to reach, contacted again) counts once, without a COUNT(DISTINCT) and its sort.
        reached = Exists(LeadStatusChange.objects.filter(lead=OuterRef("pk"), to_status=stage))
        for row in leads.filter(reached).values("source", "partner_id", "partner__name").annotate(n=Count("id")):
            key, label = source_key_label(row["source"], row["partner_id"], row["partner__name"])
            rows.setdefault(key, FunnelRow(key, label, dict.fromkeys(FUNNEL_STAGES, 0))).reached[stage] = row["n"]
    per_source = sorted(rows.values(), key=lambda r: (-r.received, r.label))
    # The sources are disjoint: all sources' figures are their sums.
    totals = {stage: sum(row.reached[stage] for row in per_source) for stage in FUNNEL_STAGES}
    return [FunnelRow("", "All sources", totals), *per_source]


@dataclass(frozen=True)
class ReasonCount:
    key: str
    label: str
    count: int


def not_admitted_reasons(*, period: Period) -> list[ReasonCount]:
    """Leads of the period now "not admitted", by reason category, the most frequent first."""
    rows = _leads(period).filter(status=LeadStatus.NOT_ADMITTED).values("status_reason").annotate(n=Count("id"))
    labels = dict(NotAdmittedReason.choices)
    reasons = [ReasonCount(r["status_reason"], labels.get(r["status_reason"], "No reason recorded"), r["n"])
               for r in rows]  # fmt: skip
    return sorted(reasons, key=lambda r: (-r.count, r.label))


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
    """Every figure of the dashboard, in a number of queries that does not depend on the number of leads."""
    by_source = leads_by_source(period=period)
    return Dashboard(
        period=period,
        by_source=by_source,
        by_campaign=leads_by_campaign(period=period),
        by_program=leads_by_program(period=period, program_names=program_names),
        speed=speed_to_lead(period=period),
        response=response_within_targets(period=period),
        funnel=funnel(period=period, by_source=by_source),
        not_admitted=not_admitted_reasons(period=period),
        unacknowledged=unacknowledged_now(),
    )
