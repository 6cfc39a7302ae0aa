"""The dashboard's figures computed directly over the leads, as leads.reports did before its roll-up (issue 11):
the reference the roll-up's figures are held to (tests/staff/test_dashboard_rollup.py). PostgreSQL's
percentile_cont, or on SQLite a window function numbering each week's durations; nothing here is used by the
application.
"""

import math
from collections import defaultdict
from datetime import date
from typing import Any

from django.db import connections
from django.db.models import Aggregate, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from leads.models import Lead, LeadSource, LeadStatus, LeadStatusChange, NotAdmittedReason
from leads.reports import (
    FRACTIONS,
    FUNNEL_STAGES,
    NO_CAMPAIGN,
    RESPONSE_TARGETS_MINUTES,
    Durations,
    FunnelRow,
    Period,
    ReasonCount,
    ResponseByHours,
    ResponseShare,
    SpeedRow,
    SpeedToLead,
    WeeklyCounts,
    _monday,
    _week,
    _weekly,
    first_response_seconds,
    in_business_hours,
    leads_of,
    local_time_parts,
    measures,
    source_key_label,
)

_NONE = Durations(0, None, None)


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


def leads_by_source(*, period: Period) -> WeeklyCounts:
    """Leads per week by source: the website, phone or fax, and each partner."""
    rows = (
        leads_of(period).annotate(week=_week()).values("week", "source", "partner_id", "partner__name")
        .annotate(n=Count("id"))
    )  # fmt: skip
    return _weekly(period, rows, lambda r: source_key_label(r["source"], r["partner_id"], r["partner__name"]))


def leads_by_campaign(*, period: Period) -> WeeklyCounts:
    """Website leads per week by UTM campaign (those without one together)."""
    rows = (
        leads_of(period).filter(source=LeadSource.WEBSITE).annotate(week=_week()).values("week", "utm_campaign")
        .annotate(n=Count("id"))
    )  # fmt: skip
    return _weekly(period, rows, lambda r: (r["utm_campaign"], r["utm_campaign"] or NO_CAMPAIGN))


def leads_by_program(*, period: Period, program_names: dict[str, str] | None = None) -> WeeklyCounts:
    """Leads per week by the program they asked about (`program_names`: slug -> name, for the labels)."""
    names = {"unsure": "Not sure", "": "Not said", **(program_names or {})}
    rows = leads_of(period).annotate(week=_week()).values("week", "program_interest").annotate(n=Count("id"))
    return _weekly(period, rows, lambda r: (r["program_interest"], names.get(r["program_interest"],
                                                                                r["program_interest"])))  # fmt: skip


def _interpolate(values: dict[int, float], count: int, fraction: float) -> float | None:
    """percentile_cont: the value at position fraction x (count - 1) of the sorted values (0-based), interpolated
    linearly between its two neighbours; `values` maps 0-based positions to values (only those needed)."""
    if count == 0:
        return None
    position = fraction * (count - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return values[lower] + (position - lower) * (values[upper] - values[lower])


def _speed(leads: QuerySet[Lead]) -> dict[date, SpeedRow]:
    """Per week: leads, and the count, median and 90th percentile of each measure."""
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


def speed_to_lead(*, period: Period) -> SpeedToLead:
    """Per week: time to acknowledge and time to first contact attempt (median, 90th percentile, how many leads
    have one), by the week the lead was received.

    No figure for the whole period: its percentiles would cost another sort of every lead of the period, and a
    year's dashboard must answer in half a second (bench/staff.py); the weeks show the trend.
    """
    per_week = _speed(leads_of(period))
    return SpeedToLead(weeks=[per_week.get(week, SpeedRow(week, 0, _NONE, _NONE)) for week in period.weeks])


def response_within_targets(*, period: Period) -> ResponseByHours:
    """The share of leads answered within 5 and within 15 minutes, for leads received inside and outside business
    hours (settings.BUSINESS_HOURS and BUSINESS_DAYS in America/Phoenix). A lead not answered yet counts as not
    answered in time."""
    within = {f"within_{m}": Count("id", filter=Q(first_response__lte=m * 60)) for m in RESPONSE_TARGETS_MINUTES}
    rows = (
        leads_of(period).annotate(**local_time_parts())
        .annotate(in_hours=in_business_hours(), first_response=first_response_seconds())
        .values("in_hours").annotate(leads=Count("id"), **within)
    )  # fmt: skip
    found = {row["in_hours"]: row for row in rows}

    def share(inside: bool) -> ResponseShare:
        row = found.get(inside)
        if row is None:
            return ResponseShare(0, dict.fromkeys(RESPONSE_TARGETS_MINUTES, 0))
        return ResponseShare(row["leads"], {m: row[f"within_{m}"] for m in RESPONSE_TARGETS_MINUTES})

    return ResponseByHours(inside=share(True), outside=share(False))


def funnel(*, period: Period, by_source: WeeklyCounts | None = None) -> list[FunnelRow]:
    """Received -> contacted -> assessment scheduled -> admitted, for all sources (first row) and per source: a
    lead counts for a stage if its status history ever reached it (every lead counts as received).

    `by_source` (leads_by_source of the same period), when the caller has it, spares counting the leads again.
    """
    leads = leads_of(period)
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


def not_admitted_reasons(*, period: Period) -> list[ReasonCount]:
    """Leads of the period now "not admitted", by reason category, the most frequent first."""
    rows = leads_of(period).filter(status=LeadStatus.NOT_ADMITTED).values("status_reason").annotate(n=Count("id"))
    labels = dict(NotAdmittedReason.choices)
    reasons = [ReasonCount(r["status_reason"], labels.get(r["status_reason"], "No reason recorded"), r["n"])
               for r in rows]  # fmt: skip
    return sorted(reasons, key=lambda r: (-r.count, r.label))
