"""The dashboard's period picker, and its figures as tables (the page and the CSV downloads share them) and
charts. Presentation only: every figure comes from leads.reports."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe

from leads import reports
from staff import charts

# A longer period makes bars too thin to read, and a heavier query than the dashboard is meant for.
MAX_DAYS = 2 * 366


class DashboardPeriodForm(forms.Form):
    """Two dates, first and last day included (both optional: the last 12 weeks by default)."""

    date_messages = {"invalid": "Enter a real date, for example 2026-03-02."}

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.default = reports.default_period(today=today)
        if not self.is_bound:  # the pickers show the period on the page
            self.initial = {"from": self.default.first_day, "to": self.default.last_day}
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        # Named `from` and `to` in the URL (a keyword in Python, so declared here).
        self.fields["from"] = forms.DateField(
            required=False, label="From", widget=widget, error_messages=self.date_messages,
            help_text="The first day included.",
        )  # fmt: skip
        self.fields["to"] = forms.DateField(
            required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages=self.date_messages, help_text="The last day included.",
        )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("from"), data.get("to")
        if "from" in self.errors or "to" in self.errors:
            return data
        first = first or (last - timedelta(weeks=reports.DEFAULT_WEEKS) + timedelta(days=1) if last else None)
        first, last = first or self.default.first_day, last or self.default.last_day
        if last < first:
            self.add_error("to", "The last day must be on or after the first day.")
        elif (last - first).days >= MAX_DAYS:
            self.add_error("from", f"Choose at most {MAX_DAYS} days (about two years).")
        else:
            data["period"] = reports.Period(first_day=first, last_day=last)
        return data

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # the message beside the field describes it to screen readers too
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-error"

    def period(self) -> reports.Period:
        """The period asked for, or the default when the form is empty or wrong (its errors say why)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return self.default


# --------------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------------

TEXT, COUNT, MINUTES, PERCENT = "text", "count", "minutes", "percent"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = COUNT


@dataclass(frozen=True)
class Table:
    name: str  # the CSV's `table` parameter
    caption: str
    columns: list[Column]
    rows: list[list[Any]]  # raw values: the first is the row's heading; minutes as seconds, shares as fractions

    def csv_rows(self) -> list[list[Any]]:
        header = [column.title for column in self.columns]
        return [header, *([_csv(v, c.kind) for v, c in zip(row, self.columns, strict=True)] for row in self.rows)]

    def html_rows(self) -> list[list[str]]:
        return [[_words(v, c.kind) for v, c in zip(row, self.columns, strict=True)] for row in self.rows]

    def html_body(self) -> SafeString:
        """The rows as table markup, the first cell of each its heading (built here: see charts.Chart.shapes)."""
        rows = [
            "<tr>" + "".join(f'<th scope="row">{escape(cell)}</th>' if n == 0 else f"<td>{escape(cell)}</td>"
                             for n, cell in enumerate(row)) + "</tr>"
            for row in self.html_rows()
        ]  # fmt: skip
        return mark_safe("\n      ".join(rows))  # noqa: S308  (every cell escaped)


def _csv(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == MINUTES:
        return round(value / 60, 1)
    if kind == PERCENT:
        return round(value * 100, 1)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _words(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == MINUTES:
        return f"{value / 60:.1f} min"
    if kind == PERCENT:
        return f"{value * 100:.0f}%"
    if isinstance(value, date):
        return f"{value:%a %b} {value.day}, {value.year}"
    return str(value)


def weekly_table(name: str, caption: str, weekly: reports.WeeklyCounts, what: str) -> Table:
    columns = [Column("Week of (Monday)", TEXT), *(Column(s.label) for s in weekly.series), Column(f"All {what}")]
    rows = [[week, *(s.counts[n] for s in weekly.series), weekly.totals[n]] for n, week in enumerate(weekly.weeks)]
    return Table(name, caption, columns, rows)


def speed_table(speed: reports.SpeedToLead) -> Table:
    columns = [
        Column("Week of (Monday)", TEXT), Column("Leads"),
        Column("Acknowledged"), Column("Median time to acknowledge (min)", MINUTES),
        Column("90th percentile time to acknowledge (min)", MINUTES),
        Column("With a contact attempt"), Column("Median time to first attempt (min)", MINUTES),
        Column("90th percentile time to first attempt (min)", MINUTES),
    ]  # fmt: skip

    def row(entry: reports.SpeedRow) -> list[Any]:
        ack, attempt = entry.acknowledge, entry.first_attempt
        return [entry.week, entry.leads, ack.count, ack.median, ack.p90, attempt.count, attempt.median, attempt.p90]

    return Table("speed", "Speed to lead, by the week leads were received", columns, [row(w) for w in speed.weeks])


def response_table(response: reports.ResponseByHours) -> Table:
    columns = [Column("Received", TEXT), Column("Leads")]
    for minutes in reports.RESPONSE_TARGETS_MINUTES:
        columns += [Column(f"Answered within {minutes} min"), Column(f"Share within {minutes} min (%)", PERCENT)]

    def row(label: str, share: reports.ResponseShare) -> list[Any]:
        cells: list[Any] = [label, share.leads]
        for minutes in reports.RESPONSE_TARGETS_MINUTES:
            cells += [share.within[minutes], share.share(minutes)]
        return cells

    rows = [row("Inside business hours", response.inside), row("Outside business hours", response.outside),
            row("At any time", response.all)]  # fmt: skip
    return Table("response", "First response (acknowledged or a contact attempt) within the targets", columns, rows)


FUNNEL_TITLES: dict[str, str] = {
    reports.LeadStatus.RECEIVED: "Received", reports.LeadStatus.CONTACTED: "Contacted",
    reports.LeadStatus.ASSESSMENT_SCHEDULED: "Assessment scheduled", reports.LeadStatus.ADMITTED: "Admitted",
}  # fmt: skip


def funnel_table(funnel: list[reports.FunnelRow]) -> Table:
    columns = [Column("Source", TEXT), *(Column(FUNNEL_TITLES[s]) for s in reports.FUNNEL_STAGES),
               Column("Admitted (% of received)", PERCENT)]  # fmt: skip
    rows = [
        [row.label, *(row.reached[s] for s in reports.FUNNEL_STAGES),
         row.reached[reports.LeadStatus.ADMITTED] / row.received if row.received else None]
        for row in funnel
    ]  # fmt: skip
    return Table("funnel", "From received to admitted, for all sources and by source", columns, rows)


def reasons_table(reasons: list[reports.ReasonCount]) -> Table:
    total = sum(reason.count for reason in reasons)
    rows = [[reason.label, reason.count, reason.count / total] for reason in reasons]
    return Table("not_admitted", "Why leads were not admitted", [Column("Reason", TEXT), Column("Leads"),
                                                                   Column("Share (%)", PERCENT)], rows)  # fmt: skip


def unacknowledged_table(unacknowledged: reports.Unacknowledged, *, now: Any) -> Table:
    columns = [Column("When", TEXT), Column("Open leads nobody has taken on"), Column("Of them urgent"),
               Column("Oldest waiting (min)", MINUTES)]  # fmt: skip
    rows = [["Right now", unacknowledged.count, unacknowledged.urgent, unacknowledged.oldest_age_seconds(now)]]
    return Table("unacknowledged", "Not acknowledged right now", columns, rows)


@dataclass(frozen=True)
class TableSource:
    """How to get one table alone (for its CSV): the report it needs, and how to lay it out."""

    fetch: Callable[[reports.Period, dict[str, str]], Any]
    build: Callable[[Any, Any], Table]


TABLES: dict[str, TableSource] = {
    "sources": TableSource(lambda p, _: reports.leads_by_source(period=p),
                           lambda w, _: weekly_table("sources", "Leads per week by source", w, "sources")),
    "campaigns": TableSource(
        lambda p, _: reports.leads_by_campaign(period=p),
        lambda w, _: weekly_table("campaigns", "Website leads per week by UTM campaign", w, "campaigns"),
    ),
    "programs": TableSource(lambda p, names: reports.leads_by_program(period=p, program_names=names),
                            lambda w, _: weekly_table("programs", "Leads per week by program", w, "programs")),
    "speed": TableSource(lambda p, _: reports.speed_to_lead(period=p), lambda s, _: speed_table(s)),
    "response": TableSource(lambda p, _: reports.response_within_targets(period=p), lambda r, _: response_table(r)),
    "funnel": TableSource(lambda p, _: reports.funnel(period=p), lambda f, _: funnel_table(f)),
    "not_admitted": TableSource(lambda p, _: reports.not_admitted_reasons(period=p), lambda r, _: reasons_table(r)),
    "unacknowledged": TableSource(lambda p, _: reports.unacknowledged_now(),
                                  lambda u, now: unacknowledged_table(u, now=now)),
}  # fmt: skip


def one_table(name: str, *, period: reports.Period, program_names: dict[str, str], now: Any) -> Table:
    source = TABLES[name]
    return source.build(source.fetch(period, program_names), now)


# --------------------------------------------------------------------------------------------------------
# The page: each section a chart and its table
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    heading: str
    chart: charts.Chart | None
    table: Table
    note: str = ""


def _weekly_chart(slug: str, title: str, weekly: reports.WeeklyCounts, what: str) -> charts.Chart:
    total = sum(weekly.totals)
    biggest = ", ".join(f"{s.label} {s.total}" for s in weekly.series[:3])
    description = f"{total} leads over {len(weekly.weeks)} weeks" + (f"; the most: {biggest}." if biggest else ".")
    return charts.stacked_weeks(slug=slug, title=title, description=description, weeks=weekly.weeks,
                                series=[(s.label, s.counts) for s in weekly.series])  # fmt: skip


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _percent(share: float | None) -> str:
    return "no leads" if share is None else f"{share * 100:.0f}%"


def _speed_words(speed: reports.SpeedToLead) -> str:
    parts = []
    for measure, what in (("acknowledge", "to acknowledge"), ("first_attempt", "to a first contact attempt")):
        medians = speed.range_of(measure, "median")
        if medians:
            low, high = (_words(value, MINUTES) for value in medians)
            parts.append(f"the weekly median time {what} ran from {low} to {high}")
    return ("Over the period, " + "; ".join(parts) + ".") if parts else "No lead of the period was answered yet."


def sections(dashboard: reports.Dashboard, *, now: Any) -> list[Section]:
    period, speed, response = dashboard.period, dashboard.speed, dashboard.response
    speed_chart = charts.lines_weeks(
        slug="speed", title="Minutes to acknowledge and to a first contact attempt, per week",
        description=_speed_words(speed),
        weeks=period.weeks, unit=" min",
        series=[
            ("Median to acknowledge", [_minutes(w.acknowledge.median) for w in speed.weeks]),
            ("90th percentile to acknowledge", [_minutes(w.acknowledge.p90) for w in speed.weeks]),
            ("Median to first attempt", [_minutes(w.first_attempt.median) for w in speed.weeks]),
            ("90th percentile to first attempt", [_minutes(w.first_attempt.p90) for w in speed.weeks]),
        ],
    )  # fmt: skip
    response_items = [
        (f"{when}, within {minutes} min", (share.share(minutes) or 0) * 100, _percent(share.share(minutes)))
        for when, share in (("In hours", response.inside), ("Out of hours", response.outside))
        for minutes in reports.RESPONSE_TARGETS_MINUTES
    ]
    overall_funnel = dashboard.funnel[0]
    funnel_items = [(FUNNEL_TITLES[s], overall_funnel.reached[s], str(overall_funnel.reached[s]))
                    for s in reports.FUNNEL_STAGES]  # fmt: skip
    reasons = dashboard.not_admitted
    campaigns = dashboard.by_campaign
    return [
        Section("Leads by source", _weekly_chart("sources", "Leads per week by source", dashboard.by_source, "source"),
                weekly_table("sources", "Leads per week by source", dashboard.by_source, "sources")),
        Section("Speed to lead", speed_chart, speed_table(speed),
                "Minutes from receiving a lead to acknowledging it (\u201cI\u2019m on it\u201d, a status change or "
                "the link in the message) and to the first logged contact attempt."),
        Section("Answered within 5 and 15 minutes",
                charts.bars(slug="response", title="Share of leads answered within 5 and 15 minutes",
                            description="; ".join(f"{label}: {words}" for label, _, words in response_items) + ".",
                            items=response_items, maximum=100),
                response_table(response),
                "Business hours as the routing rules use them (America/Phoenix). A lead not answered yet counts as "
                "not answered in time."),
        Section("What became of them",
                charts.bars(slug="funnel", title="Leads received, contacted, with an assessment scheduled, admitted",
                            description="; ".join(f"{label} {words}" for label, _, words in funnel_items) + ".",
                            items=funnel_items),
                funnel_table(dashboard.funnel),
                "A lead counts for a stage if its status history ever reached it."),
        Section("Why leads were not admitted",
                charts.bars(slug="reasons", title="Reasons for not admitting",
                            description="; ".join(f"{r.label} {r.count}" for r in reasons) + "." if reasons else
                            "No lead of the period was marked not admitted.",
                            items=[(r.label, r.count, str(r.count)) for r in reasons]),
                reasons_table(reasons)),
        Section("Leads by program", _weekly_chart("programs", "Leads per week by program", dashboard.by_program,
                                                  "program"),
                weekly_table("programs", "Leads per week by program", dashboard.by_program, "programs")),
        Section("Website leads by campaign",
                charts.bars(slug="campaigns", title="Website leads by UTM campaign over the period",
                            description="; ".join(f"{s.label} {s.total}" for s in campaigns.series) + "."
                            if campaigns.series else "No website lead in the period.",
                            items=[(s.label, s.total, str(s.total)) for s in campaigns.series]),
                weekly_table("campaigns", "Website leads per week by UTM campaign", campaigns, "campaigns")),
    ]  # fmt: skip
