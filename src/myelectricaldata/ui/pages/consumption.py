"""Consommation (kWh): daily bars, the load curve with HC/HP and Tempo shading, max power vs
subscribed power, the day-by-day table and the CSV/Excel downloads of the shown period.

The Production page is the same page for the other direction (see ``production.py``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from nicegui import events, ui

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction
from myelectricaldata.ui import charts, i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import (
    SHADING_MAX_DAYS,
    Curve,
    EnergyData,
    curve_for_chart,
    energy_data,
    shading,
    tempo_map,
)
from myelectricaldata.ui.layout import PageContext, PagedTable, message, shell, stat
from myelectricaldata.ui.period import Selection, picker, select

#: Zoom windows wider than this many days keep the down-sampled view (no full detail).
DETAIL_MAX_DAYS = 93


def download_href(kind: str, pdl: str, selection: Selection, fmt: str) -> str:
    """The API route of the shown period as a file (exactly the API's rows)."""
    route = {
        "consumption_daily": f"/api/consumption/daily/{pdl}",
        "production_daily": f"/api/production/daily/{pdl}",
        "consumption_detail": f"/api/consumption/detail/{pdl}",
        "production_detail": f"/api/production/detail/{pdl}",
        "max_power": f"/api/max_power/{pdl}",
    }[kind]
    query = {
        "start": selection.period.start.isoformat(),
        "end": selection.period.end.isoformat(),
        "format": fmt,
    }
    return f"{route}?{urlencode(query)}"


def downloads(ctx: PageContext, selection: Selection, direction: Direction) -> None:
    """The "Exporter" button: CSV and Excel of each kind of data of the shown period."""
    kinds = [f"{direction.value}_daily", f"{direction.value}_detail"]
    if direction is Direction.CONSUMPTION:
        kinds.append("max_power")
    with ui.button(ctx.t("energy.export"), icon="download").props("no-caps") as button:
        m.apply(button, m.EXPORT_MENU)
        with ui.menu(), ui.column().classes("p-3 gap-2"):
            for kind in kinds:
                with ui.row().classes("items-center gap-3 no-wrap"):
                    ui.label(ctx.t(f"kind.{kind}")).classes("min-w-[11rem]")
                    for fmt, label in (("csv", "energy.csv"), ("xlsx", "energy.xlsx")):
                        link = ui.link(
                            ctx.t(label), download_href(kind, selection.pdl, selection, fmt)
                        ).props("download")
                        m.apply(link, m.download(fmt, kind))


def _summary(
    ctx: PageContext, selection: Selection, data: EnergyData, direction: Direction
) -> None:
    pdl = selection.pdl
    with ui.row().classes("gap-8 items-end flex-wrap"):
        stat(
            ctx.t("energy.total"),
            i18n.kwh_from_wh(data.total_wh, ctx.lang),
            m.value(pdl, "period_total_wh"),
            data.total_wh,
            "Wh",
        )
        stat(
            ctx.t("energy.days_with_data"),
            f"{len(data.daily)} / {selection.period.days}",
            m.value(pdl, "period_days"),
            len(data.daily),
            "",
        )
        if direction is Direction.CONSUMPTION:
            peak = data.peak
            stat(
                ctx.t("energy.peak"),
                i18n.va(peak.value_va if peak else None, ctx.lang),
                m.value(pdl, "period_max_va"),
                peak.value_va if peak else None,
                "VA",
            )
            stat(
                ctx.t("energy.subscribed"),
                i18n.kva(data.subscribed_kva, ctx.lang),
                m.value(pdl, "subscribed_kva"),
                data.subscribed_kva,
                "kVA",
            )
        ui.space()
        downloads(ctx, selection, direction)


def _table(ctx: PageContext, data: EnergyData, direction: Direction) -> None:
    peaks = {r.day: r for r in data.max_power}
    columns: list[dict[str, Any]] = [
        {"name": "date", "label": ctx.t("common.date"), "field": "date", "align": "left"},
        {"name": "kwh", "label": "kWh", "field": "kwh", "align": "right"},
        {"name": "value_wh", "label": "Wh", "field": "value_wh", "align": "right"},
        {"name": "quality", "label": ctx.t("common.quality"), "field": "quality", "align": "left"},
    ]
    if direction is Direction.CONSUMPTION:
        columns.append(
            {
                "name": "max_va",
                "label": ctx.t("energy.max_power"),
                "field": "max_va",
                "align": "right",
            }
        )
    rows = []
    for row in data.daily:
        peak = peaks.get(row.day)
        rows.append(
            {
                "date": row.day.isoformat(),
                "kwh": i18n.kwh_from_wh(row.value_wh, ctx.lang).removesuffix(" kWh"),
                "value_wh": row.value_wh,
                "quality": row.quality,
                "max_va": peak.value_va if peak else None,
            }
        )
    ui.label(ctx.t("energy.table")).classes("text-base font-medium")
    table = PagedTable(columns=columns, rows=rows, row_key="date").classes("w-full")
    table.props("dense flat bordered")
    m.apply(table, m.TABLE_DAILY)
    ui.label(ctx.t("common.rounding")).classes("text-xs opacity-70")


async def _load_curve(ctx: PageContext, selection: Selection, direction: Direction) -> None:
    store = ctx.runtime.store
    period = selection.period
    pdl = selection.pdl
    curve: Curve = await asyncio.to_thread(
        curve_for_chart, store, pdl, direction, period.start, period.end
    )
    ui.label(ctx.t("energy.load_curve")).classes("text-base font-medium")
    if not curve.total:
        message(ctx.t("energy.no_curve"))
        return
    tempo = await asyncio.to_thread(
        tempo_map, store, period.start - timedelta(days=1), period.end + timedelta(days=1)
    )
    areas = (
        shading(selection.point, tempo, period.start, period.end)
        if direction is Direction.CONSUMPTION
        else []
    )
    name = ctx.t("series.power")
    chart = charts.Chart(
        charts.load_curve(
            curve.points,
            curve.low_ms,
            curve.high_ms,
            areas,
            name,
            ctx.dark,
            detailed=not curve.downsampled,
        ),
        ctx.lang,
    ).classes("med-chart")
    m.apply(chart, m.CHART_LOAD_CURVE, value=len(curve.points), unit="points")
    note = ui.label(
        ctx.t("energy.downsampled", shown=len(curve.points), total=curve.total)
        if curve.downsampled
        else ctx.t("energy.load_curve_hint")
    ).classes("text-xs opacity-70")
    if not curve.downsampled:
        return
    axis_low, axis_high = charts.wall_ms(curve.low_ms), charts.wall_ms(curve.high_ms)

    async def zoomed(event: events.GenericEventArguments) -> None:
        # The slider and the mouse wheel send percentages of the fixed axis extent.
        args = event.args if isinstance(event.args, dict) else {}
        batch = args.get("batch") or [args]
        start_pct = float(batch[0].get("start", 0) or 0)
        end_pct = float(batch[0].get("end", 100) or 100)
        wall_low = axis_low + (axis_high - axis_low) * start_pct / 100
        wall_high = axis_low + (axis_high - axis_low) * end_pct / 100
        days = (wall_high - wall_low) / 86_400_000
        window = charts.utc_window(int(wall_low), int(wall_high))
        detailed = days <= DETAIL_MAX_DAYS
        fresh = await asyncio.to_thread(
            curve_for_chart,
            store,
            pdl,
            direction,
            period.start,
            period.end,
            window=window if detailed else None,
        )
        window_areas: list[list[dict[str, Any]]] = []
        if direction is Direction.CONSUMPTION and days <= SHADING_MAX_DAYS:
            first = charts_day(window[0])
            last = charts_day(window[1])
            window_areas = shading(selection.point, tempo, first, last)
        series = charts.curve_series(fresh.points, window_areas, name, detailed=detailed)
        chart.run_chart_method("setOption", {"series": [series]})
        chart.props["data-value"] = str(len(fresh.points))
        note.text = ctx.t("energy.downsampled", shown=len(fresh.points), total=fresh.total)

    chart.on(
        "chart:datazoom", zoomed, ["start", "end", "batch"], throttle=0.4, leading_events=False
    )


def charts_day(utc_ms: int) -> date:
    """Paris day of a UTC instant in milliseconds."""
    return datetime.fromtimestamp(utc_ms / 1000, UTC).astimezone(PARIS).date()


async def build_energy(ctx: PageContext, direction: Direction, page_marker: str) -> None:
    """The Consommation or Production page."""
    store = ctx.runtime.store
    points = await asyncio.to_thread(store.usage_points)
    title = ctx.t("nav.consumption" if direction is Direction.CONSUMPTION else "nav.production")
    with shell(ctx, page_marker):
        ui.page_title(f"{title} — MyElectricalData")
        selection = await select(ctx, direction, points)
        if selection is None:
            message(ctx.t("common.no_pdl"))
            return
        picker(ctx, selection, points)
        if direction is Direction.PRODUCTION and not selection.point.point.has_production:
            message(ctx.t("energy.no_production"))
            return
        data = await asyncio.to_thread(
            energy_data, store, selection.point, direction, selection.period
        )
        with ui.card().classes("w-full"):
            _summary(ctx, selection, data, direction)
        with ui.card().classes("w-full"):
            ui.label(ctx.t("energy.daily")).classes("text-base font-medium")
            if data.daily:
                days = [r.day for r in data.daily]
                chart = charts.Chart(
                    charts.daily_bars(
                        days,
                        [r.value_wh / 1000 for r in data.daily],
                        ctx.t("series.energy"),
                        "kWh",
                        ctx.dark,
                        color="#1976d2" if direction is Direction.CONSUMPTION else "#f9a825",
                    ),
                    ctx.lang,
                ).classes("med-chart")
                m.apply(chart, m.CHART_DAILY, value=len(days), unit="days")
            else:
                message(ctx.t("common.no_data"))
        with ui.card().classes("w-full"):
            await _load_curve(ctx, selection, direction)
        if direction is Direction.CONSUMPTION and data.max_power:
            with ui.card().classes("w-full"):
                ui.label(ctx.t("energy.max_power")).classes("text-base font-medium")
                kva = data.subscribed_kva
                chart = charts.Chart(
                    charts.max_power(
                        [r.day for r in data.max_power],
                        [r.value_va for r in data.max_power],
                        kva * 1000 if kva else None,
                        ctx.t("energy.max_power"),
                        ctx.t("energy.subscribed"),
                        ctx.dark,
                        ctx.lang,
                    ),
                    ctx.lang,
                ).classes("med-chart")
                m.apply(chart, m.CHART_MAX_POWER, value=len(data.max_power), unit="days")
        with ui.card().classes("w-full"):
            _table(ctx, data, direction)


async def build(ctx: PageContext) -> None:
    """The Consommation (kWh) page."""
    await build_energy(ctx, Direction.CONSUMPTION, m.PAGE_CONSUMPTION)
