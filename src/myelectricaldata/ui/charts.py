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

import math
from datetime import UTC, date, datetime
from typing import Any, Final

from nicegui import ui

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.ui import i18n
from myelectricaldata.ui.layout import PRIMARY

HOUR_MS = 3_600_000
#: Thousands and decimal separators of the chart numbers, per language.
SEPARATORS: Final[dict[str, tuple[str, str]]] = {"fr": ("\u202f", ","), "en": (",", ".")}


class Chart(ui.echart, component="medchart.js"):
    """NiceGUI's ECharts element with the page's language: ECharts' locale (``FR``/``EN``) and
    the number separators of value axes and tooltips (see ``medchart.js``)."""

    def __init__(self, options: dict[str, Any], lang: str) -> None:
        super().__init__(options)
        with self._props.suspend_updates():
            self._props.pop("enable-3d", None)
            self._props.pop("theme", None)
            self._props["locale"] = "EN" if lang == "en" else "FR"
            self._props["separators"] = list(SEPARATORS["en" if lang == "en" else "fr"])


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
) -> dict[str, Any]:
    """Bars of one value per day (kWh, EUR...)."""
    options = _base(dark)
    options.update(
        {
            "xAxis": {"type": "category", "data": [d.isoformat() for d in days]},
            "yAxis": {"type": "value", "name": unit},
            "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 8}]
            if len(days) > 62
            else [],
            "series": [
                {
                    "type": "bar",
                    "name": name,
                    "data": values,
                    "itemStyle": {"color": color},
                    "large": len(days) > 400,
                }
            ],
        }
    )
    return options


def stacked_bars(
    categories: list[str],
    stacks: dict[str, list[float]],
    colors: dict[str, str],
    unit: str,
    dark: bool,
) -> dict[str, Any]:
    """Stacked bars (e.g. cost per tariff tag and subscription per day or month)."""
    options = _base(dark)
    options["grid"]["top"] = 48  # room for the legend above the axis name
    options.update(
        {
            "legend": {"top": 0, "type": "scroll", "textStyle": options["textStyle"]},
            "xAxis": {"type": "category", "data": categories},
            "yAxis": {"type": "value", "name": unit},
            "series": [
                {
                    "type": "bar",
                    "stack": "total",
                    "name": name,
                    "data": [round(v, 4) for v in values],
                    **({"itemStyle": {"color": colors[name]}} if name in colors else {}),
                }
                for name, values in stacks.items()
            ],
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
    options = daily_bars(days, [float(v) for v in values], name, "VA", dark, color="#7e57c2")
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
