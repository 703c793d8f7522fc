"""The dashboard's activity charts: each per-day series with the label staff read and the bars to draw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from services import svg_chart
from services.moderation import stats

SERIES_LABELS = {
    "clicks": _l("Outbound clicks"),
    "searches": _l("Searches"),
    "signups": _l("Sign-ups"),
    "ratings": _l("Ratings"),
    "reports": _l("Reports"),
}


@dataclass(frozen=True)
class ActivityChart:
    series: stats.DailySeries
    label: object  # a lazy string, rendered in the reader's language
    drawing: svg_chart.BarChart


def activity_charts(today: date) -> list[ActivityChart]:
    """One chart per series over the last ``stats.CHART_DAYS`` days ending ``today`` (one query per series)."""
    return [ActivityChart(series, SERIES_LABELS[series.key], svg_chart.bar_chart(series.days, series.values))
            for series in stats.daily_series(today)]
