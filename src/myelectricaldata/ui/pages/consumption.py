"""Consommation (kWh): daily bars, the load curve with HC/HP and Tempo shading, max power vs
subscribed power, the day-by-day table and the CSV/Excel downloads of the shown period.

The Production page is the same page for the other direction (see ``production.py``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from nicegui import events, ui

from myelectricaldata.domain.tariffs import UNCLASSIFIED, DaySplit, tag_is_offpeak, tags_for
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction, PricingOption, TempoColor
from myelectricaldata.store.repo import Store
from myelectricaldata.ui import charts, i18n, summaries
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import (
    SHADING_MAX_DAYS,
    Curve,
    EnergyData,
    SplitTotals,
    YearOnYear,
    bars,
    complete,
    curve_for_chart,
    curve_rows,
    day_splits,
    energy_data,
    previous_daily,
    shading,
    split_totals,
    tempo_map,
    year_on_year,
)
from myelectricaldata.ui.layout import (
    PRIMARY,
    TAG_COLORS,
    PageContext,
    column,
    day_table,
    heading,
    message,
    shell,
    stat,
    value_label,
)
from myelectricaldata.ui.period import Selection, picker, select

PRODUCTION_COLOR = "#f9a825"

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
    ctx: PageContext,
    selection: Selection,
    data: EnergyData,
    direction: Direction,
    yoy: YearOnYear,
) -> None:
    pdl = selection.pdl
    source = ctx.t("source.daily_index")
    with ui.row().classes("gap-x-8 gap-y-3 items-end flex-wrap"):
        stat(
            ctx.t("energy.total"),
            i18n.kwh_from_wh(data.total_wh, ctx.lang),
            m.value(pdl, "period_total_wh"),
            data.total_wh,
            "Wh",
            note=source,
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
                note=i18n.day_text(peak.day, ctx.lang) if peak else None,
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
    _year_on_year(ctx, pdl, selection.period.kind, yoy)


def _year_on_year(ctx: PageContext, pdl: str, kind: str, yoy: YearOnYear) -> None:
    """N vs N-1: last year's total on the same dates, the change in kWh and in %."""
    previous_wh = None if yoy.previous is None else round(yoy.previous)
    change_wh = None if yoy.change is None else round(yoy.change)
    with ui.row().classes("gap-x-8 gap-y-3 items-end flex-wrap"):
        stat(
            ctx.t("yoy.previous"),
            i18n.kwh_from_wh(previous_wh, ctx.lang),
            m.value(pdl, "period_prev_wh"),
            previous_wh,
            "Wh",
        )
        with ui.column().classes("gap-0"):
            ui.label(ctx.t("yoy.change")).classes("text-xs med-muted")
            with ui.row().classes("items-baseline gap-3"):
                value_label(
                    i18n.signed(i18n.kwh_from_wh(change_wh, ctx.lang), change_wh),
                    m.value(pdl, "period_change_wh"),
                    change_wh,
                    "Wh",
                )
                value_label(
                    i18n.percent(yoy.change_pct, ctx.lang),
                    m.value(pdl, "period_change_pct"),
                    yoy.change_pct,
                    "%",
                    "text-lg",
                )
    if yoy.previous is None:
        ui.label(ctx.t("yoy.none")).classes("text-xs med-muted")
        return
    note = ctx.t("yoy.note_week" if kind == "week" else "yoy.note", days=yoy.days)
    if yoy.unmatched:
        note += " " + ctx.t("yoy.unmatched", days=yoy.unmatched)
    ui.label(note).classes("text-xs med-muted")


def _bars_chart(
    ctx: PageContext,
    selection: Selection,
    data: EnergyData,
    previous: dict[date, float],
    direction: Direction,
) -> None:
    """Energy per day (or per month beyond two months), last year's beside it."""
    period = selection.period
    current = {r.day: float(r.value_wh) for r in data.daily}
    chart_bars = bars(period, selection.last, current, previous)
    heading(ctx.t("energy.monthly" if chart_bars.monthly else "energy.daily"))
    if not data.daily:
        message(ctx.t("common.no_data"))
        return
    kwh = [None if v is None else v / 1000 for v in chart_bars.values]
    before = [None if v is None else v / 1000 for v in chart_bars.previous]
    year = period.start.year
    name = ctx.t("series.current", year=year)
    chart = charts.Chart(
        charts.daily_bars(
            chart_bars.labels,
            kwh,
            name,
            "kWh",
            ctx.dark,
            color=PRIMARY if direction is Direction.CONSUMPTION else PRODUCTION_COLOR,
            lang=ctx.lang,
            labels=summaries.bar_labels(chart_bars, ctx.lang),
            previous=before,
            previous_name=ctx.t("series.previous", year=year - 1),
        ),
        ctx.lang,
        unit="kWh",
        title=ctx.t("energy.monthly" if chart_bars.monthly else "energy.daily"),
    ).classes("med-chart")
    charts.chart_card(
        chart,
        m.CHART_DAILY,
        len(chart_bars.labels),
        "months" if chart_bars.monthly else "days",
        summaries.bars_text(
            ctx.lang,
            ctx.t("series.energy"),
            chart_bars,
            period.start,
            selection.last,
            lambda v: i18n.kwh_from_wh(v, ctx.lang),
        ),
        ctx.lang,
    )


def _split_card(
    ctx: PageContext,
    selection: Selection,
    splits: dict[date, DaySplit],
    totals: SplitTotals,
) -> None:
    """HC/HP (and, on Tempo, each colour) in kWh: totals and a stacked chart."""
    pdl = selection.pdl
    option = selection.point.point.pricing_option
    tempo = option is PricingOption.TEMPO
    heading(ctx.t("split.title_tempo" if tempo else "split.title"))
    if not totals.days:
        message(ctx.t("split.none"))
        return
    all_wh = totals.offpeak_wh + totals.peak_wh
    with ui.row().classes("gap-x-8 gap-y-3 items-end flex-wrap"):
        for key, wh in (("hc", totals.offpeak_wh), ("hp", totals.peak_wh)):
            share = i18n.number(wh / all_wh * 100, 1, ctx.lang) if all_wh else "—"
            stat(
                ctx.t(f"split.{key}"),
                i18n.kwh_from_wh(round(wh), ctx.lang),
                m.value(pdl, f"split_{key}_wh"),
                round(wh),
                "Wh",
                note=ctx.t("split.share", share=share),
            )
        if tempo:
            for color in TempoColor:
                low = color.value.lower()
                wh = totals.wh.get(f"{low}hc", 0.0) + totals.wh.get(f"{low}hp", 0.0)
                stat(
                    ctx.label("tempo", color),
                    i18n.kwh_from_wh(round(wh), ctx.lang),
                    m.value(pdl, f"split_{low}_wh"),
                    round(wh),
                    "Wh",
                    note=f"{ctx.t('tag.' + low + 'hc')} "
                    + i18n.kwh_from_wh(round(totals.wh.get(f"{low}hc", 0.0)), ctx.lang),
                )
    ui.label(ctx.t("split.note", days=totals.days)).classes("text-xs med-muted")
    period = selection.period
    if period.days == 1:
        return  # one day: the totals above are the whole chart
    tags = [t for t in tags_for(option) if t != UNCLASSIFIED]
    per_tag = {
        tag: {
            d: s.wh.get(tag, 0.0)
            for d, s in splits.items()
            if period.start <= d <= selection.last and complete(s, d)
        }
        for tag in tags
    }
    stacks: dict[str, list[float]] = {}
    labels: list[str] = []
    for tag in tags:
        tag_bars = bars(period, selection.last, per_tag[tag], {})
        labels = summaries.bar_labels(tag_bars, ctx.lang)
        stacks[ctx.t(f"tag.{tag}")] = [(v or 0.0) / 1000 for v in tag_bars.values]
    colors = {ctx.t(f"tag.{tag}"): TAG_COLORS[tag] for tag in tags}
    title = ctx.t("split.title_tempo" if tempo else "split.title")
    chart = charts.Chart(
        charts.stacked_bars(labels, stacks, colors, "kWh", ctx.dark),
        ctx.lang,
        unit="kWh",
        title=title,
    ).classes("med-chart")
    parts = [(ctx.t(f"tag.{tag}"), i18n.kwh_from_wh(round(totals.wh.get(tag, 0.0)), ctx.lang))
             for tag in tags]  # fmt: skip
    charts.chart_card(
        chart,
        m.CHART_SPLIT,
        len(labels),
        "bars",
        summaries.parts_text(ctx.lang, "sum.split", parts),
        ctx.lang,
    )


def _table(
    ctx: PageContext,
    selection: Selection,
    data: EnergyData,
    direction: Direction,
    splits: dict[date, DaySplit] | None,
    tempo: dict[date, TempoColor],
) -> None:
    peaks = {r.day: r for r in data.max_power}
    option = selection.point.point.pricing_option
    show_tempo = direction is Direction.CONSUMPTION and option is PricingOption.TEMPO
    columns: list[dict[str, Any]] = [column("date", ctx.t("common.date"), align="left")]
    if show_tempo:
        columns.append(column("tempo", ctx.t("col.tempo"), align="left", key=False))
    columns.append(column("kwh", ctx.t("col.kwh")))
    if splits is not None:
        columns += [
            column("hc", ctx.t("col.hc_kwh"), key=False),
            column("hp", ctx.t("col.hp_kwh"), key=False),
        ]
    columns += [
        column("value_wh", ctx.t("col.wh"), key=False),
        column("quality", ctx.t("common.quality"), align="left", key=False),
    ]
    if direction is Direction.CONSUMPTION:
        columns.append(column("max_va", ctx.t("col.max_va")))
    rows = []
    for row in data.daily:
        peak = peaks.get(row.day)
        line: dict[str, Any] = {
            "date": i18n.day_text(row.day, ctx.lang),
            "kwh": i18n.kwh_from_wh(row.value_wh, ctx.lang).removesuffix(" kWh"),
            "value_wh": i18n.integer(row.value_wh, ctx.lang),
            "quality": ctx.label("quality", row.quality),
            "max_va": i18n.integer(peak.value_va if peak else None, ctx.lang),
        }
        if show_tempo:
            line["tempo"] = ctx.label("tempo", tempo.get(row.day))
        if splits is not None:
            split = splits.get(row.day)
            if complete(split, row.day) and split is not None:
                hc = sum(v for k, v in split.wh.items() if tag_is_offpeak(k))
                hp = sum(v for k, v in split.wh.items() if not tag_is_offpeak(k))
                line["hc"] = i18n.number(Decimal(round(hc)) / 1000, 2, ctx.lang)
                line["hp"] = i18n.number(Decimal(round(hp)) / 1000, 2, ctx.lang)
            else:
                line["hc"] = line["hp"] = "—"
        rows.append(line)
    heading(ctx.t("energy.table"))
    day_table(ctx, columns, rows, m.TABLE_DAILY)
    ui.label(ctx.t("common.rounding")).classes("text-xs med-muted")


async def _load_curve(
    ctx: PageContext,
    selection: Selection,
    direction: Direction,
    rows: list[tuple[int, int, int, str]],
    tempo: dict[date, TempoColor],
) -> None:
    store = ctx.runtime.store
    period = selection.period
    pdl = selection.pdl
    curve: Curve = await asyncio.to_thread(
        curve_for_chart, store, pdl, direction, period.start, period.end, rows=rows
    )
    heading(ctx.t("energy.load_curve"))
    if not curve.total:
        message(ctx.t("energy.no_curve"))
        return
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
        unit="W",
        title=ctx.t("energy.load_curve"),
    ).classes("med-chart")
    charts.chart_card(
        chart,
        m.CHART_LOAD_CURVE,
        len(curve.points),
        "points",
        _curve_summary(ctx, period.start, period.end, rows),
        ctx.lang,
    )
    note = ui.label(
        ctx.t("energy.downsampled", shown=len(curve.points), total=curve.total)
        if curve.downsampled
        else ctx.t("energy.load_curve_hint")
    ).classes("text-xs med-muted")
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


def _curve_summary(
    ctx: PageContext, first: date, last: date, rows: list[tuple[int, int, int, str]]
) -> str:
    low = min(r[2] for r in rows)
    peak = max(rows, key=lambda r: r[2])
    at = datetime.fromtimestamp(peak[0], PARIS)
    return ctx.t(
        "sum.curve",
        start=i18n.day_text(first, ctx.lang),
        end=i18n.day_text(last, ctx.lang),
        points=i18n.integer(len(rows), ctx.lang),
        low=f"{i18n.integer(low, ctx.lang)} W",
        high=f"{i18n.integer(peak[2], ctx.lang)} W",
        peak_at=i18n.instant_text(at, ctx.lang),
    )


def _max_power_card(ctx: PageContext, data: EnergyData) -> None:
    heading(ctx.t("energy.max_power"))
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
        unit="VA",
        title=ctx.t("energy.max_power"),
    ).classes("med-chart")
    peak = data.peak
    summary = ctx.t(
        "sum.max_power",
        start=i18n.day_text(data.max_power[0].day, ctx.lang),
        end=i18n.day_text(data.max_power[-1].day, ctx.lang),
        max=i18n.va(peak.value_va if peak else None, ctx.lang),
        max_at=i18n.day_text(peak.day, ctx.lang) if peak else "—",
        subscribed=i18n.kva(kva, ctx.lang),
    )
    charts.chart_card(chart, m.CHART_MAX_POWER, len(data.max_power), "days", summary, ctx.lang)


async def build_energy(ctx: PageContext, direction: Direction, page_marker: str) -> None:
    """The Consommation or Production page."""
    store = ctx.runtime.store
    points = await asyncio.to_thread(store.usage_points)
    with shell(ctx, page_marker):
        selection = await select(ctx, direction, points)
        if selection is None:
            message(ctx.t("common.no_pdl"))
            return
        picker(ctx, selection, points)
        if direction is Direction.PRODUCTION and not selection.point.point.has_production:
            message(ctx.t("energy.no_production"))
            return
        period = selection.period
        data, previous, rows, tempo = await asyncio.to_thread(_read, store, selection, direction)
        yoy = year_on_year({r.day: float(r.value_wh) for r in data.daily}, previous, period.kind)
        option = selection.point.point.pricing_option
        splits = None
        if direction is Direction.CONSUMPTION and len(tags_for(option)) > 1:
            splits = await asyncio.to_thread(day_splits, selection.point, rows, tempo)
        with ui.card().classes("w-full"):
            _summary(ctx, selection, data, direction, yoy)
            note = ui.label(ctx.t("source.energy")).classes("text-xs med-muted")
            m.apply(note, m.SOURCE_NOTE)
        with ui.card().classes("w-full"):
            _bars_chart(ctx, selection, data, previous, direction)
        if splits is not None:
            with ui.card().classes("w-full"):
                totals = split_totals(splits, option, period.start, selection.last)
                _split_card(ctx, selection, splits, totals)
        with ui.card().classes("w-full"):
            await _load_curve(ctx, selection, direction, rows, tempo)
        if direction is Direction.CONSUMPTION and data.max_power:
            with ui.card().classes("w-full"):
                _max_power_card(ctx, data)
        with ui.card().classes("w-full"):
            _table(ctx, selection, data, direction, splits, tempo)


def _read(
    store: Store, selection: Selection, direction: Direction
) -> tuple[EnergyData, dict[date, float], list[tuple[int, int, int, str]], dict[date, TempoColor]]:
    """Everything the page reads, in one worker thread: the period's daily values and max
    power, last year's daily values, the load curve (read once: chart and split), the Tempo
    colours around the period."""
    period = selection.period
    pdl = selection.pdl
    data = energy_data(store, selection.point, direction, period)
    previous = previous_daily(store, pdl, direction, period)
    rows = curve_rows(store, pdl, direction, period.start, period.end)
    tempo = tempo_map(store, period.start - timedelta(days=1), period.end + timedelta(days=1))
    return data, previous, rows, tempo


async def build(ctx: PageContext) -> None:
    """The Consommation (kWh) page."""
    await build_energy(ctx, Direction.CONSUMPTION, m.PAGE_CONSUMPTION)
