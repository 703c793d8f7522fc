"""The geometry of a small bar chart, computed here so the template only draws it (no chart library, no JavaScript).

Coordinates are in the SVG's own units (its viewBox); the browser scales the picture to the column it sits in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH = 320
HEIGHT = 130
# Room for the axis labels: the largest value on the left, the first and last day underneath.
LEFT = 34
RIGHT = 4
TOP = 8
BOTTOM = 20
BAR_GAP = 2


@dataclass(frozen=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class AxisLabel:
    text: str
    x: float
    y: float
    anchor: str  # the SVG text-anchor: start, middle or end


@dataclass(frozen=True)
class BarChart:
    """Everything the template needs to draw one chart."""

    width: int
    height: int
    bars: list[Bar]
    baseline_y: float  # the x axis
    plot_left: float
    plot_right: float
    plot_top: float
    labels: list[AxisLabel]


def bar_chart(days: list[date], values: list[int]) -> BarChart:
    """Bars for one value per day, scaled to the largest; a day with 0 gets no visible bar, but keeps its place."""
    if len(days) != len(values):
        raise ValueError("one value per day")
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    top_value = max(values, default=0)
    slot = plot_width / max(len(days), 1)
    bars = []
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        height = plot_height * value / top_value if top_value else 0.0
        bars.append(Bar(day=day, value=value, x=round(LEFT + index * slot + BAR_GAP / 2, 2),
                        y=round(baseline - height, 2), width=round(max(slot - BAR_GAP, 1.0), 2),
                        height=round(height, 2)))
    labels = [AxisLabel("0", LEFT - 4, baseline, "end")]
    if top_value:
        labels.insert(0, AxisLabel(str(top_value), LEFT - 4, TOP + 8, "end"))
    if days:
        labels.append(AxisLabel(f"{days[0]:%m-%d}", LEFT, HEIGHT - 4, "start"))
        labels.append(AxisLabel(f"{days[-1]:%m-%d}", WIDTH - RIGHT, HEIGHT - 4, "end"))
    return BarChart(width=WIDTH, height=HEIGHT, bars=bars, baseline_y=baseline, plot_left=LEFT,
                    plot_right=WIDTH - RIGHT, plot_top=TOP, labels=labels)
