"""Charts drawn on the server as SVG: the geometry here, the markup in staff/_chart.html.

No JavaScript and no style attribute (the pages' Content-Security-Policy allows neither inline): shapes carry
SVG presentation attributes for their geometry and a class for their colour (staff.css), from a palette that
colour-blind readers can tell apart (Okabe and Ito), with dashes as well as colours for lines. Every chart has a
title and a description for screen readers, and its figures in a table beside it.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 36
# Colours a chart tells apart; beyond them, the smallest series are drawn together as "Other".
PALETTE_SIZE = 6
OTHER = "Other"
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    tip: str  # the figure, as a tooltip (<title>)


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor
    css: str = "label"


@dataclass(frozen=True)
class Path:
    points: str  # an SVG polyline's points
    css: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    css: str
    tip: str


@dataclass(frozen=True)
class LegendEntry:
    css: str
    label: str


@dataclass
class Chart:
    slug: str  # unique on the page: ids of the title and description
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)

    @property
    def centre(self) -> tuple[float, float]:
        return self.width / 2, self.height / 2

    @property
    def empty(self) -> bool:
        return not (self.rects or self.paths or self.dots)

    def shapes(self) -> SafeString:
        """The chart's shapes as SVG markup: built here rather than by template loops, which cost a year's
        dashboard most of its time in Django (bench/staff.py); every text escaped, numbers as str() writes them."""
        parts = [f'<line x1="{e.x1}" y1="{e.y1}" x2="{e.x2}" y2="{e.y2}" class="{escape(e.css)}"/>' for e in self.lines]
        parts += [f'<rect x="{e.x}" y="{e.y}" width="{e.width}" height="{e.height}" class="{escape(e.css)}">'
                  f"<title>{escape(e.tip)}</title></rect>" for e in self.rects]  # fmt: skip
        parts += [f'<polyline points="{escape(e.points)}" class="{escape(e.css)}" fill="none"/>' for e in self.paths]
        parts += [f'<circle cx="{e.x}" cy="{e.y}" r="3.5" class="{escape(e.css)}"><title>{escape(e.tip)}</title>'
                  "</circle>" for e in self.dots]  # fmt: skip
        parts += [f'<text x="{e.x}" y="{e.y}" text-anchor="{escape(e.anchor)}" class="{escape(e.css)}">'
                  f"{escape(e.text)}</text>" for e in self.texts]  # fmt: skip
        return mark_safe("".join(parts))  # noqa: S308  (every value above escaped or a number)


def nice_ceiling(value: float, *, whole: bool = False) -> tuple[float, float]:
    """A round top for an axis at or above `value`, and a round step (1, 2 or 5 times a power of ten; at least 1
    when counting `whole` things) dividing it into at most 5 parts."""
    if value <= 0:
        return 1.0, 1.0
    magnitude = 10 ** math.floor(math.log10(value / 5)) if value >= 5 or not whole else 1
    for multiple in (1, 2, 5, 10):
        step = max(multiple * magnitude, 1) if whole else multiple * magnitude
        if math.ceil(value / step) <= 5:
            return math.ceil(value / step) * step, step
    return 10 * magnitude * 5, 10 * magnitude  # pragma: no cover (the loop always returns)


def _number(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value / 1000:g}k"


def _y_axis(chart: Chart, top: float, step: float, unit: str = "") -> None:
    plot_bottom, plot_height = chart.height - BOTTOM, chart.height - BOTTOM - TOP
    ticks = round(top / step)
    for n in range(ticks + 1):
        y = plot_bottom - plot_height * n / ticks
        chart.lines.append(Line(LEFT, y, chart.width - RIGHT, y, "grid" if n else "axis"))
        chart.texts.append(Text(LEFT - 6, y + 4, f"{_number(step * n)}{unit}", "end"))


def _week_label(week: date) -> str:
    return f"{week:%b} {week.day}"


def _x_labels(chart: Chart, weeks: Sequence[date], centre: "list[float]") -> None:
    every = max(1, math.ceil(len(weeks) / MAX_X_LABELS))
    for n, (week, x) in enumerate(zip(weeks, centre, strict=True)):
        if n % every == 0:
            chart.texts.append(Text(x, chart.height - BOTTOM + 18, _week_label(week)))


def _series_css(n: int) -> str:
    return f"s{n}" if n < PALETTE_SIZE else "s-other"


def stacked_weeks(
    *, slug: str, title: str, description: str, weeks: Sequence[date], series: Sequence[tuple[str, Sequence[int]]]
) -> Chart:
    """A bar per week, stacked by series (the largest series first; the smallest together as "Other")."""
    chart = Chart(slug, title, description)
    shown = list(series[:PALETTE_SIZE])
    rest = series[PALETTE_SIZE:]
    if rest:
        shown.append((OTHER, [sum(values) for values in zip(*(s[1] for s in rest), strict=True)]))
    totals = [sum(values) for values in zip(*(s[1] for s in shown), strict=True)] if shown else [0] * len(weeks)
    top, step = nice_ceiling(max(totals, default=0), whole=True)
    _y_axis(chart, top, step)
    plot_width, plot_height = chart.width - LEFT - RIGHT, chart.height - TOP - BOTTOM
    slot = plot_width / max(1, len(weeks))
    bar = slot * 0.7
    centres = [LEFT + slot * (n + 0.5) for n in range(len(weeks))]
    for n, week in enumerate(weeks):
        base = float(chart.height - BOTTOM)
        for index, (label, values) in enumerate(shown):
            if not values[n]:
                continue
            height = plot_height * values[n] / top
            base -= height
            css = "s-other" if label == OTHER else _series_css(index)
            tip = f"Week of {_week_label(week)}: {label}, {values[n]}"
            chart.rects.append(Rect(round(centres[n] - bar / 2, 1), round(base, 1), round(bar, 1), round(height, 1),
                                    css, tip))  # fmt: skip
    _x_labels(chart, weeks, centres)
    chart.legend = [LegendEntry("s-other" if label == OTHER else _series_css(n), label) for n, (label, _) in
                    enumerate(shown)]  # fmt: skip
    return chart


def lines_weeks(
    *,
    slug: str,
    title: str,
    description: str,
    weeks: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str,
) -> Chart:
    """A line per series over the weeks; a week without a value breaks the line."""
    chart = Chart(slug, title, description)
    values = [v for _, line in series for v in line if v is not None]
    top, step = nice_ceiling(max(values, default=0))
    _y_axis(chart, top, step, unit)
    plot_width, plot_height = chart.width - LEFT - RIGHT, chart.height - TOP - BOTTOM
    slot = plot_width / max(1, len(weeks))
    centres = [LEFT + slot * (n + 0.5) for n in range(len(weeks))]
    for index, (label, line) in enumerate(series):
        css = _series_css(index)
        run: list[str] = []
        for n, value in enumerate(line):
            if value is None:
                if len(run) > 1:
                    chart.paths.append(Path(" ".join(run), f"line {css}"))
                run = []
                continue
            x, y = round(centres[n], 1), round(chart.height - BOTTOM - plot_height * value / top, 1)
            run.append(f"{x},{y}")
            chart.dots.append(Dot(x, y, css, f"Week of {_week_label(weeks[n])}: {label}, {value:.1f}{unit}"))
        if len(run) > 1:
            chart.paths.append(Path(" ".join(run), f"line {css}"))
        chart.legend.append(LegendEntry(f"line {css}", label))
    _x_labels(chart, weeks, centres)
    return chart


def bars(
    *, slug: str, title: str, description: str, items: Sequence[tuple[str, float, str]], maximum: float | None = None
) -> Chart:
    """Horizontal bars, one a line: (label, value, the value in words); `maximum` fixes the scale (100 for %)."""
    row, label_width, value_width = 30, 200, 70
    chart = Chart(slug, title, description, height=TOP + row * max(1, len(items)) + 8)
    top = maximum if maximum is not None else max((value for _, value, _ in items), default=0) or 1
    plot_width = chart.width - label_width - value_width
    for n, (label, value, words) in enumerate(items):
        y = TOP + row * n
        width = round(plot_width * min(value, top) / top, 1)
        chart.texts.append(Text(label_width - 8, y + 19, _shorten(label), "end"))
        if width:
            chart.rects.append(Rect(label_width, y + 4, width, row - 10, _series_css(0), f"{label}: {words}"))
        chart.texts.append(Text(label_width + width + 6, y + 19, words, "start"))
    chart.lines.append(Line(label_width, TOP, label_width, chart.height - 8, "axis"))
    return chart


def _shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
