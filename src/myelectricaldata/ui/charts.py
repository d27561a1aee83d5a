"""ECharts options of the UI's charts, and :class:`Chart`, the element that draws them (NiceGUI
ships ECharts: nothing is fetched online).

Time axes show Paris wall-clock time whatever the browser's time zone: instants are sent as
"wall-clock milliseconds" (UTC instant + Paris offset) with ``useUTC``. The only cost is on the
autumn DST night, whose repeated hour is drawn over itself.

Charts speak the page's language: on a French page ECharts gets a French locale (month and day
names on time axes and in the zoom labels) and every value axis and tooltip writes numbers the
French way (``14 000`` with a narrow no-break space, ``1,5``); English otherwise.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime
from typing import Any, Final

from nicegui import ui

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.layout import PRIMARY

#: Colour of the N-1 (last year) series.
PREVIOUS_COLOR = "#8d99a6"

HOUR_MS = 3_600_000
#: Thousands and decimal separators of the chart numbers, per language.
SEPARATORS: Final[dict[str, tuple[str, str]]] = {"fr": ("\u202f", ","), "en": (",", ".")}


class Chart(ui.echart, component="medchart.js"):
    """NiceGUI's ECharts element with the page's language: ECharts' locale (``FR``/``EN``),
    the number separators of value axes and tooltips, the unit every tooltip value carries and
    the date format of time-axis tooltips (see ``medchart.js``).

    For assistive technologies the chart is an image (``role="img"``) named by ``title`` and
    described by its text summary (:func:`chart_card` writes it under the chart)."""

    def __init__(
        self, options: dict[str, Any], lang: str, *, unit: str = "", title: str = ""
    ) -> None:
        super().__init__(options)
        with self._props.suspend_updates():
            self._props.pop("enable-3d", None)
            self._props.pop("theme", None)
            self._props["locale"] = "EN" if lang == "en" else "FR"
            self._props["separators"] = list(SEPARATORS["en" if lang == "en" else "fr"])
            self._props["unit"] = unit
            self._props["role"] = "img"
            if title:
                self._props["aria-label"] = title


#: Counter of summary ids within a process (an id only has to be unique within a page).
_summary_ids = itertools.count(1)


def chart_card(
    chart: Chart, marker: str, value: int, unit: str, summary_text: str, lang: str
) -> ui.label:
    """Mark ``chart`` and write its text summary under it (``aria-describedby`` points to it),
    marked :func:`markers.summary`."""
    m.apply(chart, marker, value=value, unit=unit)
    summary_id = f"med-summary-{next(_summary_ids)}"
    chart.props["aria-describedby"] = summary_id
    label = ui.label(summary_text).classes("text-xs med-muted")
    label.props["id"] = summary_id
    m.apply(label, m.summary(marker))
    return label


def wall_ms(utc_ms: int) -> int:
    """Paris wall-clock milliseconds of a UTC instant in milliseconds."""
    offset = PARIS.utcoffset(datetime.fromtimestamp(utc_ms / 1000, UTC))
    return utc_ms + int(offset.total_seconds() * 1000) if offset else utc_ms


def utc_window(wall_low: int, wall_high: int) -> tuple[int, int]:
    """UTC milliseconds surely covering a wall-clock window (Paris is UTC+1 or UTC+2)."""
    return wall_low - 2 * HOUR_MS, wall_high - HOUR_MS


def _base(dark: bool) -> dict[str, Any]:
    return {
        "animation": False,
        "useUTC": True,
        "backgroundColor": "transparent",
        "textStyle": {"color": "#ddd" if dark else "#333"},
        "grid": {"left": 56, "right": 20, "top": 36, "bottom": 64, "containLabel": False},
        "tooltip": {"trigger": "axis"},
    }


def daily_bars(
    days: list[date],
    values: list[float | None],
    name: str,
    unit: str,
    dark: bool,
    color: str = PRIMARY,
    *,
    lang: str = "fr",
    labels: list[str] | None = None,
    previous: list[float | None] | None = None,
    previous_name: str = "",
) -> dict[str, Any]:
    """Bars of one value per day or month (kWh, EUR...), labelled with ``labels`` (else the
    days in the page's format), and the same dates a year earlier beside them."""
    options = _base(dark)
    series: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": name,
            "data": [_round(v) for v in values],
            "itemStyle": {"color": color},
            "large": len(days) > 400,
        }
    ]
    if previous is not None and any(v is not None for v in previous):
        series.append(
            {
                "type": "bar",
                "name": previous_name,
                "data": [_round(v) for v in previous],
                "itemStyle": {"color": PREVIOUS_COLOR},
                "large": len(days) > 400,
            }
        )
        options["grid"]["top"] = 48
        options["legend"] = {"top": 0, "textStyle": options["textStyle"]}
    options.update(
        {
            "xAxis": {
                "type": "category",
                "data": labels if labels is not None else [i18n.day_text(d, lang) for d in days],
            },
            "yAxis": {"type": "value", "name": unit},
            "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 8}]
            if len(days) > 62
            else [],
            "series": series,
        }
    )
    return options


def _round(value: float | None) -> float | None:
    # Four significant decimals at most: a kWh to the Wh, a euro to the hundredth of a cent.
    return None if value is None else round(value, 4)


def stacked_bars(
    categories: list[str],
    stacks: dict[str, list[float]],
    colors: dict[str, str],
    unit: str,
    dark: bool,
    *,
    previous: list[float | None] | None = None,
    previous_name: str = "",
) -> dict[str, Any]:
    """Stacked bars (e.g. cost per tariff tag and subscription per day or month), with last
    year's total of each bar as a line when ``previous`` is given."""
    options = _base(dark)
    options["grid"]["top"] = 48  # room for the legend above the axis name
    series: list[dict[str, Any]] = [
        {
            "type": "bar",
            "stack": "total",
            "name": name,
            "data": [round(v, 3) for v in values],
            **({"itemStyle": {"color": colors[name]}} if name in colors else {}),
        }
        for name, values in stacks.items()
    ]
    if previous is not None and any(v is not None for v in previous):
        series.append(
            {
                "type": "line",
                "name": previous_name,
                "data": [_round(v) for v in previous],
                "itemStyle": {"color": PREVIOUS_COLOR},
                "lineStyle": {"type": "dashed"},
                "symbol": "circle",
                "symbolSize": 5,
            }
        )
    options.update(
        {
            "legend": {"top": 0, "type": "scroll", "textStyle": options["textStyle"]},
            "xAxis": {"type": "category", "data": categories},
            "yAxis": {"type": "value", "name": unit},
            "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 8}]
            if len(categories) > 62
            else [],
            "series": series,
        }
    )
    return options


def load_curve(
    points: list[list[int]],
    low_ms: int,
    high_ms: int,
    areas: list[list[dict[str, Any]]],
    name: str,
    dark: bool,
    *,
    detailed: bool,
    color: str = PRIMARY,
) -> dict[str, Any]:
    """The load curve: a line of average power (W), off-peak and Tempo backgrounds, zoomable.

    ``points`` and ``areas`` are in UTC milliseconds; the axis bounds are fixed to the period so
    that the zoom percentages map to instants.
    """
    options = _base(dark)
    options["grid"]["bottom"] = 72
    options.update(
        {
            "xAxis": {"type": "time", "min": wall_ms(low_ms), "max": wall_ms(high_ms)},
            "yAxis": {"type": "value", "name": "W"},
            "dataZoom": [
                {"type": "inside", "filterMode": "none"},
                {"type": "slider", "height": 18, "bottom": 8, "filterMode": "none"},
            ],
            "series": [curve_series(points, areas, name, detailed=detailed, color=color)],
        }
    )
    return options


def curve_series(
    points: list[list[int]],
    areas: list[list[dict[str, Any]]],
    name: str,
    *,
    detailed: bool,
    color: str = PRIMARY,
) -> dict[str, Any]:
    """The load-curve series (also what a zoom replaces)."""
    return {
        "type": "line",
        "name": name,
        "showSymbol": False,
        # Each value is the average power from its instant to the next one: a step.
        "step": "start" if detailed else False,
        "lineStyle": {"width": 1},
        "itemStyle": {"color": color},
        "data": [[wall_ms(x), y] for x, y in points],
        "markArea": {
            "silent": True,
            "data": [[dict(a, xAxis=wall_ms(int(a["xAxis"]))) for a in pair] for pair in areas],
        },
    }


def max_power(
    days: list[date],
    values: list[int],
    subscribed_va: float | None,
    name: str,
    limit_name: str,
    dark: bool,
    lang: str = "fr",
) -> dict[str, Any]:
    """Daily maximum power (VA) against the subscribed power."""
    options = daily_bars(
        days, [float(v) for v in values], name, "VA", dark, color="#7e57c2", lang=lang
    )
    if subscribed_va:
        options["series"][0]["markLine"] = {
            "silent": True,
            "symbol": "none",
            "lineStyle": {"color": "#e53935", "type": "dashed"},
            "label": {
                "formatter": f"{limit_name} {i18n.va(round(subscribed_va), lang)}",
                "position": "insideEndTop",
            },
            "data": [{"yAxis": subscribed_va}],
        }
        top = max([subscribed_va * 1.1, *(v * 1.05 for v in values)])
        options["yAxis"]["max"] = math.ceil(top / 1000) * 1000
    return options


def grouped_bars(
    categories: list[str],
    series: dict[str, list[float | None]],
    colors: dict[str, str],
    unit: str,
    dark: bool,
) -> dict[str, Any]:
    """Side-by-side bars (consumption vs production, option comparison)."""
    options = _base(dark)
    options["grid"]["top"] = 48  # room for the legend above the axis name
    options.update(
        {
            "legend": {"top": 0, "type": "scroll", "textStyle": options["textStyle"]},
            "xAxis": {"type": "category", "data": categories},
            "yAxis": {"type": "value", "name": unit},
            "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 8}]
            if len(categories) > 62
            else [],
            "series": [
                {
                    "type": "bar",
                    "name": name,
                    "data": values,
                    **({"itemStyle": {"color": colors[name]}} if name in colors else {}),
                }
                for name, values in series.items()
            ],
        }
    )
    return options


def ranking_bars(
    categories: list[str],
    series: dict[str, list[float | None]],
    colors: dict[str, str],
    unit: str,
    dark: bool,
) -> dict[str, Any]:
    """Horizontal stacked bars, one per category, the first on top (the offer ranking): long
    names stay readable on a phone."""
    options = grouped_bars(categories, series, colors, unit, dark)
    options["xAxis"] = {"type": "value", "name": unit, "splitNumber": 3}
    options["yAxis"] = {
        "type": "category",
        "data": categories,
        "inverse": True,
        # Names wrap on two or three lines: the offers of one supplier share their start
        # ("EDF — Tarif Bleu - ..."), so a cut name would not say which offer a bar is.
        "axisLabel": {"width": 120, "overflow": "break", "lineHeight": 14},
    }
    options["grid"].update({"left": 8, "right": 24, "bottom": 24, "containLabel": True})
    options["dataZoom"] = []
    options["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    for item in options["series"]:
        item["stack"] = "total"
    return options
